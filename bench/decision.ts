import { startCluster, until, type Cluster } from '../test/support/process-harness.js';
import { submit, untilDone } from '../test/faults/campaign-faults.js';
import { percentile } from './load.js';
import { pacedFromElsewhere } from './paced-sender.js';
import type { Section } from './report.js';
import { queryDatabase } from '../test/support/test-databases.js';
import { describeLoops, watchLoops, worstOf } from './loop-watch.js';

const MEASURED = 100;
/** Dials a second of the measured calls: all of them key their codes within a few seconds. */
const MEASURED_RATE = 20;
const OTHERS = 500;
/** Loaded rounds: 100 decisions each, so that the p99 is not one sample. */
const ROUNDS = 2;

function numbers(c: Cluster, prefix: string, n: number, lastDigit: number): { phone: string; code: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const phone = `${prefix}${String(i).padStart(4, '0')}${lastDigit}`;
    c.sim.deliverSms(phone, '482913');
    return { phone, code: '482913' };
  });
}

/** Code reports of `phones` sent between `from` and `until`, each with when its transfer reached the PBX. */
function decisions(c: Cluster, phones: Set<string>, from = 0, until = Infinity): { callId: string; sent: number; transferred: number }[] {
  const out: { callId: string; sent: number; transferred: number }[] = [];
  for (const r of c.sim.recorder.codeReports.filter((x) => phones.has(x.phone) && x.at >= from && x.at < until)) {
    const t = c.sim.recorder.transfers.find((x) => x.callId === r.callId && x.at >= r.at);
    if (t) out.push({ callId: r.callId, sent: r.at, transferred: t.at });
  }
  return out;
}

const sorted = (xs: number[]) => xs.sort((a, b) => a - b);

/** From each code report leaving the PBX to its transfer reaching the PBX. */
const fromSend = (ds: ReturnType<typeof decisions>) => sorted(ds.map((d) => d.transferred - d.sent));

/** From each code report reaching codecall's webhook (its stored `received_at`) to its transfer reaching the PBX. */
async function fromArrival(c: Cluster, ds: ReturnType<typeof decisions>): Promise<number[]> {
  const rows = await queryDatabase<{ pbx_call_id: string; at: string }>(c.databaseUrl, `SELECT pbx_call_id, (extract(epoch FROM received_at) * 1000)::float8::text AS at FROM pbx_report WHERE action = 'code'`);
  const arrived = new Map<string, number[]>();
  for (const r of rows) arrived.set(r.pbx_call_id, [...(arrived.get(r.pbx_call_id) ?? []), Number(r.at)]);
  // The first arrival after the send: a resent copy is never the one that decided.
  return sorted(ds.flatMap((d) => {
    const at = arrived.get(d.callId)?.filter((t) => t >= d.sent - 1).sort((a, b) => a - b)[0];
    return at === undefined ? [] : [d.transferred - at];
  }));
}

/**
 * One loaded round: the measured calls and 500 callees who let it ring for 25 s are dialled;
 * once those ring, 300 reports a second come from another process until the last measured call is
 * over. A measured caller keys the code about 17 s after the dial, when all this runs; only
 * decisions on codes sent under the load count.
 */
async function loadedRound(c: Cluster, round: number) {
  const loadedCalls = numbers(c, `1330${2 * round + 2}`, MEASURED, 0);
  const measured = await submit(c, loadedCalls, { maxConcurrent: MEASURED, callsPerSecond: MEASURED_RATE, maxDialAttempts: 1 });
  const othersPrefix = `1330${2 * round + 3}`;
  const others = await submit(c, numbers(c, othersPrefix, OTHERS, 5), { maxConcurrent: OTHERS, callsPerSecond: 100, maxDialAttempts: 1 });
  const othersLive = () => c.sim.liveCalls().filter((x) => x.phone.startsWith(othersPrefix)).length;
  await until('the other calls to ring', () => othersLive() >= OTHERS, 60_000);
  const background = pacedFromElsewhere(c.sim.reportUrl!, 300, 120);
  await background.started;
  const loops = await watchLoops(c.processes.filter((p) => p.child.exitCode === null));
  const loadFrom = Date.now();
  let measuredDone = false;
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
  background.stop();
  const loopFigures = await loops.stop();
  const bg = await background.result;
  await watch;
  await untilDone(c, others, 120_000);
  const phones = new Set(loadedCalls.map((x) => x.phone));
  return { decided: decisions(c, phones, loadFrom, loadUntil), bg, loopFigures, outside: decisions(c, phones).length - decisions(c, phones, loadFrom, loadUntil).length };
}

