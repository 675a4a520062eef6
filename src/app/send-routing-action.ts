import { runTogether, statement, type Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import type { PbxCallRef, PbxDriver } from '../pbx/driver.js';
import { PbxOutcomeUnknownError, PbxRejectedError, wasNotSent } from '../pbx/pbx-errors.js';
import { timelineEntry } from './timeline.js';

export interface RoutingDeps {
  prisma: Db;
  driver: PbxDriver;
  log: Logger;
  /** Asks for another try later, for actions that surely did not reach the PBX. */
  retryLater: (id: bigint) => Promise<void>;
}

/** A routing action claimed for sending (state `sending`), with what sending it needs. */
export interface ClaimedAction {
  id: bigint;
  callId: string;
  attemptNo: number;
  kind: 'transfer' | 'hangup';
  target: string | null;
  call: PbxCallRef;
  /** Young enough to try again if it surely did not reach the PBX: the caller may still be holding. */
  fresh: boolean;
}

/**
 * Each transfer or hang-up is sent at most once: it is claimed (state `sending`) before its
 * request goes out. The transition that decides an action writes it already claimed, in its
 * own transaction, and its process sends it once that commits: a caller on hold waits for
 * no claim of its own. An action that surely did not reach the PBX goes back to `pending`,
 * and its retry (or the sweeper) claims it again here. One whose request may have reached
 * the PBX is never sent again; if it did not take effect the caller is back in the code IVR,
 * and the code they key there makes the machine send the decision anew.
 */
export async function sendRoutingAction(deps: RoutingDeps, id: bigint): Promise<void> {
  const [a] = await deps.prisma.query<{ call_id: string; attempt_no: number; kind: ClaimedAction['kind']; target: string | null; pbx_call_id: string | null; leg_id: string | null; phone: string; fresh: boolean }>(
    `WITH c AS (UPDATE routing_action SET state = 'sending', updated_at = now() WHERE id = $1 AND state = 'pending' RETURNING call_id, attempt_no, kind, target, created_at)
     SELECT c.call_id, c.attempt_no, c.kind, c.target, a.pbx_call_id, a.leg_id, a.phone, c.created_at > now() - interval '1 minute' AS fresh
     FROM c JOIN dial_attempt a ON a.call_id = c.call_id AND a.no = c.attempt_no`,
    id,
  );
  if (!a) return;
  await deliverRoutingAction(deps, { id, callId: a.call_id, attemptNo: a.attempt_no, kind: a.kind, target: a.target, call: { pbxCallId: a.pbx_call_id ?? '', legId: a.leg_id, phone: a.phone }, fresh: a.fresh });
}

/** Sends a claimed action and records how it went. */
export async function deliverRoutingAction(deps: RoutingDeps, a: ClaimedAction): Promise<void> {
  let state: string;
  let error: string | null = null;
  try {
    if (a.kind === 'transfer') await deps.driver.transfer(a.call, a.target!);
    else await deps.driver.hangup(a.call);
    state = 'sent';
    deps.log.info({ event: 'route.sent', callId: a.callId, attempt: a.attemptNo, kind: a.kind, target: a.target }, `${a.kind} sent`);
  } catch (err) {
    error = (err as Error).message;
    // Worth another try while the caller may still be holding; after that the IVR has moved on.
    if ((wasNotSent(err) || (err instanceof PbxRejectedError && err.retryable)) && a.fresh) state = 'pending';
    else if (err instanceof PbxOutcomeUnknownError) state = 'unknown';
    else state = 'failed';
    const level = err instanceof PbxRejectedError && err.pbxCode === '10007' ? 'info' : 'warn';
    deps.log[level]({ event: 'route.failed', callId: a.callId, kind: a.kind, err: error }, 'routing action failed');
  }
  await runTogether(deps.prisma, [
    statement(`UPDATE routing_action SET state = $2, error = $3, updated_at = now() WHERE id = $1`, a.id, state, error),
    timelineEntry(a.callId, a.attemptNo, new Date(), `route.${a.kind}`, { target: a.target, state, ...(error ? { error } : {}) }),
  ]);
  if (state === 'pending') await deps.retryLater(a.id);
}
