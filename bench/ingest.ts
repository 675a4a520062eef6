import { spawn } from 'node:child_process';
import { freePort, killOnExit, stopService, until } from '../test/support/process-harness.js';
import { startApiOnly } from './api-only.js';
import { closedLoop, paced, type LoadResult } from './load.js';
import type { Section } from './report.js';

const SECRET = 'bench-report-secret-0123456789';

/** Realistic reports for calls nobody placed: key presses with flags, rings, hang-ups, records; 5% sent twice. */
export function reportBodies(): () => string {
  let n = 0;
  let last = '';
  return () => {
    if (last && n % 20 === 19) {
      n++;
      return last;
    }
    const callid = `1700000000.${n++}`;
    const out = { from: '6500', to: `1380000${String(n % 10000).padStart(4, '0')}`, trunk: 'trunk1', outboundid: `${callid}9` };
    const kinds = [
      { action: 'ALERT', callid, call: [{ outbound: out }] },
      { action: 'DTMF', callid, call: [{ outbound: out }], info: String(n % 10), flag: String(n % 7) },
      { action: 'BYE', callid, call: [{ outbound: out }] },
      { action: 'NewCdr', callid, callfrom: '6500', callto: out.to, callduraction: '30', talkduraction: '20', status: 'ANSWERED', type: 'Outbound' },
    ];
    last = JSON.stringify({ ...kinds[n % kinds.length], sn: '368182384620' });
    return last;
  };
}

async function measure(url: string): Promise<{ max: LoadResult; paced: LoadResult }> {
  await closedLoop(url, reportBodies(), 32, 2); // warm-up
  const max = await closedLoop(url, reportBodies(), 64, 10);
  const steady = await paced(url, reportBodies(), 1000, 10);
  return { max, paced: steady };
}

function startBaseline(mode: 'bare' | 'naive', port: number, databaseUrl: string) {
  const child = killOnExit(spawn(process.execPath, ['--import', 'tsx', 'bench/baseline-server.ts', mode, String(port), databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return { child, ready: until(`${mode} baseline`, async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => null)) !== null, 20_000) };
}

/** Reports per second and latency on the PBX webhook, against a bare Express handler and a naive transaction per report. */
export async function benchIngest(): Promise<Section> {
  const { api, port, databaseUrl, close } = await startApiOnly('ingest', { PBX_REPORT_SECRET: SECRET });
  const results: Record<string, { max: LoadResult; paced: LoadResult }> = {};
  try {
    results.codecall = await measure(`http://127.0.0.1:${port}/pbx/reports/${SECRET}`);
    await stopService(api);
    for (const mode of ['bare', 'naive'] as const) {
      const p = await freePort();
      const b = startBaseline(mode, p, databaseUrl);
      await b.ready;
      results[mode] = await measure(`http://127.0.0.1:${p}/pbx/reports/x`);
      b.child.kill('SIGTERM');
    }
  } finally {
    await close();
  }
  const r = (x: LoadResult) => `${Math.round(x.perSecond)}/s`;
  const lat = (x: LoadResult) => `${x.p50.toFixed(1)} / ${x.p99.toFixed(1)} ms`;
  const c = results.codecall!;
  return {
    title: 'Report ingest (PBX webhook, stored and deduplicated before the 200)',
    rows: [
      ['reports/s, 64 senders, keep-alive', r(c.max), `bare Express ${r(results.bare!.max)}, naive tx/report ${r(results.naive!.max)}`, `${(c.max.perSecond / results.naive!.max.perSecond).toFixed(2)}× naive, ${(c.max.perSecond / results.bare!.max.perSecond).toFixed(2)}× bare`, 'target ≥ 3,000/s'],
      ['p50 / p99 at a paced 1,000/s', lat(c.paced), `bare ${lat(results.bare!.paced)}, naive ${lat(results.naive!.paced)}`, `p99 ${(c.paced.p99 / results.naive!.paced.p99).toFixed(2)}× naive`, 'target p99 < 25 ms'],
      ['failed answers (paced / max)', `${c.paced.failed} / ${c.max.failed}`, `naive ${results.naive!.paced.failed} / ${results.naive!.max.failed}`, '', ''],
    ],
  };
}
