import type { CallEvent } from '../domain/call-events.js';
import { statement, together, type Db, type Sql, type Statement, type Tx } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { applyInput, callIdSql, lockCall, type CallKey, type LockedCall, type TransitionDeps } from './call-transitions.js';
import type { ClaimedAction } from './send-routing-action.js';
import { timelineEntry } from './timeline.js';
import { openEvent, scrubEvent, type StoredEvent } from './event-seal.js';
import { reportOwnerJoin, type ReportRef } from './report-owner.js';

export interface ProcessReportDeps extends TransitionDeps {
  prisma: Db;
  log: Logger;
  deliverRoutingAction: (action: ClaimedAction) => Promise<void>;
  /** PbxDriver.prepareRouting. */
  prepareRouting: () => void;
}

/**
 * Feeds a stored report, and every other unprocessed report of the same call, to the call's
 * machine in arrival order, in one transaction with the call row locked; then sends the
 * routing actions the machine asked for. Reports processed in parallel jobs would otherwise
 * overtake each other. Safe to run twice: processed reports are skipped, and routing actions
 * are unique per code entry.
 */
export async function processReport(deps: ProcessReportDeps, reportId: bigint, knownCallId?: string): Promise<void> {
  let callId = knownCallId;
  if (!callId) {
    // Looked up before any transaction: most hints find their report already taken by a job
    // for an earlier report of the same call, and then cost one query.
    const [found] = await deps.prisma.query<{ event: StoredEvent; call_id: string | null }>(
      `SELECT r.event, owner.call_id FROM pbx_report r ${reportOwnerJoin('r')} WHERE r.id = $1 AND r.processed_at IS NULL`,
      reportId,
    );
    if (!found) return;
    // No owner: matched at ingest by the number of an attempt that has ended since.
    if (!found.call_id) return settleUnowned(deps, deps.prisma, reportId, found.event);
    callId = found.call_id;
  }
  const { actions } = await deps.prisma.transaction((tx) => processPendingIn(deps, tx, { callId }, reportId));
  await deliverAll(deps, actions);
}

/** A code entry's call, processed in the transaction that stores the entry's report. */
export interface Decided {
  /** The reports it processed: the call's pending ones, those just stored among them. */
  taken: bigint[];
  /** Sends the routing actions decided, once the transaction has committed. */
  afterCommit: () => Promise<void>;
}

/**
 * Processes, in the transaction that has just stored a code entry's report, the call that
 * report belongs to, so that the decision costs no transaction of its own: the caller on
 * hold waits for it (docs/BENCHMARKS.md).
 */
export async function decideIn(deps: ProcessReportDeps, tx: Tx, report: ReportRef): Promise<Decided> {
  // Its routing action follows the commit: the PBX connection opens meanwhile.
  deps.prepareRouting();
  const { actions, taken } = await processPendingIn(deps, tx, { report });
  return { taken, afterCommit: () => deliverAll(deps, actions) };
}

/**
 * In `tx`: locks the call and feeds its machine its unprocessed reports. Returns the routing
 * actions to deliver once `tx` has committed, and the reports it took.
 */
async function processPendingIn(deps: ProcessReportDeps, tx: Tx, key: CallKey, reportId?: bigint): Promise<{ actions: Promise<ClaimedAction[]>[]; taken: bigint[] }> {
  // The call's lock and its pending reports go out together; PostgreSQL reads the reports
  // once the lock is held, so none that a job before this one took is seen pending.
  const [call, pending] = await Promise.all([lockCall(tx, key), pendingReportsOf(tx, key)]);
  if (!call) {
    const own = pending.find((r) => r.id === reportId);
    if (own) await settleUnowned(deps, tx, own.id, own.event);
    return { actions: [], taken: [] };
  }
  const actions: Promise<ClaimedAction[]>[] = [];
  const taken: bigint[] = [];
  for (const report of pending) {
    if (report.call_id !== call.id) continue; // the same number in another call: its own job takes it
    actions.push((await applyReport(deps, tx, call, report.no!, report.id, openEvent(deps.codeSecret, report.event) as CallEvent)).actions);
    taken.push(report.id);
  }
  return { actions, taken };
}

async function deliverAll(deps: ProcessReportDeps, actions: Promise<ClaimedAction[]>[]): Promise<void> {
  for (const action of (await Promise.all(actions)).flat()) await deps.deliverRoutingAction(action);
}

