// npm run bench [-- ingest tts ...]: runs the benchmarks (all by default) against 127.0.0.1
// only, bounded in time and count, and appends the results to docs/BENCHMARKS.md.
import { benchBatch } from './batch.js';
import { benchCampaign } from './campaign.js';
import { benchDecision } from './decision.js';
import { benchIngest } from './ingest.js';
import { benchPacing } from './pacing.js';
import { benchTts } from './tts.js';
import { appendRun, cpuNote, cpuSample, type Section } from './report.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SOCKET_DIR, throughSocket } from '../test/support/test-databases.js';

// The services run as in production: compiled to dist/ and started with node.
execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.env.CODECALL_COMPILED = '1';
// On one machine codecall reaches PostgreSQL through its Unix socket, as the README advises:
// over loopback TCP every round trip costs both processes more (docs/BENCHMARKS.md).
if (!process.env.TEST_DATABASE_URL && existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`)) process.env.TEST_DATABASE_URL = throughSocket();

const BENCHES: Record<string, () => Promise<Section>> = {
  ingest: benchIngest,
  batch: benchBatch,
  pacing: benchPacing,
  decision: benchDecision,
  campaign: benchCampaign,
  tts: benchTts,
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
const sections: Section[] = [];
for (const name of chosen) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`no benchmark ${name}; choose from ${Object.keys(BENCHES).join(', ')}`);
  console.error(`running ${name} ...`);
  const before = cpuSample();
  const section = await bench();
  const cpu = cpuNote(before, cpuSample());
  sections.push(cpu ? { ...section, notes: [...(section.notes ?? []), cpu] } : section);
}
console.log(appendRun(sections));
process.exit(0);