/** Decision latency: the code report to the transfer request, idle and under load (500 live calls, 300 reports/s). */
export async function benchDecision(): Promise<Section> {
  const c = await startCluster({ sim: { timeScale: 1 }, env: { PBX_MAX_CONCURRENT: '700', WATCHDOG_SILENCE_MS: '60000', LOG_LEVEL: 'warn' } });
  try {
    await c.start('api');
    await c.start('worker');
    // Warm-up, not counted, as many calls at the same pace as a measured round: connections
    // opened (as many as such a round needs), statements prepared, code compiled.
    await untilDone(c, await submit(c, numbers(c, '13300', MEASURED, 0), { maxConcurrent: MEASURED, callsPerSecond: MEASURED_RATE, maxDialAttempts: 1 }), 120_000);
    // Idle: the measured calls alone.
    const idleCalls = numbers(c, '13301', MEASURED, 0);
    await untilDone(c, await submit(c, idleCalls, { maxConcurrent: MEASURED, callsPerSecond: MEASURED_RATE, maxDialAttempts: 1 }), 120_000);
    const idle = decisions(c, new Set(idleCalls.map((x) => x.phone)));
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push(await loadedRound(c, round));
    const loaded = rounds.flatMap((r) => r.decided);
    const p = (xs: number[], q: number) => percentile(xs, q).toFixed(1);
    const fmt = (xs: number[]) => `${p(xs, 50)} / ${p(xs, 99)} ms (max ${p(xs, 100)})`;
    const [loadedSend, idleSend, loadedArrival, idleArrival] = [fromSend(loaded), fromSend(idle), await fromArrival(c, loaded), await fromArrival(c, idle)];
    const ratio = (a: number[], b: number[]) => `p99 ${(percentile(a, 99) / percentile(b, 99)).toFixed(2)}× idle`;
    const sent = rounds.reduce((n, r) => n + r.bg.sent, 0);
    const ok = rounds.reduce((n, r) => n + r.bg.ok, 0);
    const failures = rounds.flatMap((r) => Object.entries(r.bg.failures)).map(([status, n]) => `${n} × ${status === '0' ? 'no answer' : status}`);
    const loops = describeLoops(worstOf(rounds.map((r) => r.loopFigures)));
    return {
      title: 'Decision latency: code report to its transfer request at the PBX',
      rows: [
        [`p50 / p99 from arrival at the webhook, ${OTHERS} other calls live, reports at a paced 300/s (${loadedArrival.length} decisions)`, fmt(loadedArrival), `idle ${fmt(idleArrival)} (${idleArrival.length} decisions)`, ratio(loadedArrival, idleArrival), 'p99 < 25 ms'],
        [`p50 / p99 from the PBX's send, same decisions`, fmt(loadedSend), `idle ${fmt(idleSend)}`, ratio(loadedSend, idleSend), ''],
        ['event-loop delay beyond its 10 ms timer, p99 / max, loaded rounds (the worst round)', loops.delays, '', '', ''],
        ['garbage collection pauses, loaded rounds', loops.collections, '', '', ''],
        ['background reports answered 200 / sent', `${ok} / ${sent}${failures.length ? ` (${failures.join(', ')})` : ''}`, `measured codes sent outside the load: ${rounds.reduce((n, r) => n + r.outside, 0)}`, '', ''],
      ],
      notes: [
        "From arrival: from the code string report's `received_at` (stored by the webhook's handler once the request is read) to the `outbound/transfer_number` request arriving at the simulator. It includes storing the report, the call's transaction and the transfer request. From the PBX's send adds the report's HTTP delivery: a new connection per report, as the PBX makes, accepted when the API's event loop gets to it. Both clocks are this machine's, in whole milliseconds.",
        `After a warm-up campaign like a measured one (${MEASURED} calls, ${MEASURED_RATE} a second). Idle: the ${MEASURED} measured calls alone, dialled ${MEASURED_RATE} a second, so that their callers key their codes within a few seconds of each other. Loaded: ${ROUNDS} rounds of as many again, each with 500 others ringing, counted only when their code was sent while the background reports ran and all 500 others were still ringing (the others give up after 25 s, and their failures are a load of their own).`,
        "Event-loop delay: how late each process's loop ran a timer due every 10 ms (the services' own `codecall_nodejs_eventloop_lag_*` metrics, reset when scraped at the start of a round; the simulator, in the benchmark's process, measured alike; the background reports come from a process of their own), beyond those 10 ms. Every hop of a decision waits for one of these loops, so a decision's tail is bounded below by theirs. Garbage collection: the services' `codecall_nodejs_gc_duration_seconds` over the same windows.",
      ],
    };
  } finally {
    await c.close();
  }
}
