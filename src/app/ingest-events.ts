import type { PbxEvent } from '../domain/call-events.js';
import { statement, type Db, type Tx } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { CommitOutcomeUnknownError } from '../errors.js';
import { metrics } from '../metrics.js';
import type { Decided } from './process-report.js';
import { scrubEvent, sealEvent } from './event-seal.js';
import { reportOwnerJoin, type ReportRef } from './report-owner.js';

export interface IngestDeps {
  prisma: Db;
  codeSecret: string;
  /** Hands stored reports to processing; one that is lost there stays unprocessed, and the sweeper finds it. */
  handOut: (reports: StoredReport[]) => void;
  /** Processes a code entry's call in the transaction that stores the entry (see ReportIngest). */
  decide?: { inTransaction: (tx: Tx, report: ReportRef) => Promise<Decided>; log: Logger };
}

export interface StoredReport {
  id: bigint;
  pbxCallId: string;
  /** The call ingest found the report belongs to (stored in pbx_report.call_id). */
  callId: string;
  /** A code entry: the caller is on hold waiting for its decision. */
  awaited: boolean;
}

/**
 * Stores the events of one PBX report durably before the webhook answers 200. Resent copies
 * collide on dedup_key and are dropped. A report that belongs to no attempt of ours (the PBX
 * reports every call it carries) is kept for diagnosis, without digits, already processed:
 * attempts are stored before their dial goes out, so nothing that comes later could claim it.
 * Returns the rest, for processing. With `decide`, what it processes in the same transaction
 * (the call of a code entry among the events) is not returned.
 */
async function storeEvents(deps: IngestDeps, events: PbxEvent[], decide?: (tx: Tx) => Promise<Decided>): Promise<{ pending: StoredReport[]; decided: Decided | null }> {
  const insert = statement(
    `INSERT INTO pbx_report (dedup_key, received_at, action, pbx_call_id, leg_id, phone, event, processed_at, call_id)
     SELECT r.dedup_key, r.received_at, r.action, r.pbx_call_id, r.leg_id, r.phone,
            CASE WHEN r.pbx_call_id IS NULL OR owner.call_id IS NULL THEN r.scrubbed ELSE r.event END,
            CASE WHEN r.pbx_call_id IS NULL OR owner.call_id IS NULL THEN r.received_at END,
            CASE WHEN r.pbx_call_id IS NOT NULL THEN owner.call_id END
     FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[])
       AS r(dedup_key, received_at, action, pbx_call_id, leg_id, phone, event, scrubbed)
     ${reportOwnerJoin('r')}
     ON CONFLICT (dedup_key) DO NOTHING
     RETURNING id, pbx_call_id, call_id, action, processed_at IS NULL AS pending`,
    events.map((e) => e.dedupKey),
    events.map((e) => e.receivedAt),
    events.map((e) => (e.type === 'other' ? `other:${e.action}` : e.type)),
    events.map((e) => ('pbxCallId' in e ? e.pbxCallId : null)),
    events.map((e) => ('legId' in e ? e.legId : null)),
    events.map((e) => ('phone' in e ? e.phone : null)),
    events.map((e) => JSON.stringify(sealEvent(deps.codeSecret, e))),
    events.map((e) => JSON.stringify(scrubEvent(e, false))),
  );
  // PostgreSQL re-plans a prepared statement at every run while a plan made for the values at
  // hand looks cheaper than the generic one, and for arrays of known length it always does:
  // planning was 43% of this insert's time (docs/BENCHMARKS.md). The setting holds for this
  // transaction only, and it leaves in the insert's socket write, so it costs no round trip.
  const sent = await deps.prisma.transaction(async (tx) => {
    tx.send(statement(`SET LOCAL plan_cache_mode = force_generic_plan`));
    const rows = tx.send<{ id: bigint; pbx_call_id: string | null; call_id: string | null; action: string; pending: boolean }>(insert);
    if (!decide) return { rows, decided: null };
    // The call's statements plan as they do elsewhere. A decision holds the PBX's request and
    // the reports' dedup keys: rather than wait long for the call's lock, it gives up, and
    // the reports are stored alone and processed as usual.
    tx.send(statement(`SET LOCAL plan_cache_mode TO DEFAULT`));
    tx.send(statement(`SET LOCAL lock_timeout = '${DECIDE_LOCK_TIMEOUT}'`));
    return { rows, decided: await decide(tx) };
  });
  const rows = await sent.rows;
  countReports(events, rows);
  const taken = new Set(sent.decided?.taken);
  const pending = rows.filter((r) => r.pending && !taken.has(r.id)).map((r) => ({ id: r.id, pbxCallId: r.pbx_call_id!, callId: r.call_id!, awaited: r.action === 'code' }));
  return { pending, decided: sent.decided };
}

