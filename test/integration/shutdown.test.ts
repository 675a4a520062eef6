import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PbxSimulator } from '../../src/simulator/pbx-simulator.js';
import { phoneNumbers } from '../support/engine-harness.js';
import { freePort, spawnService, until } from '../support/process-harness.js';
import { deleteRedisKeys, testDatabases } from '../support/test-databases.js';

const API_KEY = 'shutdown-test-key-0123456789';
const dbs = testDatabases('shutdown');
const mediaDir = mkdtempSync(join(tmpdir(), 'codecall-shutdown-'));
const phone = phoneNumbers('1373');
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `codecall-shutdown-${randomBytes(4).toString('hex')}`;
let sim: PbxSimulator;
let port: number;

beforeAll(async () => {
  sim = await new PbxSimulator({ timeScale: 0.05, mediaDir }).start();
  port = await freePort();
});
afterAll(async () => {
  await sim?.stop();
  await dbs.dropAll();
  await deleteRedisKeys(redisUrl, redisPrefix);
  rmSync(mediaDir, { recursive: true, force: true });
});

const env = () => ({
  NODE_ENV: 'test',
  DATABASE_URL: dbs.url('db'),
  REDIS_URL: redisUrl,
  REDIS_PREFIX: redisPrefix,
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

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

/** A POST whose first half is sent now and the rest on `finish()`: a request in flight. */
function halfSentRequest(path: string, body: unknown) {
  const text = JSON.stringify(body);
  const half = Math.floor(text.length / 2);
  let started!: () => void;
  const req = http.request(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  req.write(text.slice(0, half), () => started());
  return { started: new Promise<void>((r) => (started = r)).then(() => new Promise((r) => setTimeout(r, 100))), status, finish: () => req.end(text.slice(half)) };
}

describe('SIGTERM in the middle of a campaign', () => {
  it('refuses new connections, answers the request under way, stops within its grace period, and a restarted process carries the campaign to the end without dialling anyone twice', async () => {
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

      // A request under way when the signal comes: its body is half sent.
      const late = halfSentRequest('/api/campaigns', { name: 'sent during shutdown', calls: [{ phone: phone(5), code: '13579' }], options: { window: { start: '00:00', end: '00:01', timezone: 'Pacific/Kiritimati' } } });
      await late.started;
      // Callees on the line from here until a process runs again may give up waiting for their
      // decision (the simulated hold music lasts a second), and the simulated PBX stops resending
      // their reports after three seconds: those calls may end abandoned or declined, never
      // dialled again.
      const liveAtSignal = sim.liveCalls().length;
      const dialsAtSignal = sim.recorder.dials.length;
      const signalled = Date.now();
      first.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      expect((await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status).toBeUndefined();
      late.finish();
      expect(await late.status).toBe(201);
      expect(await first.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(6_000);
      expect(first.output()).toContain('shutdown.start');
      const dialsAtExit = sim.recorder.dials.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.recorder.dials.length).toBe(dialsAtExit);

      const second = spawnService('all', port, env());
      try {
        const done = await until('the campaign to complete after the restart', async () => {
          const view = await api('GET', `/api/campaigns/${campaign.id}`);
          return view.status === 'completed' ? view : null;
        });
        expect(done.counts.total - done.counts.pending - done.counts.inProgress).toBe(16);
        expect(done.counts.verified).toBeGreaterThanOrEqual(16 - liveAtSignal - (dialsAtExit - dialsAtSignal));
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
