import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CampaignSettingsCache } from '../../src/app/campaign-policy.js';
import { ReportIngest, type IngestDeps, type StoredReport } from '../../src/app/ingest-events.js';
import { decideIn, type ProcessReportDeps } from '../../src/app/process-report.js';
import type { ClaimedAction } from '../../src/app/send-routing-action.js';
import type { PbxEvent } from '../../src/domain/call-events.js';
import { hashCode } from '../../src/domain/codes.js';
import { createDb } from '../../src/db/prisma.js';
import { createLogger } from '../../src/logger.js';
import { smsCall, useEngine } from '../support/engine-harness.js';

const e = useEngine();

/** Deciding as the runtime does, with its routing actions (given to `deliver`) and log lines kept for the test. */
function deciding(
  opts: { settingsFor?: ProcessReportDeps['settingsFor']; deliver?: (a: ClaimedAction) => Promise<void> } = {},
): { decide: NonNullable<IngestDeps['decide']>; routed: ClaimedAction[]; logged: { event?: string }[]; steps: string[] } {
  const routed: ClaimedAction[] = [];
  const steps: string[] = [];
  const logged: { event?: string }[] = [];
  const log = createLogger({ level: 'warn', destination: new Writable({ write: (chunk, _enc, done) => (logged.push(JSON.parse(String(chunk))), done()) }) });
  const settings = new CampaignSettingsCache({ entry: '6500', success: '6502', retry: '6503', fail: null }, 1000);
  const deps: ProcessReportDeps = {
    prisma: e.prisma,
    log,
    codeSecret: 'code-secret-0123456789',
    settingsFor: opts.settingsFor ?? ((id, tx) => settings.get(tx, id)),
    deliverRoutingAction: async (a) => {
      routed.push(a);
      steps.push(`deliver ${a.kind}`);
      await opts.deliver?.(a);
    },
    prepareRouting: () => void steps.push('prepare'),
  };
  return { decide: { inTransaction: (tx, report) => decideIn(deps, tx, report), log }, routed, logged, steps };
}

/** The PBX call id of the one call of a finished campaign. */
async function finishedCall(phone: string): Promise<string> {
  const res = await e.api('POST', '/api/campaigns', { name: 'owner', calls: [smsCall(e, phone, '864213')], options: { maxDialAttempts: 1, callsPerSecond: 50 } });
  await e.waitForCampaign(res.body.id);
  const [ours] = await e.prisma.query<{ pbx_call_id: string }>(`SELECT a.pbx_call_id FROM dial_attempt a JOIN call c ON c.id = a.call_id WHERE c.campaign_id = $1::uuid`, res.body.id);
  return ours!.pbx_call_id;
}

/**
 * Runs `sql` in a transaction of its own, which keeps what it locked or inserted until the
 * returned release is called, and then rolls back.
 */
