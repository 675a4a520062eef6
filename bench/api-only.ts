import { randomBytes } from 'node:crypto';
import { PbxSimulator } from '../src/simulator/pbx-simulator.js';
import { API_KEY, freePort, spawnService, stopService, waitReady, type ServiceProcess } from '../test/support/process-harness.js';
import { deleteRedisKeys, testDatabases } from '../test/support/test-databases.js';

export interface ApiOnly {
  api: ServiceProcess;
  port: number;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * An API process of its own (webhook and /api, no workers, so nothing is dialled or processed)
 * on a fresh database, logged in to an idle simulator.
 */
export async function startApiOnly(label: string, env: NodeJS.ProcessEnv = {}): Promise<ApiOnly> {
  const dbs = testDatabases('bench');
  const databaseUrl = dbs.url(label);
  const sim = await new PbxSimulator({ timeScale: 1 }).start();
  const port = await freePort();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `codecall-bench-${randomBytes(3).toString('hex')}`;
  const api = spawnService('api', port, {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    PBX_URL: sim.url,
    PBX_USERNAME: 'api',
    PBX_PASSWORD: 'password',
    API_KEYS: API_KEY,
    LOG_LEVEL: 'warn',
    ...env,
  });
  await waitReady(api);
  return {
    api,
    port,
    databaseUrl,
    async close() {
      await stopService(api, 'SIGKILL');
      await sim.stop();
      await dbs.dropAll();
      await deleteRedisKeys(redisUrl, redisPrefix);
    },
  };
}
