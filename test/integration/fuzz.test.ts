import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_KEY, useEngine } from '../support/engine-harness.js';

const e = useEngine();
/** Fixed, so a failure can be replayed; fast-check prints the counterexample. */
const SEED = 20261123;

async function post(path: string, body: string, contentType: string, auth = true): Promise<number> {
  const res = await fetch(e.baseUrl + path, { method: 'POST', headers: { 'content-type': contentType, ...(auth ? { authorization: `Bearer ${API_KEY}` } : {}) }, body });
  await res.arrayBuffer();
  return res.status;
}

/** Rows in the tables a malformed request could half-write. */
async function stored(): Promise<Record<string, number>> {
  const [row] = await e.prisma.$queryRawUnsafe<Record<string, number>[]>(
    `SELECT (SELECT count(*) FROM campaign)::int AS campaigns, (SELECT count(*) FROM call)::int AS calls,
            (SELECT count(*) FROM suppression)::int AS suppressions, (SELECT count(*) FROM pbx_report)::int AS reports`,
  );
  return row!;
}

const anyJson = fc.json({ maxDepth: 4 });
const notJson = fc.string({ maxLength: 200 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});
/** Wrong types where the PBX puts strings, numbers, member arrays. */
const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { minKeys: 1, maxKeys: 2 }), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }));

const badReport = fc.oneof(
  notJson,
  anyJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Record<string, unknown>).action !== 'string').map((v) => JSON.stringify(v)),
  fc
    .record({ action: fc.constantFrom('ALERT', 'ANSWERED', 'DTMF', 'BYE', 'CallFailed', 'NewCdr', ''), field: fc.constantFrom('callid', 'call', 'info', 'flag', 'infos', 'reason', 'sn', 'status'), value: wrongType })
    .map(({ action, field, value }) => JSON.stringify({ action: action || 42, callid: '1505352615.274', [field]: value })),
  fc.integer({ min: 40, max: 200 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);

const badCall = fc.oneof(
  fc.record({ phone: fc.string({ maxLength: 25 }).filter((p) => !/^\+?\d{3,20}$/.test(p)), code: fc.constant('1234') }),
  fc.record({ phone: fc.constant('13800000001'), code: fc.string({ maxLength: 10 }).filter((c) => !/^\d{4,8}$/.test(c)) }),
  fc.record({ phone: fc.constant('13800000001'), code: fc.constant('1234'), [fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['phone', 'code', 'prompt', 'ref', 'notAfter', 'codeExpiresAt', 'timezone', 'fields'].includes(k)) as unknown as string]: wrongType }),
  fc.record({ phone: wrongType, code: wrongType }),
);
const goodCall = fc.integer({ min: 0, max: 99_999 }).map((n) => ({ phone: `1360000${String(n).padStart(5, '0')}`, code: '1234' }));

const badBatch = fc.oneof(
  notJson,
  anyJson.map((v) => JSON.stringify(v)),
  // A valid batch except for one call somewhere in it: nothing of it may be stored.
  fc.tuple(fc.array(goodCall, { maxLength: 20 }), badCall, fc.nat()).map(([good, bad, at]) => {
    const calls: unknown[] = [...good];
    calls.splice(at % (good.length + 1), 0, bad);
    return JSON.stringify({ name: 'fuzz', calls });
  }),
  fc.record({ name: fc.oneof(fc.constant(''), wrongType), calls: fc.array(goodCall, { maxLength: 3 }) }).map((b) => JSON.stringify(b)),
  fc.record({ name: fc.constant('fuzz'), calls: fc.array(goodCall, { minLength: 1, maxLength: 3 }), options: fc.dictionary(fc.constantFrom('maxConcurrent', 'callsPerSecond', 'window', 'retry', 'priority', 'callbackUrl', 'bogus'), wrongType, { minKeys: 1, maxKeys: 2 }) }).map((b) => JSON.stringify(b)),
);

const csvCell = fc.string({ maxLength: 12 }).map((s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s));
const badCsv = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(fc.array(csvCell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }).map((rows) => rows.map((r) => r.join(',')).join('\n')),
  fc.tuple(fc.array(goodCall, { maxLength: 10 }), fc.string({ maxLength: 12 }).filter((p) => !/^\+?\d{3,20}$/.test(p.trim()) && !/[",\n\r]/.test(p))).map(([good, badPhone]) => ['phone,code', ...good.map((c) => `${c.phone},${c.code}`), `${badPhone},1234`].join('\n')),
  fc.constant('phone,code,unknown_column\n13800000001,1234,x'),
  fc.constant('phone,code\n13800000001,1234,extra,cells'),
);

describe('malformed input by the thousand', () => {
  it('gets a 4xx for every report, batch and CSV, stores none of it, and the service stays up', async () => {
    const before = await stored();
    const reportUrl = e.sim.reportUrl!;
    const reportPath = new URL(reportUrl).pathname;
    const statuses: Record<string, number[]> = { report: [], batch: [], csv: [], suppressions: [] };
    const record = (kind: string, status: number, input: string) => {
      statuses[kind]!.push(status);
      if (status < 400 || status >= 500) throw new Error(`${kind} answered ${status} for ${input.slice(0, 300)}`);
    };

    await fc.assert(
      fc.asyncProperty(badReport, async (body) => record('report', await post(reportPath, body, 'application/json', false), body)),
      { seed: SEED, numRuns: 1000 },
    );
    await fc.assert(
      fc.asyncProperty(badBatch, async (body) => record('batch', await post('/api/campaigns', body, 'application/json'), body)),
      { seed: SEED, numRuns: 800 },
    );
    await fc.assert(
      fc.asyncProperty(badCsv, async (body) => record('csv', await post('/api/campaigns?name=fuzz', body, 'text/csv'), body)),
      { seed: SEED, numRuns: 600 },
    );
    await fc.assert(
      fc.asyncProperty(badCsv, async (body) => record('suppressions', await post('/api/suppressions', body, 'text/csv'), body)),
      { seed: SEED, numRuns: 300 },
    );

    expect(Object.values(statuses).flat().length).toBe(2700);
    expect(await stored()).toEqual(before);
    expect((await fetch(`${e.baseUrl}/healthz`)).status).toBe(200);
    // And it still does its job afterwards.
    expect(await post('/api/campaigns', JSON.stringify({ name: 'after the fuzz', calls: [{ phone: '13600099999', code: '1234' }] }), 'application/json')).toBe(201);
  }, 120_000);
});