async function heldBy(sql: string, ...values: unknown[]): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let holding!: () => void;
  const held = new Promise<void>((r) => (holding = r));
  const blocker = e.prisma
    .transaction(async (tx) => {
      await tx.execute(sql, ...values);
      holding();
      await released;
      throw new Error('rolled back');
    })
    .catch((err: Error) => {
      if (err.message !== 'rolled back') throw err;
    });
  await Promise.race([held, blocker]);
  return async () => {
    release();
    await blocker;
  };
}

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

  /** A report of the call, many of other calls, the entry's last key and the code, all arriving while the first is being stored. */
  function keyedDuringAnInsert(ingest: ReportIngest, callId: string, phone: string) {
    const settled: string[] = [];
    // Each of the call's reports a millisecond after the one before, as the webhook stamps them.
    const at = (ms: number) => new Date(Date.now() + ms);
    const first = ingest.ingest([{ ...ringing(callId, 1000), receivedAt: at(0) }]).then(() => settled.push('first'));
    const others = Array.from({ length: 400 }, (_, i) => ingest.ingest([ringing(`1600000000.${i}`, i)]).then(() => settled.push('other')));
    // The entry's last digit, gathered behind the insert under way among other calls' reports.
    const lastKey: PbxEvent = { type: 'key', key: '3', seq: 7, pbxCallId: callId, legId: null, phone, dedupKey: `DTMF:${callId}:k7`, receivedAt: at(1) };
    const key = ingest.ingest([lastKey]).then(() => settled.push('key'));
    const more = Array.from({ length: 400 }, (_, i) => ingest.ingest([ringing(`1600000001.${i}`, i)]).then(() => settled.push('other')));
    const keyed = ingest.ingest([{ ...code(callId, 1001), receivedAt: at(2) }]).then(() => settled.push('code'));
    const rows = async () =>
      e.prisma.query<{ id: bigint; action: string; processed: boolean }>(
        `SELECT id, action, processed_at IS NOT NULL AS processed FROM pbx_report WHERE dedup_key IN ($1, $2, $3) ORDER BY received_at, id`,
        `burst:${callId}:1000`,
        `DTMF:${callId}:k7`,
        `DTMF:${callId}:1001`,
      );
    return { settled, all: Promise.all([first, ...others, key, ...more, keyed]), rows };
  }

  it("take along the waiting reports of the code's call, and hand everything out in the order it came (REPORT_INLINE_MAX=0)", async () => {
    const callId = await finishedCall('13500000101');
    const handedOut: bigint[][] = [];
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(reports.map((r) => r.id)) });
    const run = keyedDuringAnInsert(ingest, callId, '13500000101');
    await run.all;
    await expect.poll(() => handedOut.flat().length).toBe(3);

    expect(run.settled.indexOf('key')).toBeLessThan(run.settled.indexOf('other'));
    expect(run.settled.indexOf('code')).toBeLessThan(run.settled.indexOf('other'));
    const ids = await run.rows();
    expect(ids.map((r) => r.action)).toEqual(['ringing', 'key', 'code']);
    // The first insert's report first; then the key and the code, together, in that order.
    expect(handedOut).toEqual([[ids[0]!.id], [ids[1]!.id, ids[2]!.id]]);
  });

  it("decide a code entry once the insert of its call under way has ended, with every report of the call in the order it came, none of them processed apart", async () => {
    const callId = await finishedCall('13500000104');
    const [before] = await e.prisma.query<{ last: bigint }>(`SELECT coalesce(max(id), 0) AS last FROM call_event`);
    const handedOut: bigint[][] = [];
    const { decide, logged } = deciding();
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(reports.map((r) => r.id)), decide });
    // The first insert is held up: another transaction has a row with its report's dedup key.
    const release = await heldBy(`INSERT INTO pbx_report (dedup_key, received_at, action, event) VALUES ($1, now(), 'ringing', '{}')`, `burst:${callId}:1000`);
    const run = keyedDuringAnInsert(ingest, callId, '13500000104');
    try {
      await new Promise((r) => setTimeout(r, 300));
      // The code entry waits for that insert, and its last key with it.
      const [stored] = await e.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pbx_report WHERE dedup_key = $1`, `DTMF:${callId}:k7`);
      expect(stored!.n).toBe(0);
    } finally {
      await release();
    }
    await run.all;

    expect(run.settled.indexOf('first')).toBeLessThan(run.settled.indexOf('code'));
    const rows = await run.rows();
    expect(rows.map((r) => [r.action, r.processed])).toEqual([['ringing', true], ['key', true], ['code', true]]);
    // The first insert's report was left to the decision rather than processed apart, which
    // would have held the call's lock while the caller waits.
    expect(handedOut).toEqual([]);
    const timeline = await e.prisma.query<{ kind: string }>(`SELECT e.kind FROM call_event e JOIN call c ON c.id = e.call_id WHERE c.phone = '13500000104' AND e.id > $1 ORDER BY e.id`, before!.last);
    expect(timeline.map((t) => t.kind)).toEqual(['pbx.ringing', 'pbx.key', 'pbx.code']);
    expect(logged).toEqual([]);
  });

  it("hand out the call's reports that come while its code entry is being decided", async () => {
    const callId = await finishedCall('13500000106');
    const [call] = await e.prisma.query<{ id: string }>(`SELECT call_id AS id FROM dial_attempt WHERE pbx_call_id = $1`, callId);
    const handedOut: bigint[] = [];
    const { decide } = deciding();
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(...reports.map((r) => r.id)), decide });
    // The decision waits for the call's lock, held by another transaction for a moment.
    const release = await heldBy(`SELECT id FROM call WHERE id = $1::uuid FOR UPDATE`, call!.id);
    let decided = false;
    const keyed = ingest.ingest([code(callId, 5000)]).then(() => (decided = true));
    await expect.poll(async () => (await e.prisma.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0]!.n).toBe(1);
    const hungUp: PbxEvent = { type: 'hungup', pbxCallId: callId, legId: `${callId}9`, phone: '13500000106', dedupKey: `burst:${callId}:5001`, receivedAt: new Date() };
    await ingest.ingest([hungUp]);
    expect(decided).toBe(false);
    await release();
    await keyed;
    const [bye] = await e.prisma.query<{ id: bigint }>(`SELECT id FROM pbx_report WHERE dedup_key = $1`, `burst:${callId}:5001`);
    await expect.poll(() => handedOut).toEqual([bye!.id]);
  });

  it("hand out what was left to a code entry's decision when the entry itself cannot be stored", async () => {
    const callId = await finishedCall('13500000107');
    const handedOut: bigint[] = [];
    const { decide } = deciding();
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(...reports.map((r) => r.id)), decide });
    // The call's report is held up in its insert (another transaction has its dedup key) while
    // the code entry comes, so the entry waits for it and it is left to the entry's decision.
    const release = await heldBy(`INSERT INTO pbx_report (dedup_key, received_at, action, event) VALUES ($1, now(), 'ringing', '{}')`, `burst:${callId}:6000`);
    const first = ingest.ingest([ringing(callId, 6000)]);
    // An entry no insert can store: its time is not a time.
    const keyed = ingest.ingest([{ ...code(callId, 6001), receivedAt: new Date(Number.NaN) }]);
    await release();
    await first;
    await expect(keyed).rejects.toThrow();
    const [ring] = await e.prisma.query<{ id: bigint; processed: boolean }>(`SELECT id, processed_at IS NOT NULL AS processed FROM pbx_report WHERE dedup_key = $1`, `burst:${callId}:6000`);
    expect(ring!.processed).toBe(false);
    await expect.poll(() => handedOut).toEqual([ring!.id]);
  });

  it('decide a code entry in the transaction that stores it: processed before the PBX hears back, and not handed out', async () => {
    const callId = await finishedCall('13500000102');
    const handedOut: StoredReport[] = [];
    const { decide, routed, logged } = deciding();
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(...reports), decide });
    const hash: PbxEvent = { type: 'key', key: '#', seq: 9, pbxCallId: callId, legId: null, phone: '13500000102', dedupKey: `DTMF:${callId}:k9`, receivedAt: new Date() };
    await ingest.ingest([hash, code(callId, 2000)]);
    const rows = await e.prisma.query<{ action: string; processed: boolean; call_id: string | null }>(
      `SELECT action, processed_at IS NOT NULL AS processed, call_id FROM pbx_report WHERE pbx_call_id = $1 AND action IN ('key', 'code') AND received_at >= $2 ORDER BY id`,
      callId,
      hash.receivedAt,
    );
    expect(rows.map((r) => [r.action, r.processed])).toEqual([['key', true], ['code', true]]);
    expect(rows.every((r) => r.call_id !== null)).toBe(true);
    // The call is over, so its machine ignores the entry: nothing to route, and the timeline says why.
    const [entry] = await e.prisma.query<{ detail: { ignored?: string } }>(`SELECT detail FROM call_event WHERE call_id = $1::uuid AND kind = 'pbx.code' ORDER BY id DESC LIMIT 1`, rows[0]!.call_id);
    expect(entry?.detail.ignored).toBeTruthy();
    expect(handedOut).toEqual([]);
    expect(routed).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('store a code entry all the same when deciding it fails, and leave it to processing as usual', async () => {
    const callId = await finishedCall('13500000103');
    const handedOut: StoredReport[] = [];
    const { decide, logged } = deciding({
      settingsFor: async () => {
        throw new Error('settings unreadable');
      },
    });
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: (reports) => void handedOut.push(...reports), decide });
    // As the PBX sends it: a code report has no dedup key, so a second insert would not be refused.
    const entry = { ...code(callId, 3000), dedupKey: null };
    await ingest.ingest([entry]);
    const rows = await e.prisma.query<{ id: bigint; processed: boolean }>(`SELECT id, processed_at IS NOT NULL AS processed FROM pbx_report WHERE pbx_call_id = $1 AND action = 'code' AND received_at = $2`, callId, entry.receivedAt);
    expect(rows).toEqual([{ id: expect.any(BigInt), processed: false }]);
    await expect.poll(() => handedOut.map((r) => r.id)).toEqual([rows[0]!.id]);
    expect(logged.map((l) => l.event)).toEqual(['report.decide_failed']);
  });

  it('send the routing action of a decision once it is committed, its PBX connection readied while deciding, and wait for it to be sent at shutdown', async () => {
    const pbxCallId = await finishedCall('13500000105');
    // Back to the moment the caller, having pressed 1, keys the code.
    const [call] = await e.prisma.query<{ id: string }>(`SELECT call_id AS id FROM dial_attempt WHERE pbx_call_id = $1`, pbxCallId);
    await e.prisma.execute(
      `UPDATE call SET status = 'confirmed', outcome = NULL, code_attempts = 0, finished_at = NULL, code_hash = $2,
         attempt = jsonb_build_object('no', 1, 'pbxCallId', $3::text, 'legId', a.leg_id, 'unknown', false, 'answered', true, 'confirmed', true, 'keysSeen', 0)
       FROM dial_attempt a WHERE call.id = $1::uuid AND a.call_id = call.id`,
      call!.id,
      hashCode('code-secret-0123456789', call!.id, '482913'),
      pbxCallId,
    );
    let release!: () => void;
    const sending = new Promise<void>((r) => (release = r));
    const committed: unknown[] = [];
    const { decide, logged, steps } = deciding({
      deliver: async (a) => {
        committed.push(await e.prisma.query(`SELECT kind, target, state FROM routing_action WHERE id = $1`, a.id));
        await sending;
      },
    });
    const ingest = new ReportIngest({ prisma: e.prisma, codeSecret: 'code-secret-0123456789', handOut: () => {}, decide });
    await ingest.ingest([{ ...code(pbxCallId, 4000), dedupKey: null }]);
    // Seen from another connection while it is being sent: the right code's transfer, claimed.
    await expect.poll(() => committed).toEqual([[{ kind: 'transfer', target: '6502', state: 'sending' }]]);
    expect(steps).toEqual(['prepare', 'deliver transfer']);
    let drained = false;
    const drain = ingest.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(drained).toBe(false);
    release();
    await drain;
    expect(logged).toEqual([]);
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
