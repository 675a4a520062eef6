import { next, type CallState, type Command, type MachineContext, type MachineInput, type Transition } from '../domain/call-machine.js';
import { nextOpening } from '../domain/calling-window.js';
import { codeMatches } from '../domain/codes.js';
import type { CallStatus, Outcome, WaitReason } from '../domain/outcomes.js';
import { statement, together, type Db, type Sql, type Statement, type Tx } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import { callbackDelivery } from './callbacks.js';
import { addTimeline, timelineEntry } from './timeline.js';
import type { CampaignSettings } from './campaign-policy.js';
import type { ClaimedAction } from './send-routing-action.js';
import { reportOwnerJoin, type ReportRef } from './report-owner.js';

/** A call row locked for update, with what the machine needs. */
export interface LockedCall {
  id: string;
  campaignId: string;
  phone: string;
  ref: string | null;
  codeHash: string;
  notAfter: Date | null;
  codeExpiresAt: Date | null;
  timezone: string | null;
  state: CallState;
}

export interface TransitionDeps {
  log: Logger;
  codeSecret: string;
  settingsFor: (campaignId: string, tx: Sql) => Promise<CampaignSettings>;
}

interface CallRow {
  id: string;
  campaign_id: string;
  phone: string;
  ref: string | null;
  code_hash: string;
  status: CallStatus;
  outcome: Outcome | null;
  dial_attempts: number;
  code_attempts: number;
  next_dial_at: Date | null;
  wait_reason: WaitReason | null;
  last_failure: string | null;
  attempt: CallState['attempt'];
  not_after: Date | null;
  code_expires_at: Date | null;
  timezone: string | null;
}

/** A call, by its id or as the owner of a report: the attempt the report's ids or number name (see reportOwnerJoin). */
export type CallKey = { callId: string } | { report: ReportRef };

/** The call's id as an SQL expression of parameters $1 to $n, with their values. */
export function callIdSql(key: CallKey): { sql: string; values: unknown[] } {
  if ('callId' in key) return { sql: '$1::uuid', values: [key.callId] };
  return {
    sql: `(SELECT owner.call_id FROM (SELECT $1::text AS pbx_call_id, $2::text AS leg_id, $3::text AS phone) r ${reportOwnerJoin('r')})`,
    values: [key.report.pbxCallId, key.report.legId, key.report.phone],
  };
}

export async function lockCall(tx: Sql, key: string | CallKey): Promise<LockedCall | null> {
  const id = callIdSql(typeof key === 'string' ? { callId: key } : key);
  const rows = await tx.query<CallRow>(
    `SELECT id, campaign_id, phone, ref, code_hash, status, outcome, dial_attempts, code_attempts, next_dial_at, wait_reason, last_failure, attempt,
            not_after, code_expires_at, timezone
     FROM call WHERE id = ${id.sql} FOR UPDATE`,
    ...id.values,
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    campaignId: r.campaign_id,
    phone: r.phone,
    ref: r.ref,
    codeHash: r.code_hash,
    notAfter: r.not_after,
    codeExpiresAt: r.code_expires_at,
    timezone: r.timezone,
    state: {
      status: r.status,
      outcome: r.outcome,
      dialAttempts: r.dial_attempts,
      codeAttempts: r.code_attempts,
      nextDialAt: r.next_dial_at,
      waitReason: r.wait_reason,
      lastFailure: (r.last_failure as CallState['lastFailure']) ?? null,
      attempt: r.attempt,
    },
  };
}

export interface TimelineEntry {
  kind: string;
  detail?: Record<string, unknown>;
}

/**
 * Runs one input through the call machine and persists the result in `tx`: the call row,
 * its attempt row, a timeline entry, and any routing actions (one per code entry, unique,
 * so a replayed input cannot route twice). The writes go out as one statement without
 * waiting for it; `actions`, the routing actions to send once committed, come with its
 * answer, already claimed: the caller must deliver them (`deliverRoutingAction`).
 */
