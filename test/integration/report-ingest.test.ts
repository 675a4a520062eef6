import { describe, expect, it } from 'vitest';
import { ReportIngest, type StoredReport } from '../../src/app/ingest-events.js';
import type { PbxEvent } from '../../src/domain/call-events.js';
import { createDb } from '../../src/db/prisma.js';
import { smsCall, useEngine } from '../support/engine-harness.js';

const e = useEngine();

const ringing = (callId: string, i: number): PbxEvent => ({ type: 'ringing', pbxCallId: callId, legId: `${callId}9`, phone: '13800000000', dedupKey: `burst:${callId}:${i}`, receivedAt: new Date() });
const code = (callId: string, i: number): PbxEvent => ({ type: 'code', pbxCallId: callId, legId: null, phone: '13800000000', digits: '482913', dedupKey: `DTMF:${callId}:${i}`, receivedAt: new Date() });

describe('reports arriving together', () => {
  it('are each stored before their caller hears back, resent copies among them dropped, in few statements', async () => {
    // A finished call of ours: its PBX call id makes reports "ours".
    const res = await e.api('POST', '/api/campaigns', { name: 'owner', calls: [smsCall(e, '13500000100', '864213')], options: { maxDialAttempts: 1, callsPerSecond: 50 } });
    await e.waitForCampaign(res.body.id);
    const [ours] = await e.prisma.query<{ pbx_call_id: string }>(`SELECT a.pbx_call_id FROM dial_attempt a JOIN call c ON c.id = a.call_id WHERE c.campaign_id = $1::uuid`, res.body.id);

    const handedOut: StoredReport[][] = [];
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(reports) });
    const keys = Array.from({ length: 300 }, (_, i) => i % 250); // 50 resent copies
    const stored = await Promise.all(
      keys.map(async (i) => {
        const event = i % 5 === 0 ? ringing(ours!.pbx_call_id, i) : ringing(`1800000000.${i}`, i);
        await ingest.ingest([event]);
        const rows = await e.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE dedup_key = $1`, event.dedupKey);
        return rows[0]!.n;
      }),
    );
    expect(stored.every((n) => n === 1)).toBe(true);
    const rows = await e.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE dedup_key LIKE 'burst:%'`);
    expect(rows[0]!.n).toBe(250);
    // One insert is under way while the others gather: far fewer statements than reports.
    expect(handedOut.length).toBeLessThan(50);
    // Only the 50 reports of our call need processing; the rest are kept, already processed.
    expect(handedOut.flat()).toHaveLength(50);
    expect(new Set(handedOut.flat().map((r) => r.pbxCallId))).toEqual(new Set([ours!.pbx_call_id]));
    const [others] = await e.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE pbx_call_id LIKE '1800000000.%' AND processed_at IS NOT NULL`);
    expect(others!.n).toBe(200);
  });

  it('store a code entry at once, not behind the reports gathered while an insert is under way', async () => {
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: () => {} });
    const settled: string[] = [];
    const first = ingest.ingest([ringing('1700000000.0', 0)]).then(() => settled.push('first'));
    // Gathered behind the first insert: they go in the next one, after it.
    const gathered = Promise.all(Array.from({ length: 800 }, (_, i) => ingest.ingest([ringing(`1700000000.${i + 1}`, i + 1)]).then(() => settled.push('gathered'))));
    const keyed = ingest.ingest([code('1700000000.900', 900)]).then(() => settled.push('code'));
    await Promise.all([first, gathered, keyed]);
    expect(settled.indexOf('code')).toBeLessThan(settled.indexOf('gathered'));
    const [row] = await e.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE dedup_key LIKE 'burst:1700000000.%' OR dedup_key = 'DTMF:1700000000.900:900'`);
    expect(row!.n).toBe(802);
  });

  it("take along the waiting reports of the code's call, and hand everything out in the order it came", async () => {
    const res = await e.api('POST', '/api/campaigns', { name: 'owner', calls: [smsCall(e, '13500000101', '864213')], options: { maxDialAttempts: 1, callsPerSecond: 50 } });
    await e.waitForCampaign(res.body.id);
    const [ours] = await e.prisma.query<{ pbx_call_id: string }>(`SELECT a.pbx_call_id FROM dial_attempt a JOIN call c ON c.id = a.call_id WHERE c.campaign_id = $1::uuid`, res.body.id);
    const callId = ours!.pbx_call_id;
    const handedOut: bigint[][] = [];
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(reports.map((r) => r.id)) });
    const settled: string[] = [];
    // Each of the call's reports a millisecond after the one before, as the webhook stamps them.
    const at = (ms: number) => new Date(Date.now() + ms);
    const first = ingest.ingest([{ ...ringing(callId, 1000), receivedAt: at(0) }]).then(() => settled.push('first'));
    const others = Array.from({ length: 400 }, (_, i) => ingest.ingest([ringing(`1600000000.${i}`, i)]).then(() => settled.push('other')));
    // The entry's last digit, gathered behind the insert under way among other calls' reports.
    const lastKey: PbxEvent = { type: 'key', key: '3', seq: 7, pbxCallId: callId, legId: null, phone: '13500000101', dedupKey: `DTMF:${callId}:k7`, receivedAt: at(1) };
    const key = ingest.ingest([lastKey]).then(() => settled.push('key'));
    const more = Array.from({ length: 400 }, (_, i) => ingest.ingest([ringing(`1600000001.${i}`, i)]).then(() => settled.push('other')));
    const keyed = ingest.ingest([{ ...code(callId, 1001), receivedAt: at(2) }]).then(() => settled.push('code'));
    await Promise.all([first, ...others, key, ...more, keyed]);
    await expect.poll(() => handedOut.flat().length).toBe(3);

    expect(settled.indexOf('key')).toBeLessThan(settled.indexOf('other'));
    expect(settled.indexOf('code')).toBeLessThan(settled.indexOf('other'));
    const ids = await e.prisma.query<{ id: bigint; action: string }>(`SELECT id, action FROM pbx_report WHERE dedup_key IN ($1, $2, $3) ORDER BY received_at, id`, `burst:${callId}:1000`, `DTMF:${callId}:k7`, `DTMF:${callId}:1001`);
    expect(ids.map((r) => r.action)).toEqual(['ringing', 'key', 'code']);
    // The first insert's report first; then the key and the code, together, in that order.
    expect(handedOut).toEqual([[ids[0]!.id], [ids[1]!.id, ids[2]!.id]]);
  });

  it('are stored by a statement PostgreSQL plans once, not again for each insert', async () => {
    // One connection, so that its prepared statements are the ones this test looks at.
    const db = createDb(e.databaseUrl, 1);
    try {
      const ingest = new ReportIngest({ prisma: db, codeSecret: 'code-secret-0123456789', handOut: () => {} });
      // Inserts one after another, of 1 to 12 reports: past the five runs after which
      // PostgreSQL weighs a generic plan, and each of a length of its own.
      for (let n = 1; n <= 12; n++) await ingest.ingest(Array.from({ length: n }, (_, i) => ringing(`1950000000.${n}`, i)));
      const [plans] = await db.query<{ generic: bigint; custom: bigint }>(`SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO pbx_report%'`);
      expect(plans).toEqual({ generic: 12n, custom: 0n });
      // For the insert's transaction only: the connection's other statements plan as usual.
      expect(await db.query(`SHOW plan_cache_mode`)).toEqual([{ plan_cache_mode: 'auto' }]);
    } finally {
      await db.$disconnect();
    }
  });

  it('keep no digits of a report that belongs to no call of ours', async () => {
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: () => {} });
    await ingest.ingest([code('1900000000.1', 1)]);
    const [row] = await e.prisma.query<{ event: { digits: string }; processed_at: Date | null }>(`SELECT event, processed_at FROM pbx_report WHERE dedup_key = 'DTMF:1900000000.1:1'`);
    expect(row!.processed_at).not.toBeNull();
    expect(row!.event.digits).toBe('******');
  });
});
