import { readFileSync } from 'node:fs';
import { createDb } from '../src/db/prisma.js';
import { startCluster, type ServiceProcess } from '../test/support/process-harness.js';
import { invariantBreaches } from '../test/support/invariants.js';
import { batch, submit, untilDone } from '../test/faults/campaign-faults.js';
import type { Section } from './report.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 10_000);
// As in the long fault run: 40 at once at 1/50 of real time brings the reports of 2,000 real
// calls; 250 at once outran the webhook on 2 cores and measured the PBX's resend storm instead.
const RATE = 40;
const AT_ONCE = 40;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(p: ServiceProcess): number {
  const fields = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A whole campaign against the simulator at test speed: wall time, CPU per call, peak memory, nothing lost or doubled. */
export async function benchCampaign(): Promise<Section> {
  const c = await startCluster({ sim: { timeScale: 0.02 }, env: { PBX_MAX_CONCURRENT: String(AT_ONCE), LOG_LEVEL: 'warn' } });
  try {
    const processes = [await c.start('api'), await c.start('worker')];
    const peak = new Map(processes.map((p) => [p.role, 0]));
    const timer = setInterval(() => {
      for (const p of processes) peak.set(p.role, Math.max(peak.get(p.role)!, p.rss()));
    }, 500);
    const cpu0 = processes.map(cpuSeconds);
    const t0 = performance.now();
    const id = await submit(c, batch(c, CALLS), { maxConcurrent: AT_ONCE, callsPerSecond: RATE, maxDialAttempts: 1, maxCodeAttempts: 3 });
    const counts = await untilDone(c, id);
    const wall = (performance.now() - t0) / 1000;
    clearInterval(timer);
    const cpu = processes.map((p, i) => cpuSeconds(p) - cpu0[i]!);
    const prisma = createDb(c.databaseUrl, 2);
    const breaches = await invariantBreaches(prisma, c.sim, id, 1);
    await prisma.$disconnect();
    const ideal = CALLS / RATE;
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
    return {
      title: `A ${CALLS.toLocaleString('en')}-call campaign against the simulator at 1/50 of real time (callsPerSecond ${RATE}, maxConcurrent ${AT_ONCE})`,
      rows: [
        ['wall time', `${wall.toFixed(1)} s`, `dialling alone at ${RATE}/s: ${ideal.toFixed(0)} s`, `${(wall / ideal).toFixed(2)}×`, ''],
        ['CPU per call (api + worker)', `${((1000 * (cpu[0]! + cpu[1]!)) / CALLS).toFixed(1)} ms`, `api ${((1000 * cpu[0]!) / CALLS).toFixed(1)} ms, worker ${((1000 * cpu[1]!) / CALLS).toFixed(1)} ms`, '', ''],
        ['peak memory (RSS)', `api ${mb(peak.get('api')!)}, worker ${mb(peak.get('worker')!)}`, '', '', '< 250 MB each'],
        ['outcomes', ['verified', 'code_failed', 'abandoned', 'declined', 'no_answer', 'busy', 'failed'].map((o) => `${o} ${counts[o] ?? 0}`).join(', '), 'by persona: 40% verified, 10% each other', '', ''],
        ['calls lost or doubled', breaches.length ? breaches.slice(0, 3).join('; ') : 'none', `${c.sim.recorder.dials.length} dials, ${c.sim.recorder.transfers.length} transfers`, '', 'none'],
      ],
    };
  } finally {
    await c.close();
  }
}
