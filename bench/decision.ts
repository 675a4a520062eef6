import { startCluster, until, type Cluster } from '../test/support/process-harness.js';
import { submit, untilDone } from '../test/faults/campaign-faults.js';
import { reportBodies } from './ingest.js';
import { paced, percentile } from './load.js';
import type { Section } from './report.js';

const MEASURED = 100;
/** Dials a second of the measured calls: all of them key their codes within a few seconds. */
const MEASURED_RATE = 20;
const OTHERS = 500;

function numbers(c: Cluster, prefix: string, n: number, lastDigit: number): { phone: string; code: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const phone = `${prefix}${String(i).padStart(4, '0')}${lastDigit}`;
    c.sim.deliverSms(phone, '482913');
    return { phone, code: '482913' };
  });
}

/** From each code report leaving the PBX (between `from` and `until`) to the transfer reaching it, for the calls in `phones`. */
function decisionLatencies(c: Cluster, phones: Set<string>, from = 0, until = Infinity): number[] {
  const out: number[] = [];
  for (const r of c.sim.recorder.codeReports.filter((x) => phones.has(x.phone) && x.at >= from && x.at < until)) {
    const t = c.sim.recorder.transfers.find((x) => x.callId === r.callId && x.at >= r.at);
    if (t) out.push(t.at - r.at);
  }
  return out.sort((a, b) => a - b);
}

/** Decision latency: the code report to the transfer request, idle and under load (500 live calls, 300 reports/s). */
export async function benchDecision(): Promise<Section> {
  const c = await startCluster({ sim: { timeScale: 1 }, env: { PBX_MAX_CONCURRENT: '700', WATCHDOG_SILENCE_MS: '60000', LOG_LEVEL: 'warn' } });
  try {
    await c.start('api');
    await c.start('worker');
    // Warm-up, not counted: connections opened, statements prepared, code compiled.
    await untilDone(c, await submit(c, numbers(c, '13300', 30, 0), { maxConcurrent: 30, callsPerSecond: MEASURED_RATE, maxDialAttempts: 1 }), 120_000);
    // Idle: the measured calls alone.
    const idleCalls = numbers(c, '13301', MEASURED, 0);
    await untilDone(c, await submit(c, idleCalls, { maxConcurrent: MEASURED, callsPerSecond: MEASURED_RATE, maxDialAttempts: 1 }), 120_000);
    const idle = decisionLatencies(c, new Set(idleCalls.map((x) => x.phone)));

    // Loaded: the measured calls and 500 callees who let it ring for 25 s are dialled; once
    // those ring, 300 reports a second come from elsewhere until the last measured call is
    // over. A measured caller keys the code about 17 s after the dial, when all this runs;
    // only decisions on codes sent under the load count.
    const loadedCalls = numbers(c, '13302', MEASURED, 0);
    const measured = await submit(c, loadedCalls, { maxConcurrent: MEASURED, callsPerSecond: MEASURED_RATE, maxDialAttempts: 1 });
    const others = await submit(c, numbers(c, '13303', OTHERS, 5), { maxConcurrent: OTHERS, callsPerSecond: 100, maxDialAttempts: 1 });
    const othersLive = () => c.sim.liveCalls().filter((x) => x.phone.startsWith('13303')).length;
    await until('the other calls to ring', () => othersLive() >= OTHERS, 60_000);
    const loadFrom = Date.now();
    let measuredDone = false;
    const background = paced(c.sim.reportUrl!, reportBodies(), 300, 120, () => measuredDone);
    // The load ends when the first of the others gives up ringing: their failures are a load of their own.
    let loadUntil = Infinity;
    const watch = (async () => {
      while (!measuredDone && loadUntil === Infinity) {
        if (othersLive() < OTHERS) loadUntil = Date.now();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await untilDone(c, measured, 120_000);
    measuredDone = true;
    const bg = await background;
    await watch;
    await untilDone(c, others, 120_000);
    const loadedPhones = new Set(loadedCalls.map((x) => x.phone));
    const loaded = decisionLatencies(c, loadedPhones, loadFrom, loadUntil);
    const fmt = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 99).toFixed(1)} ms`;
    return {
      title: 'Decision latency: code report out of the PBX to its transfer request back at the PBX',
      rows: [
        [`p50 / p99, ${OTHERS} other calls live, reports at a paced 300/s (${loaded.length} decisions)`, fmt(loaded), `idle ${fmt(idle)} (${idle.length} decisions)`, `p99 ${(percentile(loaded, 99) / percentile(idle, 99)).toFixed(2)}× idle`, 'p99 < 25 ms'],
        ['background reports answered 200 / sent', `${bg.ok} / ${bg.sent}`, `measured codes sent before the load: ${decisionLatencies(c, loadedPhones, 0, loadFrom).length}, after the first other call gave up: ${decisionLatencies(c, loadedPhones, loadUntil).length}`, '', ''],
      ],
      notes: [
        'Measured from the simulator: the time it sent the code string report to the time the `outbound/transfer_number` request arrived. It includes the report\'s HTTP delivery, storing it, the call\'s transaction and the transfer request.',
        `After a warm-up campaign of 30 calls. Idle: the ${MEASURED} measured calls alone, dialled ${MEASURED_RATE} a second, so that their callers key their codes within a few seconds of each other. Loaded: as many again, counted only when their code was sent while the background reports ran and all 500 others were still ringing (the others give up after 25 s, and their failures are a load of their own).`,
      ],
    };
  } finally {
    await c.close();
  }
}