export async function applyInput(
  deps: TransitionDeps,
  tx: Tx,
  call: LockedCall,
  input: MachineInput,
  now: Date,
  entry: TimelineEntry,
  /** More writes that depend on the outcome, sent in the same round trip. */
  alsoWrite: (transition: Transition) => Statement[] = () => [],
): Promise<{ transition: Transition; actions: Promise<ClaimedAction[]> }> {
  const transition = next(call.state, input, await contextFor(deps, tx, call, now));
  const before = call.state;
  const after = transition.state;
  const attemptNo = after.attempt?.no ?? before.attempt?.no ?? null;

  const writes: Statement[] = alsoWrite(transition);
  writes.push(statement(
    `UPDATE call SET status = $2::"CallStatus", outcome = $3::"Outcome", dial_attempts = $4, code_attempts = $5, next_dial_at = $6,
       last_failure = $7, attempt = $8::jsonb, last_event_at = $9, updated_at = $9, wait_reason = $10,
       finished_at = CASE WHEN $2 = 'done' THEN coalesce(finished_at, $9) ELSE NULL END
     WHERE id = $1::uuid`,
    call.id,
    after.status,
    after.outcome,
    after.dialAttempts,
    after.codeAttempts,
    after.nextDialAt,
    after.lastFailure,
    after.attempt === null ? null : JSON.stringify(after.attempt),
    now,
    after.waitReason,
  ));
  const attemptWrite = attemptStatement(call, before, after, input, now);
  if (attemptWrite) writes.push(attemptWrite);
  countTransition(before, after);
  const detail = {
    ...entry.detail,
    status: after.status,
    ...(transition.ignored ? { ignored: transition.ignored } : {}),
    ...(transition.note ? { note: transition.note } : {}),
    ...(after.outcome !== before.outcome ? { outcome: after.outcome } : {}),
    ...(after.waitReason && after.waitReason !== before.waitReason ? { waitReason: after.waitReason, until: after.nextDialAt } : {}),
  };
  writes.push(timelineEntry(call.id, attemptNo, now, entry.kind, detail));

  const routing: Statement[] = [];
  for (const cmd of transition.commands) {
    if (cmd.type === 'finished') {
      deps.log.info({ event: 'call.finished', callId: call.id, campaignId: call.campaignId, phone: call.phone, outcome: cmd.outcome, dialAttempts: after.dialAttempts }, 'call finished');
      writes.push(timelineEntry(call.id, attemptNo, now, 'outcome', { outcome: cmd.outcome }));
      const { callbackUrl } = await deps.settingsFor(call.campaignId, tx);
      if (callbackUrl) {
        writes.push(callbackDelivery('call.finished', callbackUrl, call.campaignId, call.id, {
          campaignId: call.campaignId,
          callId: call.id,
          ref: call.ref,
          phone: call.phone,
          outcome: cmd.outcome,
          dialAttempts: after.dialAttempts,
          codeAttempts: after.codeAttempts,
          finishedAt: now.toISOString(),
        }));
      }
      continue;
    }
    if (cmd.type === 'suppress-number') {
      writes.push(statement(`INSERT INTO suppression (phone, reason, source) VALUES ($1, 'pressed the opt-out key', 'opt_out') ON CONFLICT (phone) DO NOTHING`, call.phone));
      continue;
    }
    routing.push(routingAction(call.id, attemptNo ?? 0, cmd));
  }
  // The attempt the actions act on: a decision that ends it leaves it in `before` only.
  const attempt = after.attempt ?? before.attempt;
  const ref = { pbxCallId: attempt?.pbxCallId ?? '', legId: attempt?.legId ?? null, phone: call.phone };
  const claimed = tx
    .send<{ id: bigint; kind: ClaimedAction['kind']; target: string | null }>(together(writes, routing))
    .then((rows) => rows.map((r): ClaimedAction => ({ ...r, callId: call.id, attemptNo: attemptNo ?? 0, call: ref, fresh: true })));
  claimed.catch(() => {}); // a failure fails the transaction, which reports it
  call.state = after;
  return { transition, actions: claimed };
}

/** Counted as the transaction runs: one that fails and is retried may count twice. */
function countTransition(before: CallState, after: CallState): void {
  if (after.attempt?.answered && !before.attempt?.answered) metrics.answered.inc();
  if (after.codeAttempts > before.codeAttempts) metrics.codeEntries.inc({ result: after.outcome === 'verified' && before.outcome !== 'verified' ? 'right' : 'wrong' });
}

/**
 * Locks the call and runs one input through its machine, in a transaction of its own. With
 * `attemptNo`, the input is meant for that attempt only and is dropped (null) for any other.
 */