/** Marks a report that no call follows as processed, without its digits. */
async function settleUnowned(deps: ProcessReportDeps, sql: Sql, reportId: bigint, event: StoredEvent): Promise<void> {
  await sql.execute(
    `UPDATE pbx_report SET processed_at = $2, event = $3::jsonb WHERE id = (SELECT id FROM pbx_report WHERE id = $1 AND processed_at IS NULL FOR UPDATE SKIP LOCKED)`,
    reportId,
    new Date(),
    JSON.stringify(scrubEvent(openEvent(deps.codeSecret, event) as CallEvent, false)),
  );
}

/** Applies one report; the writes go out without waiting, and `actions` settles with their answer. */
async function applyReport(deps: ProcessReportDeps, tx: Tx, call: LockedCall, attemptNo: number, reportId: bigint, event: CallEvent): Promise<{ actions: Promise<ClaimedAction[]> }> {
  const now = new Date();
  const current = call.state.attempt?.no;
  if (current !== undefined && current !== attemptNo) {
    tx.send(together([timelineEntry(call.id, attemptNo, now, `pbx.${event.type}`, { ignored: 'report of an earlier attempt' }), markProcessed(reportId, call.id, scrubEvent(event, false), now)]));
    return { actions: Promise.resolve([]) };
  }
  const wasAnswered = call.state.status === 'answered';
  const { actions } = await applyInput(deps, tx, call, { type: 'pbx', event }, now, { kind: `pbx.${event.type}`, detail: timelineDetail(event) }, (transition) => {
    // The press of the confirm key is kept as evidence of consent; other digits are not.
    const confirmPress = event.type === 'key' && wasAnswered && transition.state.status === 'confirmed';
    return [markProcessed(reportId, call.id, scrubEvent(event, confirmPress), now)];
  });
  return { actions };
}

/**
 * Unprocessed reports that may belong to the call, in the order they came (inserts running
 * side by side may number them otherwise), with their owner, locked against other jobs.
 * Each branch is an index lookup over unprocessed reports alone: a backlog of other calls'
 * reports must not make every call pay for scanning it.
 */
async function pendingReportsOf(tx: Sql, key: CallKey): Promise<{ id: bigint; event: StoredEvent; call_id: string | null; no: number | null }[]> {
  const id = callIdSql(key);
  return tx.query(
    `WITH c AS (SELECT id, phone FROM call WHERE id = ${id.sql}),
     ids AS (SELECT a.pbx_call_id, a.leg_id FROM dial_attempt a WHERE a.call_id = (SELECT id FROM c)),
     candidates AS (
       SELECT p.id FROM pbx_report p WHERE p.processed_at IS NULL AND p.phone = (SELECT phone FROM c)
       UNION SELECT p.id FROM pbx_report p JOIN ids ON p.pbx_call_id IN (ids.pbx_call_id, ids.leg_id) WHERE p.processed_at IS NULL
       UNION SELECT p.id FROM pbx_report p JOIN ids ON p.leg_id = ids.leg_id WHERE p.processed_at IS NULL)
     SELECT r.id, r.event, owner.call_id, owner.no FROM pbx_report r ${reportOwnerJoin('r')}
     WHERE r.id IN (SELECT id FROM candidates) AND r.processed_at IS NULL
     ORDER BY r.received_at, r.id FOR UPDATE OF r SKIP LOCKED`,
    ...id.values,
  );
}

function markProcessed(reportId: bigint, callId: string, event: StoredEvent, now: Date): Statement {
  return statement(`UPDATE pbx_report SET processed_at = $2, call_id = $3::uuid, event = $4::jsonb WHERE id = $1`, reportId, now, callId, JSON.stringify(event));
}

function timelineDetail(e: CallEvent): Record<string, unknown> {
  switch (e.type) {
    case 'key':
      return { seq: e.seq, key: /^\d$/.test(e.key) ? '*' : e.key };
    case 'code':
      return { length: e.digits.length };
    case 'failed':
      return { reason: e.reason, failure: e.failure };
    case 'record':
      return { status: e.status, talkSeconds: e.talkSeconds };
    default:
      return { pbxCallId: e.pbxCallId, legId: e.legId };
  }
}
