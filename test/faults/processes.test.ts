import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, stopService, until, type Cluster } from '../support/process-harness.js';
import { EXPECTED_OUTCOME, batch, expectInvariants, outcomesByPersona, progress, submit, untilDone } from './campaign-faults.js';

let c: Cluster | null = null;
afterEach(async () => {
  // A test that failed half-way must not leave the machine without its database.
  if (!postgresUp()) postgres('start');
  await c?.close();
  c = null;
});

describe('a worker killed with SIGKILL in the middle of a campaign', () => {
  it('is replaced, and every call reaches an outcome with no attempt dialled twice and no code routed twice', async () => {
    c = await startCluster();
    await c.start('api');
    const worker = await c.start('worker');
    const id = await submit(c, batch(c, 60));
    await until('a quarter of the calls to be done', async () => (await progress(c!, id)).done >= 15);
    worker.child.kill('SIGKILL');
    await worker.exited;
    await c.start('worker');
    await untilDone(c, id);
    await expectInvariants(c, id);
  });
});

describe('Redis lost in the middle of a campaign (killed, started again empty)', () => {
  it('resumes the campaign: nothing is stuck, nobody is called twice', async () => {
    c = await startCluster();
    await c.start('all');
    const id = await submit(c, batch(c, 60));
    await until('a quarter of the calls to be done', async () => (await progress(c!, id)).done >= 15);
    await c.redis.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await c.redis.start();
    await untilDone(c, id);
    await expectInvariants(c, id);
  });
});

describe('PostgreSQL restarted in the middle of a campaign', () => {
  it('loses no report (the webhook answers 200 only once a report is stored) and finishes the campaign', async () => {
    // A tenth of real time: the simulated PBX resends a refused report for about six seconds.
    c = await startCluster({ sim: { timeScale: 0.1 } });
    await c.start('all');
    const id = await submit(c, batch(c, 60));
    await until('a quarter of the calls to be done', async () => (await progress(c!, id)).done >= 15);
    const resentBefore = c.sim.reportStats.resent;
    postgres('stop');
    // Away long enough for reports to come in, short of the simulated PBX giving up on them.
    await new Promise((r) => setTimeout(r, 2000));
    postgres('start');
    await untilDone(c, id);
    await expectInvariants(c, id);
    // The PBX was told to send again while the database was away, and nothing was dropped.
    expect(c.sim.reportStats.resent).toBeGreaterThan(resentBefore);
    expect(c.sim.reportStats.dropped).toBe(0);
  });
});

describe('two API and two worker processes on one Redis and one PostgreSQL', () => {
  it('reach the outcomes one process reaches, with no duplicate dial or transfer', async () => {
    c = await startCluster();
    await c.start('api');
    await c.start('api');
    await c.start('worker');
    await c.start('worker');
    const id = await submit(c, batch(c, 60));
    await untilDone(c, id);
    await expectInvariants(c, id);
    const outcomes = await outcomesByPersona(c, id);
    for (const [digit, list] of Object.entries(outcomes)) expect(new Set(list), `persona ${digit}`).toEqual(new Set([EXPECTED_OUTCOME[digit]]));
    for (const p of c.processes) expect(await stopService(p)).toBe(0);
  });
});

function postgresUp(): boolean {
  try {
    execFileSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']);
    return true;
  } catch {
    return false;
  }
}

/** The machine's own cluster, as `.ci/run` and the README start it: stopping drops every connection. */
function postgres(action: 'stop' | 'start'): void {
  const version = readdirSync('/etc/postgresql')[0]!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'ignore' });
}