export async function transitionCall(
  deps: TransitionDeps & { prisma: Db },
  callId: string,
  input: MachineInput,
  entry: TimelineEntry,
  attemptNo?: number,
): Promise<{ transition: Transition; actions: ClaimedAction[] } | null> {
  const applied = await deps.prisma.transaction(async (tx) => {
    const call = await lockCall(tx, callId);
    if (!call) return null;
    if (attemptNo !== undefined && call.state.attempt?.no !== attemptNo) {
      await addTimeline(tx, call.id, attemptNo, new Date(), entry.kind, { ...entry.detail, ignored: 'result of an attempt that is over' });
      return null;
    }
    return applyInput(deps, tx, call, input, new Date(), entry);
  });
  return applied && { transition: applied.transition, actions: await applied.actions };
}

/** Everything about this call and its campaign that the machine needs, time included. */
async function contextFor(deps: TransitionDeps, tx: Sql, call: LockedCall, now: Date): Promise<MachineContext> {
  const settings = await deps.settingsFor(call.campaignId, tx);
  const rules = { window: settings.window, timezone: call.timezone, blockedDates: settings.blockedDates };
  return {
    now,
    policy: settings.policy,
    checkCode: (digits) => codeMatches(deps.codeSecret, call.id, digits, call.codeHash),
    deadline: call.notAfter,
    codeExpiresAt: call.codeExpiresAt,
    nextOpening: (at) => nextOpening(rules, at),
  };
}

/** The write that keeps the attempt row in step with the machine, if any. */
function attemptStatement(call: LockedCall, before: CallState, after: CallState, input: MachineInput, now: Date): Statement | null {
  if (input.type === 'dial-started' && after.attempt && !before.attempt) {
    // An attempt number comes back after a dial that never went out (reached: false); its
    // row holds nothing that happened, so it is claimed afresh.
    return statement(
      `INSERT INTO dial_attempt (call_id, no, phone, state, started_at) VALUES ($1::uuid, $2, $3, 'claimed', $4)
       ON CONFLICT (call_id, no) DO UPDATE SET state = 'claimed', started_at = $4, pbx_call_id = NULL, leg_id = NULL, result = NULL, answered_at = NULL, ended_at = NULL
       WHERE dial_attempt.result = 'not sent'`,
      call.id,
      after.attempt.no,
      call.phone,
      now,
    );
  }
  const a = before.attempt;
  if (!a) return null;
  if (after.attempt && after.attempt.no === a.no) {
    const state = after.attempt.unknown ? 'unknown' : input.type === 'dial-accepted' ? 'placed' : null;
    return statement(
      `UPDATE dial_attempt SET pbx_call_id = coalesce(pbx_call_id, $3), leg_id = coalesce(leg_id, $4),
         answered_at = CASE WHEN $5 THEN coalesce(answered_at, $6) ELSE answered_at END, state = coalesce($7, state)
       WHERE call_id = $1::uuid AND no = $2`,
      call.id,
      a.no,
      after.attempt.pbxCallId,
      after.attempt.legId,
      after.attempt.answered,
      now,
      state,
    );
  }
  // The attempt is over.
  return statement(
    `UPDATE dial_attempt SET state = 'ended', ended_at = $3, result = $4 WHERE call_id = $1::uuid AND no = $2 AND state <> 'ended'`,
    call.id,
    a.no,
    now,
    input.type === 'dial-refused' && !input.reached ? 'not sent' : (after.outcome ?? after.lastFailure ?? (after.status === 'pending' ? 'retry' : null)),
  );
}


/**
 * Code entries count from 1; an operator's hang-up is entry 0. Unique, so each is sent once:
 * a replay returns no row. Written claimed, since the process that decided it sends it.
 */
function routingAction(callId: string, attemptNo: number, cmd: Extract<Command, { type: 'transfer' | 'hangup' }>): Statement {
  return statement(
    `INSERT INTO routing_action (call_id, attempt_no, entry, kind, target, state) VALUES ($1::uuid, $2, $3, $4, $5, 'sending')
     ON CONFLICT (call_id, attempt_no, entry) DO NOTHING RETURNING id, kind, target`,
    callId,
    attemptNo,
    cmd.entry,
    cmd.type,
    cmd.type === 'transfer' ? cmd.target : null,
  );
}
