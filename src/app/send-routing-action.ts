import { runTogether, statement, type Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import type { PbxDriver } from '../pbx/driver.js';
import { PbxOutcomeUnknownError, PbxRejectedError, wasNotSent } from '../pbx/pbx-errors.js';
import { timelineEntry } from './timeline.js';

export interface RoutingDeps {
  prisma: Db;
  driver: PbxDriver;
  log: Logger;
  /** Asks for another try later, for actions that surely did not reach the PBX. */
  retryLater: (id: bigint) => Promise<void>;
}

/**
 * Sends one transfer or hang-up at most once: the action is claimed (pending -> sending)
 * before the request goes out. One whose request may have reached the PBX is never sent
 * again; if it did not take effect the caller is back in the code IVR, and the code they key
 * there makes the machine send the decision anew.
 */
export async function sendRoutingAction(deps: RoutingDeps, id: bigint): Promise<void> {
  const claimed = await deps.prisma.query<{ call_id: string; attempt_no: number; kind: string; target: string | null; pbx_call_id: string | null; leg_id: string | null; phone: string; fresh: boolean }>(
    `WITH c AS (UPDATE routing_action SET state = 'sending', updated_at = now() WHERE id = $1 AND state = 'pending' RETURNING call_id, attempt_no, kind, target, created_at)
     SELECT c.call_id, c.attempt_no, c.kind, c.target, a.pbx_call_id, a.leg_id, a.phone, c.created_at > now() - interval '1 minute' AS fresh
     FROM c JOIN dial_attempt a ON a.call_id = c.call_id AND a.no = c.attempt_no`,
    id,
  );
  const a = claimed[0];
  if (!a) return;
  const ref = { pbxCallId: a.pbx_call_id ?? '', legId: a.leg_id, phone: a.phone };
  let state: string;
  let error: string | null = null;
  try {
    if (a.kind === 'transfer') await deps.driver.transfer(ref, a.target!);
    else await deps.driver.hangup(ref);
    state = 'sent';
    deps.log.info({ event: 'route.sent', callId: a.call_id, attempt: a.attempt_no, kind: a.kind, target: a.target }, `${a.kind} sent`);
  } catch (err) {
    error = (err as Error).message;
    // Worth another try while the caller may still be holding; after that the IVR has moved on.
    if ((wasNotSent(err) || (err instanceof PbxRejectedError && err.retryable)) && a.fresh) state = 'pending';
    else if (err instanceof PbxOutcomeUnknownError) state = 'unknown';
    else state = 'failed';
    const level = err instanceof PbxRejectedError && err.pbxCode === '10007' ? 'info' : 'warn';
    deps.log[level]({ event: 'route.failed', callId: a.call_id, kind: a.kind, err: error }, 'routing action failed');
  }
  await runTogether(deps.prisma, [
    statement(`UPDATE routing_action SET state = $2, error = $3, updated_at = now() WHERE id = $1`, id, state, error),
    timelineEntry(a.call_id, a.attempt_no, new Date(), `route.${a.kind}`, { target: a.target, state, ...(error ? { error } : {}) }),
  ]);
  if (state === 'pending') await deps.retryLater(id);
}