/** How long a decision made with its insert waits for its call's lock (held for milliseconds as a rule). */
const DECIDE_LOCK_TIMEOUT = '500ms';

function countReports(events: PbxEvent[], stored: { action: string }[]): void {
  const sent = new Map<string, number>();
  for (const e of events) sent.set(e.type, (sent.get(e.type) ?? 0) + 1);
  const kept = new Map<string, number>();
  for (const r of stored) {
    const type = r.action.startsWith('other:') ? 'other' : r.action;
    kept.set(type, (kept.get(type) ?? 0) + 1);
  }
  for (const [type, n] of sent) {
    const k = kept.get(type) ?? 0;
    if (k) metrics.reports.inc({ type, result: 'new' }, k);
    if (n > k) metrics.reports.inc({ type, result: 'duplicate' }, n - k);
  }
}

/**
 * Group commit for the webhook: while one insert is under way, reports arriving meanwhile
 * wait and go into the next insert together. Each caller's promise settles once its own
 * events are stored, so no report is acknowledged before it is durable; under load a
 * statement carries hundreds of reports, and when idle a report is stored at once.
 *
 * A caller on hold waits for the decision on their code, so a code report does not wait:
 * it goes into an insert of its own at once, beside the one under way, taking along the
 * reports of its call that wait (its last keys). That insert's transaction also processes
 * the call (`decide`): each transaction on the decision's path cost it a round trip and a
 * commit of 2-6 ms on the benchmarks' machine (docs/BENCHMARKS.md). Stored reports are
 * handed out for processing only once the inserts under way with reports of the same calls
 * have ended, so that processing sees a call's reports in the order they came, and waits for
 * no other's; for the same reason a code entry's insert starts only once those have ended.
 * What those inserts stored of the code entry's call is left to the decision rather than
 * handed out: processing it apart would only hold the call's lock while the caller waits (the
 * PBX sends the '#' key and the code string together). What the decision did not take, or
 * all of it when the code entry could not be stored, is handed out after it.
 */
