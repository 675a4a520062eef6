import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PbxSimulator } from '../../src/simulator/pbx-simulator.js';
import { phoneNumbers } from '../support/engine-harness.js';
import { freePort, spawnService, until } from '../support/process-harness.js';
import { testDatabases } from '../support/test-databases.js';

const API_KEY = 'shutdown-test-key-0123456789';
const dbs = testDatabases('shutdown');
const mediaDir = mkdtempSync(join(tmpdir(), 'codecall-shutdown-'));
const phone = phoneNumbers('1373');
let sim: PbxSimulator;
let port: number;

beforeAll(async () => {
  sim = await new PbxSimulator({ timeScale: 0.05, mediaDir }).start();
  port = await freePort();
});
afterAll(async () => {
  await sim?.stop();
  await dbs.dropAll();
  rmSync(mediaDir, { recursive: true, force: true });
});

const env = () => ({
  NODE_ENV: 'test',
  DATABASE_URL: dbs.url('db'),
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `codecall-shutdown-${prefixId}`,
  PBX_URL: sim.url,
  PBX_USERNAME: 'api',
  PBX_PASSWORD: 'password',
  API_KEYS: API_KEY,
  MEDIA_DIR: mediaDir,
  WATCHDOG_SILENCE_MS: '3000',
  SWEEP_GRACE_MS: '1000',
  SHUTDOWN_GRACE_MS: '3000',
  LOG_LEVEL: 'info',
});
const prefixId = randomBytes(4).toString('hex');

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

describe('SIGTERM in the middle of a campaign', () => {
  it('stops within its grace period, and a restarted process carries the campaign to the end without dialling anyone twice', async () => {
    const first = spawnService('all', port, env());
    try {
      await until('the service to be ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
      const calls = Array.from({ length: 16 }, (_, i) => {
        const n = phone(i % 2 ? 0 : 3);
        sim.deliverSms(n, '24680');
        return { phone: n, code: '24680' };
      });
      const campaign = await api('POST', '/api/campaigns', { name: 'shutdown', calls, options: { maxConcurrent: 4, callsPerSecond: 4, maxDialAttempts: 1 } });
      expect(campaign.id).toBeTruthy();
      await until('some calls to finish', async () => {
        const c = (await api('GET', `/api/campaigns/${campaign.id}`)).counts;
        return c.total - c.pending - c.inProgress >= 3 && c.pending > 0;
      });

      const signalled = Date.now();
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(6_000);
      expect(first.output()).toContain('shutdown.start');
      const dialsAtExit = sim.recorder.dials.length;
      // Callees on the line while no codecall runs may give up waiting for their decision
      // (the simulated hold music lasts a second): they end abandoned, never dialled again.
      const liveAtExit = sim.liveCalls().length;
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.recorder.dials.length).toBe(dialsAtExit);

      const second = spawnService('all', port, env());
      try {
        const done = await until('the campaign to complete after the restart', async () => {
          const view = await api('GET', `/api/campaigns/${campaign.id}`);
          return view.status === 'completed' ? view : null;
        });
        expect(done.counts.verified + done.counts.abandoned).toBe(16);
        expect(done.counts.abandoned).toBeLessThanOrEqual(liveAtExit);
        const numbers = calls.map((c) => c.phone);
        const dials = sim.recorder.dials.filter((d) => numbers.includes(d.phone));
        expect(dials).toHaveLength(16);
        expect(new Set(dials.map((d) => d.phone)).size).toBe(16);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
  }, 60_000);
});
