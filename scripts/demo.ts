// npm run demo: a mixed campaign of 60 calls against the PBX simulator, with live progress
// and the outcome table at the end. Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL;
// local defaults otherwise); everything else runs in this process.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, followCampaign } from '../src/cli/follow.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startRuntime } from '../src/main/runtime.js';
import { PERSONAS } from '../src/simulator/personas.js';
import { PbxSimulator } from '../src/simulator/pbx-simulator.js';

const CALLS = Number(process.env.DEMO_CALLS ?? 60);
const TIME_SCALE = Number(process.env.DEMO_TIME_SCALE ?? 0.1);
const apiKey = `demo-${randomBytes(8).toString('hex')}`;

const mediaDir = mkdtempSync(join(tmpdir(), 'codecall-demo-media-'));
const sim = await new PbxSimulator({ timeScale: TIME_SCALE, mediaDir }).start();
const config = loadConfig({
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/codecall_demo',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `codecall-demo-${randomBytes(3).toString('hex')}`,
  PORT: '0',
  PBX_URL: sim.url,
  PBX_USERNAME: 'api',
  PBX_PASSWORD: 'password',
  API_KEYS: apiKey,
  MEDIA_DIR: mediaDir,
  WATCHDOG_SILENCE_MS: '5000',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const runtime = await startRuntime(config, { api: true, worker: true }, createLogger({ level: config.logLevel }));
const base = `http://127.0.0.1:${(runtime.server.address() as { port: number }).port}`;
const api = apiClient(base, apiKey);

// The booking office texts each customer a code; the simulated callees "receive" it too.
// The last digit of each number picks how its callee behaves (see README, simulator).
// Numbers new to this database each run: the daily cap per number spans campaigns.
const block = String(randomInt(0, 10_000)).padStart(4, '0');
const calls = Array.from({ length: CALLS }, (_, i) => {
  const phone = `138${block}${String(i).padStart(3, '0')}${i % 10}`;
  const code = String(randomInt(100_000, 1_000_000));
  sim.deliverSms(phone, code);
  return { phone, code, ref: `exam-${i + 1}`, prompt: `We have booked your driving exam for ${12 + (i % 5)} March.` };
});

console.log(`codecall demo: ${CALLS} calls through a simulated PBX at ${sim.url} (time scale ${TIME_SCALE})`);
console.log(`callee personas by last digit: ${PERSONAS.join(', ')}\n`);
const campaign = await api('POST', '/api/campaigns', { name: 'Driving exam bookings (demo)', calls, options: { maxConcurrent: 12, callsPerSecond: 8, maxDialAttempts: 2, retryDelaySeconds: 2, voice: 'en' } });

const view = await followCampaign(api, campaign.id, process.stdout, { timeoutMs: 10 * 60_000 });
const rec = sim.recorder;
console.log(`\nPrompts: ${rec.prompts.filter((p) => p.found).length} of ${rec.prompts.length} answered calls heard their personal prompt (espeak-ng, ${mediaDir})`);
console.log(`PBX: ${rec.dials.length} dials, ${rec.transfers.length} transfers, ${rec.hangups.length} hang-ups, at most ${rec.maxLive} live calls at once`);

await runtime.stop();
await sim.stop();
process.exit(view.status === 'completed' ? 0 : 1);