export class ReportIngest {
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  /** Inserts under way. */
  private readonly underWay = new Set<UnderWay>();
  /** Routing actions of decisions made here, being sent. */
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly deps: IngestDeps,
    private readonly maxEvents = 1000,
  ) {}

  ingest(events: PbxEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const report = { events, resolve, reject };
      if (events.some((e) => e.type === 'code')) return void this.insert([...this.takeWaitingOf(events), report]);
      this.waiting.push(report);
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length) {
      let n = 0;
      let take = 0;
      while (take < this.waiting.length && (take === 0 || n + this.waiting[take]!.events.length <= this.maxEvents)) n += this.waiting[take++]!.events.length;
      await this.insert(this.waiting.splice(0, take));
    }
    this.flushing = false;
  }

  /** Settles once the batch is stored; its reports are handed out once the earlier inserts of their calls ended too. */
  private async insert(batch: Waiting[]): Promise<void> {
    const events = batch.flatMap((b) => b.events);
    const calls = callsOf(events);
    const ofSameCalls = [...this.underWay].filter((u) => [...calls].some((c) => u.calls.has(c)));
    const earlier = ofSameCalls.map((u) => u.stored);
    const code = this.deps.decide && events.find((e) => e.type === 'code');
    // A code entry is decided with its insert, so it waits for the inserts of its call under
    // way (most often its '#' key's) to end: the decision must see every report before it.
    const insert: UnderWay = { calls, leftToDecision: [], decidedBy: new Map(), stored: code && earlier.length ? Promise.allSettled(earlier).then(() => this.store(events, code)) : this.store(events, code) };
    if (code) for (const u of ofSameCalls) u.decidedBy.set(code.pbxCallId, insert);
    this.underWay.add(insert);
    let stored: Awaited<UnderWay['stored']>;
    try {
      stored = await insert.stored;
    } catch (err) {
      for (const b of batch) b.reject(err);
      // Nothing decided: what earlier inserts left to this one goes out as usual.
      this.handOut(insert, insert.leftToDecision, earlier);
      return;
    } finally {
      this.underWay.delete(insert);
    }
    for (const b of batch) b.resolve();
    // Not awaited: the reports are safe in PostgreSQL, and processing must not hold the PBX's
    // request; what is not processed now the sweeper hands out again.
    if (stored.decided) {
      const send: Promise<void> = stored.decided
        .afterCommit()
        .catch((err: Error) => this.deps.decide?.log.warn({ event: 'report.route_unrecorded', err: err.message }, 'how a routing action went was not recorded; its request may have gone out'))
        .finally(() => this.sending.delete(send));
      this.sending.add(send);
    }
    const taken = new Set(stored.decided?.taken);
    this.handOut(insert, [...insert.leftToDecision.filter((r) => !taken.has(r.id)), ...stored.pending], earlier);
  }

  /**
   * Hands out `reports` of `insert` once the `earlier` inserts of their calls have ended, but
   * for those of a call whose code entry waits for `insert`: they are left to its decision.
   */
  private handOut(insert: UnderWay, reports: StoredReport[], earlier: Promise<unknown>[]): void {
    const out: StoredReport[] = [];
    for (const r of reports) {
      const decider = insert.decidedBy.get(r.pbxCallId);
      if (decider) decider.leftToDecision.push(r);
      else out.push(r);
    }
    if (out.length) void Promise.allSettled(earlier).then(() => this.deps.handOut(out));
  }

  /**
   * Stores, and decides the code entry's call in the same transaction. When that fails, the
   * reports are stored alone and processed as usual; but not when the transaction may have
   * committed, since a code report has no dedup key and would be stored twice.
   */
  private async store(events: PbxEvent[], code: ReportRef | undefined): ReturnType<typeof storeEvents> {
    const decide = this.deps.decide;
    if (!code || !decide) return storeEvents(this.deps, events);
    try {
      return await storeEvents(this.deps, events, (tx) => decide.inTransaction(tx, code));
    } catch (err) {
      if (err instanceof CommitOutcomeUnknownError) throw err;
      decide.log.warn({ event: 'report.decide_failed', err: (err as Error).message }, 'code entry not decided with its insert; storing it alone');
      return storeEvents(this.deps, events);
    }
  }

  /** Waits for the inserts under way and the routing actions of the decisions made here (at shutdown). */
  async drain(): Promise<void> {
    while (this.underWay.size || this.sending.size) await Promise.allSettled([...[...this.underWay].map((u) => u.stored), ...this.sending]);
  }

  /** Takes out of the queue the reports that belong to the calls of `events`. */
  private takeWaitingOf(events: PbxEvent[]): Waiting[] {
    const calls = callsOf(events);
    const taken: Waiting[] = [];
    for (let i = 0; i < this.waiting.length; ) {
      if ([...callsOf(this.waiting[i]!.events)].some((c) => calls.has(c))) taken.push(...this.waiting.splice(i, 1));
      else i += 1;
    }
    return taken;
  }
}

interface UnderWay {
  /** The PBX calls its reports belong to. */
  calls: Set<string>;
  stored: ReturnType<typeof storeEvents>;
  /** Code inserts waiting for this one to end, by their PBX call. */
  decidedBy: Map<string, UnderWay>;
  /** Reports that earlier inserts left to this one's decision; those it did not take are handed out after it. */
  leftToDecision: StoredReport[];
}

interface Waiting {
  events: PbxEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The PBX calls the events are about. */
function callsOf(events: PbxEvent[]): Set<string> {
  const calls = new Set<string>();
  for (const e of events) if ('pbxCallId' in e && e.pbxCallId !== null) calls.add(e.pbxCallId);
  return calls;
}
