import type { CallEvent } from '../domain/call-events.js';
import type { Db, Sql } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { applyInput, lockCall, type LockedCall, type TransitionDeps } from './call-transitions.js';
import { addTimeline } from './timeline.js';
import { openEvent, scrubEvent, type StoredEvent } from './event-seal.js';

export interface ProcessReportDeps extends TransitionDeps {
  prisma: Db;
  log: Logger;
  sendRoutingAction: (id: bigint) => Promise<void>;
}

/**
 * Feeds a stored report, and every other unprocessed report of the same call, to the call's
 * machine in arrival order, in one transaction with the call row locked; then sends the
 * routing actions the machine asked for. Reports processed in parallel jobs would otherwise
 * overtake each other. Safe to run twice: processed reports are skipped, and routing actions
 * are unique per code entry.
 */
export async function processReport(deps: ProcessReportDeps, reportId: bigint): Promise<void> {
  const actionIds = await deps.prisma.transaction(async (tx) => {
    const head = await tx.query<{ event: StoredEvent }>(`SELECT event FROM pbx_report WHERE id = $1 AND processed_at IS NULL`, reportId);
    if (!head[0]) return [];
    const first = openEvent(deps.codeSecret, head[0].event) as CallEvent;
    const match = await findAttempt(tx, first);
    const call = match ? await lockCall(tx, match.callId) : null;
    if (!call) {
      const locked = await tx.query<unknown>(`SELECT 1 FROM pbx_report WHERE id = $1 AND processed_at IS NULL FOR UPDATE SKIP LOCKED`, reportId);
      if (locked.length) await markProcessed(tx, reportId, null, scrubEvent(first, false), new Date());
      return [];
    }
    const actionIds: bigint[] = [];
    for (const report of await pendingReportsOf(tx, call.id, call.phone)) {
      const event = openEvent(deps.codeSecret, report.event) as CallEvent;
      const owner = report.id === reportId ? match : await findAttempt(tx, event);
      if (owner?.callId !== call.id) continue; // the same number in another call: its own job takes it
      actionIds.push(...(await applyReport(deps, tx, call, owner.no, report.id, event)));
    }
    return actionIds;
  });
  for (const id of actionIds) await deps.sendRoutingAction(id);
}

async function applyReport(deps: ProcessReportDeps, tx: Sql, call: LockedCall, attemptNo: number, reportId: bigint, event: CallEvent): Promise<bigint[]> {
  const now = new Date();
  const current = call.state.attempt?.no;
  if (current !== undefined && current !== attemptNo) {
    await addTimeline(tx, call.id, attemptNo, now, `pbx.${event.type}`, { ignored: 'report of an earlier attempt' });
    await markProcessed(tx, reportId, call.id, scrubEvent(event, false), now);
    return [];
  }
  const wasAnswered = call.state.status === 'answered';
  const { transition, actionIds } = await applyInput(deps, tx, call, { type: 'pbx', event }, now, { kind: `pbx.${event.type}`, detail: timelineDetail(event) });
  const confirmPress = event.type === 'key' && wasAnswered && transition.state.status === 'confirmed';
  await markProcessed(tx, reportId, call.id, scrubEvent(event, confirmPress), now);
  return actionIds;
}

/** Unprocessed reports that may belong to the call, oldest first, locked against other jobs. */
async function pendingReportsOf(tx: Sql, callId: string, phone: string): Promise<{ id: bigint; event: StoredEvent }[]> {
  return tx.query(
    `SELECT r.id, r.event FROM pbx_report r
     WHERE r.processed_at IS NULL AND (
       r.phone = $2 OR EXISTS (SELECT 1 FROM dial_attempt a WHERE a.call_id = $1::uuid AND (r.pbx_call_id IN (a.pbx_call_id, a.leg_id) OR r.leg_id = a.leg_id)))
     ORDER BY r.id FOR UPDATE SKIP LOCKED`,
    callId,
    phone,
  );
}

/**
 * The attempt a report belongs to: by the PBX's call id or leg id, else by number among
 * attempts still open (reports may come before the dial answer, or with another call id).
 */
async function findAttempt(tx: Sql, e: CallEvent): Promise<{ callId: string; no: number } | null> {
  const byId = await tx.query<{ call_id: string; no: number }>(
    `SELECT call_id, no FROM dial_attempt WHERE pbx_call_id = $1 OR leg_id = $1 OR ($2::text IS NOT NULL AND leg_id = $2) ORDER BY id DESC LIMIT 1`,
    e.pbxCallId,
    e.legId,
  );
  if (byId[0]) return { callId: byId[0].call_id, no: byId[0].no };
  if (!e.phone) return null;
  const byPhone = await tx.query<{ call_id: string; no: number }>(
    `SELECT call_id, no FROM dial_attempt WHERE phone = $1 AND state <> 'ended' ORDER BY id DESC LIMIT 1`,
    e.phone,
  );
  return byPhone[0] ? { callId: byPhone[0].call_id, no: byPhone[0].no } : null;
}

async function markProcessed(tx: Sql, reportId: bigint, callId: string | null, event: StoredEvent, now: Date): Promise<void> {
  await tx.execute(`UPDATE pbx_report SET processed_at = $2, call_id = $3::uuid, event = $4::jsonb WHERE id = $1`, reportId, now, callId, JSON.stringify(event));
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
