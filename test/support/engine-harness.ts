import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/prisma.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startRuntime, type Runtime } from '../../src/main/runtime.js';
import { PbxSimulator, type PbxSimulatorOptions } from '../../src/simulator/pbx-simulator.js';
import { deleteRedisKeys, testDatabases } from './test-databases.js';

export const API_KEY = 'test-api-key-0123456789';

export interface Engine {
  sim: PbxSimulator;
  runtime: Runtime;
  prisma: Db;
  mediaDir: string;
  baseUrl: string;
  databaseUrl: string;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  /** Polls the campaign until `done(campaign)` or the deadline. */
  waitForCampaign(id: string, done?: (c: any) => boolean, ms?: number): Promise<any>;
  close(): Promise<void>;
}

/**
 * The whole service in this process (API, webhook, workers, dispatcher, watchdog) on a fresh
 * database and Redis prefix, against a real simulator over HTTP.
 */
export async function startEngine(opts: { sim?: PbxSimulatorOptions; env?: Record<string, string>; log?: Logger } = {}): Promise<Engine> {
  const mediaDir = mkdtempSync(join(tmpdir(), 'codecall-media-'));
  const sim = await new PbxSimulator({ timeScale: 0.05, mediaDir, ...opts.sim }).start();
  const dbs = testDatabases('engine');
  const databaseUrl = dbs.url('db');
  const redisPrefix = `codecall-test-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: redisPrefix,
    PORT: '0',
    PBX_URL: sim.url,
    PBX_USERNAME: 'api',
    PBX_PASSWORD: 'password',
    PBX_TIMEOUT_MS: '2000',
    API_KEYS: API_KEY,
    WATCHDOG_SILENCE_MS: '3000',
    SWEEP_GRACE_MS: '1000',
    UNREACHABLE_RETRY_MS: '300',
    DISPATCH_INTERVAL_MS: '10',
    LOG_LEVEL: 'silent',
    MEDIA_DIR: mediaDir,
    ...opts.env,
  });
  const runtime = await startRuntime(config, { api: true, worker: true }, opts.log ?? createLogger({ level: 'silent' }));
  const address = runtime.server.address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const prisma = createDb(databaseUrl);
  const api: Engine['api'] = async (method, path, body, headers = {}) => {
    const isText = typeof body === 'string';
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': isText ? 'text/csv' : 'application/json' }), ...headers },
      body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return {
    sim,
    runtime,
    prisma,
    mediaDir,
    baseUrl,
    databaseUrl,
    api,
    async waitForCampaign(id, done = (c) => c.status === 'completed', ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const { body } = await api('GET', `/api/campaigns/${id}`);
        if (done(body)) return body;
        if (Date.now() > deadline) throw new Error(`campaign not done in ${ms} ms: ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await runtime.stop();
      await sim.stop();
      await prisma.$disconnect();
      await dbs.dropAll();
      await deleteRedisKeys(config.redis.url, redisPrefix);
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}

/** A call whose callee got `code` by SMS, delivered to the simulator as the booking office would. */
export function smsCall(engine: Engine, phone: string, code: string, extra: Record<string, string> = {}) {
  engine.sim.deliverSms(phone, code);
  return { phone, code, ...extra };
}

/**
 * One engine for the enclosing describe block (or file): started before its tests, closed
 * after them. The returned object forwards to the engine once it runs.
 */
export function useEngine(opts: Parameters<typeof startEngine>[0] = {}): Engine {
  let engine: Engine | null = null;
  beforeAll(async () => {
    engine = await startEngine(opts);
  });
  afterAll(async () => {
    await engine?.close();
  });
  return new Proxy({} as Engine, {
    get(_target, key) {
      if (!engine) throw new Error('the engine is used before it started');
      return Reflect.get(engine, key);
    },
  });
}

/** Fresh numbers under `prefix` ending in `lastDigit`, which picks the simulated callee's persona. */
export function phoneNumbers(prefix: string): (lastDigit: number) => string {
  let next = 1000;
  return (lastDigit) => `${prefix}${String(next++).padStart(10 - prefix.length, '0')}${lastDigit}`;
}
