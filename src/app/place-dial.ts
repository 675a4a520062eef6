import { setTimeout as sleep } from 'node:timers/promises';
import type { FailureClass } from '../domain/call-events.js';
import type { MachineInput } from '../domain/call-machine.js';
import { sendDelay } from '../domain/pacing.js';
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { PbxDriver } from '../pbx/driver.js';
import { PbxOutcomeUnknownError, PbxRejectedError, wasNotSent } from '../pbx/pbx-errors.js';
import type { PromptStore } from '../tts/prompt-store.js';
import type { VoiceName } from '../tts/voices.js';
import { transitionCall, type TimelineEntry, type TransitionDeps } from './call-transitions.js';
import { failPreparation } from './prepare-prompts.js';

export interface PlaceDialDeps extends TransitionDeps {
  prisma: Db;
  driver: PbxDriver;
  log: Logger;
  entryIvr: string;
  store: PromptStore;
  /** How long after its slot a dial's request leaves (DIAL_LEAD_MS). */
  leadMs: number;
}

const ERRNO_FAILURE: Record<string, FailureClass> = { '10031': 'invalid_number', '10011': 'invalid_number', '10024': 'no_permission' };

/**
 * Dials one claimed attempt. The attempt row moves claimed -> sending before the request
 * goes out, so a redelivered job (crash, stalled worker) can never dial the same attempt
 * twice; an attempt left in `sending` is settled by the watchdog, not redialled. The request
 * leaves `leadMs` after the dial's slot (`slotAt`, from the dispatcher's pacing), so the PBX
 * sees the campaign's even spacing.
 */
export async function placeDial(deps: PlaceDialDeps, callId: string, attemptNo: number, slotAt?: number): Promise<void> {
  const claimed = await deps.prisma.query<{ phone: string; campaign_status: string; prompt: string | null; voice: VoiceName; suppressed: boolean; late: boolean }>(
    `WITH a AS (UPDATE dial_attempt SET state = 'sending' WHERE call_id = $1::uuid AND no = $2 AND state = 'claimed' RETURNING phone),
          seen AS (UPDATE call SET last_event_at = now() WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM a))
     SELECT a.phone, k.status AS campaign_status, c.prompt, k.voice,
            EXISTS (SELECT 1 FROM suppression s WHERE s.phone = a.phone) AS suppressed,
            coalesce(c.not_after < now(), false) AS late
     FROM a JOIN call c ON c.id = $1::uuid JOIN campaign k ON k.id = c.campaign_id`,
    callId,
    attemptNo,
  );
  const attempt = claimed[0];
  if (!attempt) return;
  // The last look before a person's phone rings: the list and the deadline may have changed
  // since the call was claimed.
  const withdraw = attempt.suppressed ? 'suppressed' : attempt.late ? 'past its deadline' : attempt.campaign_status !== 'running' ? `campaign ${attempt.campaign_status}` : null;
  if (withdraw) {
    metrics.dials.inc({ result: 'withheld' });
    await apply(deps, callId, { type: 'dial-refused', failure: 'other', permanent: false, reached: false, reason: withdraw }, { kind: 'dial.withheld', detail: { reason: withdraw } });
    const end: MachineInput | null = attempt.suppressed ? { type: 'suppress' } : attempt.late ? { type: 'expire' } : attempt.campaign_status === 'cancelled' ? { type: 'cancel' } : null;
    if (end) await apply(deps, callId, end, { kind: `dial.${end.type}` });
    return;
  }
  if (attempt.prompt !== null) {
    try {
      // Rendered ahead into the cache; placed only now, as the file is named after the number.
      const { path } = await deps.store.ensureRendered(attempt.prompt, attempt.voice);
      await deps.store.place(path, attempt.phone);
      await deps.prisma.execute(`UPDATE call SET prompt_placed = true WHERE id = $1::uuid`, callId);
    } catch (err) {
      // Nobody was called; the call fails rather than being dialled without its prompt.
      metrics.dials.inc({ result: 'withheld' });
      await apply(deps, callId, { type: 'dial-refused', failure: 'other', permanent: false, reached: false, reason: 'prompt not available' }, { kind: 'dial.withheld', detail: { reason: 'prompt not available' } });
      await failPreparation(deps, callId, (err as Error).message);
      return;
    }
  }
  let input: MachineInput;
  let entry: TimelineEntry;
  if (slotAt !== undefined) await sleep(sendDelay(slotAt, deps.leadMs, Date.now()));
  try {
    const { pbxCallId } = await deps.driver.dial({ ivr: deps.entryIvr, phone: attempt.phone });
    input = { type: 'dial-accepted', pbxCallId };
    entry = { kind: 'dial.accepted', detail: { pbxCallId } };
    deps.log.info({ event: 'dial.placed', callId, attempt: attemptNo, phone: attempt.phone, pbxCallId }, 'dial placed');
  } catch (err) {
    const reason = (err as Error).message;
    if (wasNotSent(err)) {
      input = { type: 'dial-refused', failure: 'unreachable', permanent: false, reached: false, reason };
    } else if (err instanceof PbxOutcomeUnknownError) {
      input = { type: 'dial-unknown', reason };
    } else if (err instanceof PbxRejectedError) {
      input = { type: 'dial-refused', failure: ERRNO_FAILURE[err.pbxCode] ?? 'other', permanent: !err.retryable, reached: true, reason };
    } else {
      throw err;
    }
    entry = { kind: `dial.${input.type === 'dial-unknown' ? 'unknown' : 'refused'}`, detail: { reason } };
    deps.log.warn({ event: entry.kind, callId, attempt: attemptNo, err: reason }, 'dial did not go through');
  }
  metrics.dials.inc({ result: input.type === 'dial-accepted' ? 'accepted' : input.type === 'dial-unknown' ? 'unknown' : input.reached ? 'refused' : 'unreachable' });
  const applied = await transitionCall(deps, callId, input, entry, attemptNo);
  if (input.type === 'dial-accepted' && (!applied || applied.transition.ignored)) {
    // The attempt was settled while its dial was out (the watchdog, a late answer): nobody
    // follows this call, so it must not ring on.
    await deps.driver.hangup({ pbxCallId: input.pbxCallId, legId: null, phone: attempt.phone }).catch((err: Error) => deps.log.warn({ event: 'dial.orphan_hangup_failed', callId, err: err.message }, 'could not hang up an orphaned call'));
  }
}

function apply(deps: PlaceDialDeps, callId: string, input: MachineInput, entry: TimelineEntry) {
  return transitionCall(deps, callId, input, entry);
}
