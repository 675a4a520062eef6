import { startCluster } from '../test/support/process-harness.js';
import { batch, submit, untilDone } from '../test/faults/campaign-faults.js';
import type { Section } from './report.js';

const CALLS = 2000;
const RATE = 20;
const CAP = 50;

/** callsPerSecond 20 and maxConcurrent 50 over 2,000 simulated calls: rate, burstiness and cap. */
export async function benchPacing(): Promise<Section> {
  // A tenth of real time: calls last about two seconds, so the rate, not the cap, sets the pace.
  const c = await startCluster({ sim: { timeScale: 0.1 }, env: { PBX_MAX_CONCURRENT: '200', LOG_LEVEL: 'warn' } });
  try {
    await c.start('all');
    const id = await submit(c, batch(c, CALLS), { maxConcurrent: CAP, callsPerSecond: RATE, maxDialAttempts: 1 });
    await untilDone(c, id, 400_000);
    const times = c.sim.recorder.dials.map((d) => d.at).sort((a, b) => a - b);
    const observed = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    const ideal = (times.length - 1) / RATE;
    return {
      title: `Pacing: callsPerSecond ${RATE}, maxConcurrent ${CAP}, ${CALLS.toLocaleString('en')} simulated calls`,
      rows: [
        ['observed dial rate', `${observed.toFixed(2)}/s`, `setting ${RATE}/s`, `${((observed / RATE - 1) * 100).toFixed(2)}%`, 'within 2%'],
        ['most dials in any 1-second window', String(worst), `1.1 × setting = ${RATE * 1.1}`, `${(worst / RATE).toFixed(2)}×`, '≤ 1.1×'],
        ['most live calls at once (the PBX\'s count)', String(c.sim.recorder.maxLive), `cap ${CAP}`, c.sim.recorder.maxLive <= CAP ? 'never above' : 'ABOVE THE CAP', 'never above'],
        ['dials / calls', `${times.length} / ${CALLS}`, `ideal span ${ideal.toFixed(1)} s`, '', 'none lost or doubled'],
      ],
    };
  } finally {
    await c.close();
  }
}
