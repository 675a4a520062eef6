import { startCluster } from '../test/support/process-harness.js';
import { submit, untilDone } from '../test/faults/campaign-faults.js';
import type { Section } from './report.js';

const CALLS = 2000;
const RATE = 20;
const CAP = 50;

/** callsPerSecond 20 and maxConcurrent 50 over 2,000 simulated calls: rate, burstiness and cap. */
export async function benchPacing(): Promise<Section> {
  // A twentieth of real time: calls last about a second, so the rate, not the cap, sets the pace.
  const c = await startCluster({ sim: { timeScale: 0.05 }, env: { PBX_MAX_CONCURRENT: '200', LOG_LEVEL: 'warn' } });
  try {
    await c.start('all');
    // Every persona but the number the PBX refuses (its dial is never placed, so never seen as one).
    const digits = [0, 3, 4, 5, 6, 7, 8];
    const calls = Array.from({ length: CALLS }, (_, i) => {
      const phone = `1340${String(i).padStart(6, '0')}${digits[i % digits.length]}`;
      c.sim.deliverSms(phone, '246810');
      return { phone, code: '246810' };
    });
    const id = await submit(c, calls, { maxConcurrent: CAP, callsPerSecond: RATE, maxDialAttempts: 1 });
    await untilDone(c, id, 400_000);
    const times = c.sim.recorder.dials.map((d) => d.at).sort((a, b) => a - b);
    const observed = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    // Steady state: between the 5th and the 95th percent of the dials.
    const a = Math.floor(times.length * 0.05);
    const b = Math.floor(times.length * 0.95);
    const steady = (b - a) / ((times[b]! - times[a]!) / 1000);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    const ideal = (times.length - 1) / RATE;
    return {
      title: `Pacing: callsPerSecond ${RATE}, maxConcurrent ${CAP}, ${CALLS.toLocaleString('en')} simulated calls`,
      rows: [
        ['observed dial rate, first to last dial', `${observed.toFixed(2)}/s`, `setting ${RATE}/s`, `${((observed / RATE - 1) * 100).toFixed(2)}%`, 'within 2%'],
        ['observed dial rate, steady state (5th to 95th percent of dials)', `${steady.toFixed(2)}/s`, `setting ${RATE}/s`, `${((steady / RATE - 1) * 100).toFixed(2)}%`, 'within 2%'],
        ['most dials in any 1-second window', String(worst), `1.1 × setting = ${RATE * 1.1}`, `${(worst / RATE).toFixed(2)}×`, '≤ 1.1×'],
        ['most live calls at once (the PBX\'s count)', String(c.sim.recorder.maxLive), `cap ${CAP}`, c.sim.recorder.maxLive <= CAP ? 'never above' : 'ABOVE THE CAP', 'never above'],
        ['dials / calls', `${times.length} / ${CALLS}`, `ideal span ${ideal.toFixed(1)} s`, '', 'none lost or doubled'],
      ],
    };
  } finally {
    await c.close();
  }
}
