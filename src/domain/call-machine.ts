import { isPermanentFailure, type CallEvent, type FailureClass } from './call-events.js';
import { assertNever, type CallStatus, type Outcome, type WaitReason } from './outcomes.js';

/**
 * The life of one call as a pure function: next(state, input, ctx) -> { state, commands }.
 * No I/O, no clock, no secrets: time and the code check come in through ctx. Adapters
 * persist the new state and then carry out the commands.
 */

export interface AttemptState {
  no: number;
  pbxCallId: string | null;
  legId: string | null;
  /** The dial request got no answer: the call may or may not exist. */
  unknown: boolean;
  answered: boolean;
  confirmed: boolean;
  keysSeen: number;
  /**
   * Digit keys reported since the last entry taken, less the digits of entries whose keys have
   * not all arrived yet: reports race each other, so an entry may be taken before its last
   * keys arrive, and this is then below 0 until they do. While no '#' came, a code report is
   * a new entry only when this is above 0.
   */
  digitsAhead?: number;
  /** Times the decision was sent again because the caller came back to the code IVR. */
  resends?: number;
  /** '#' keys reported, and code entries taken, in this attempt: each entry ends with a '#'. */
  hashes?: number;
  entries?: number;
  /** Keys other than '#' reported since the last '#': the digits of the entry being keyed. */
  keysSinceHash?: number;
}

export interface CallState {
  status: CallStatus;
  outcome: Outcome | null;
  dialAttempts: number;
  codeAttempts: number;
  attempt: AttemptState | null;
  nextDialAt: Date | null;
  /** Why a pending call waits until nextDialAt. */
  waitReason: WaitReason | null;
  lastFailure: FailureClass | null;
}

/** Outcome classes with a retry rule of their own. */
export const RETRY_CLASSES = ['no_answer', 'busy', 'failed', 'congestion', 'declined', 'abandoned'] as const;
export type RetryClass = (typeof RETRY_CLASSES)[number];
export interface RetryRule {
  retry: boolean;
  delayMs: number;
}

export interface CallPolicy {
  /** The cap on attempts that every retry rule shares. */
  maxDialAttempts: number;
  maxCodeAttempts: number;
  /** Delay before another attempt, for classes without a rule of their own. */
  retryDelayMs: number;
  /** Per-class rules; by default unanswered, busy and failed calls are retried, declined and abandoned ones are not. */
  retry?: Partial<Record<RetryClass, RetryRule>>;
  /** A key that, pressed in the entry IVR, puts the number on the suppression list. */
  optOutKey?: string | null;
  /** Wait before dialling again when the PBX could not be reached at all. */
  unreachableDelayMs: number;
  confirmKey: string;
  ivr: { success: string; retry: string; fail: string | null };
}

export interface MachineContext {
  now: Date;
  policy: CallPolicy;
  /** Constant-time comparison of keyed digits with the call's stored code. */
  checkCode: (digits: string) => boolean;
  /** The call's deadline: nothing is dialled after it. */
  deadline?: Date | null;
  /** After this a right code no longer verifies. */
  codeExpiresAt?: Date | null;
  /** The earliest time at or after `at` when the callee may be called (window, blocked dates), or null for never. */
  nextOpening?: (at: Date) => { at: Date; reason: WaitReason | null } | null;
}

export type MachineInput =
  /** The dispatcher claimed the call for its next attempt. */
  | { type: 'dial-started' }
  | { type: 'dial-accepted'; pbxCallId: string }
  /** The PBX refused the dial, or could not be reached (`reached: false`: nobody was called). */
  | { type: 'dial-refused'; failure: FailureClass; permanent: boolean; reached: boolean; reason: string }
  | { type: 'dial-unknown'; reason: string }
  | { type: 'pbx'; event: CallEvent }
  /** The watchdog asked the PBX which calls are live: `live` says whether this one is. */
  | { type: 'line-check'; live: { legId: string } | null }
  /** The call's personal prompt could not be rendered: it must not be dialled without it. */
  | { type: 'prepare-failed'; reason: string }
  /** The dispatcher may not dial it yet (window, number gap, frequency cap): wait until `until`. */
  | { type: 'postpone'; until: Date; reason: WaitReason }
  /** Its deadline passed while it waited. */
  | { type: 'expire' }
  /** The number is on the suppression list. */
  | { type: 'suppress' }
  /** An operator asks for the next attempt now. */
  | { type: 'retry-now' }
  /** An operator cancels it; a live call is cut only with `hangup`. */
  | { type: 'cancel'; hangup?: boolean };

export type Command =
  | { type: 'transfer'; target: string; entry: number }
  /** `entry` is the code entry it answers, or 0 for an operator's. */
  | { type: 'hangup'; entry: number }
  /** Put the number on the suppression list (the callee opted out). */
  | { type: 'suppress-number' }
  | { type: 'finished'; outcome: Outcome };

export interface Transition {
  state: CallState;
  commands: Command[];
  /** Why the input changed nothing, for the call's timeline. */
  ignored: string | null;
  /** Why the change was what it was, when that is not obvious, for the timeline. */
  note?: string;
}

export function initialCallState(): CallState {
  return { status: 'pending', outcome: null, dialAttempts: 0, codeAttempts: 0, attempt: null, nextDialAt: null, waitReason: null, lastFailure: null };
}

export function next(state: CallState, input: MachineInput, ctx: MachineContext): Transition {
  switch (input.type) {
    case 'dial-started':
      if (state.status !== 'pending') return ignore(state, `not pending but ${state.status}`);
      return ok({
        ...state,
        status: 'dialling',
        dialAttempts: state.dialAttempts + 1,
        nextDialAt: null,
        waitReason: null,
        attempt: { no: state.dialAttempts + 1, pbxCallId: null, legId: null, unknown: false, answered: false, confirmed: false, keysSeen: 0 },
      });
    case 'dial-accepted':
      if (!state.attempt || state.status === 'pending' || state.status === 'done') return ignore(state, 'attempt already over');
      return ok({ ...state, attempt: { ...state.attempt, pbxCallId: state.attempt.pbxCallId ?? input.pbxCallId, unknown: false } });
    case 'dial-refused':
      if (state.status !== 'dialling') return ignore(state, `dial answer came in ${state.status}`);
      if (!input.reached) {
        // Nobody was called: this try does not count against the callee's attempts.
        return ok({ ...state, status: 'pending', dialAttempts: state.dialAttempts - 1, attempt: null, nextDialAt: after(ctx, ctx.policy.unreachableDelayMs), waitReason: 'pbx_unreachable' });
      }
      return endAttempt(state, ctx, input.failure, input.permanent || isPermanentFailure(input.failure));
    case 'dial-unknown':
      if (state.status !== 'dialling' || !state.attempt) return ignore(state, `dial result unknown in ${state.status}`);
      return ok({ ...state, attempt: { ...state.attempt, unknown: true } });
    case 'pbx':
      return onPbxEvent(state, input.event, ctx);
    case 'line-check':
      if (!isLive(state) || !state.attempt) return ignore(state, `not live but ${state.status}`);
      if (input.live) return ok({ ...state, attempt: { ...state.attempt, legId: state.attempt.legId ?? input.live.legId, unknown: false } });
      // The PBX has no such call: it ended while its reports were lost, or was never placed.
      return endAttempt(state, ctx, state.attempt.answered ? 'other' : 'no_answer', false);
    case 'prepare-failed':
      if (state.status !== 'pending') return ignore(state, `prompt failed in ${state.status}`);
      return finish({ ...state, lastFailure: 'other' }, 'failed');
    case 'postpone':
      if (state.status !== 'pending') return ignore(state, `not pending but ${state.status}`);
      if (ctx.deadline && input.until > ctx.deadline) return finish(state, 'expired', `cannot be dialled (${input.reason}) before its deadline`);
      return ok({ ...state, nextDialAt: input.until, waitReason: input.reason });
    case 'expire':
      if (state.status !== 'pending') return ignore(state, `deadline passed in ${state.status}`);
      return finish(state, 'expired');
    case 'suppress': {
      // Only a dial claimed and not yet sent can be withdrawn; one the PBX took may be ringing.
      const unsent = state.status === 'dialling' && state.attempt?.pbxCallId === null && !state.attempt.unknown;
      if (state.status !== 'pending' && !unsent) return ignore(state, `suppressed in ${state.status}`);
      // A dial claimed but not yet sent is withdrawn: the attempt does not count.
      return finish({ ...state, dialAttempts: unsent ? state.dialAttempts - 1 : state.dialAttempts }, 'suppressed');
    }
    case 'retry-now':
      if (state.status !== 'pending') return ignore(state, `not pending but ${state.status}`);
      return ok({ ...state, nextDialAt: ctx.now, waitReason: null });
    case 'cancel':
      if (state.status === 'pending') return finish(state, 'cancelled');
      if (state.status === 'done') return ignore(state, 'already done');
      if (!input.hangup) return ignore(state, 'live calls are not cut unless asked');
      if (state.outcome) return ok(state, { type: 'hangup', entry: 0 });
      return ok({ ...state, status: 'routed', outcome: 'cancelled' }, { type: 'hangup', entry: 0 }, { type: 'finished', outcome: 'cancelled' });
    default:
      return assertNever(input);
  }
}

function onPbxEvent(state: CallState, event: CallEvent, ctx: MachineContext): Transition {
  if (!isLive(state) || !state.attempt) return ignore(state, `${event.type} report after the attempt ended`);
  const attempt: AttemptState = {
    ...state.attempt,
    pbxCallId: state.attempt.pbxCallId ?? event.pbxCallId,
    legId: state.attempt.legId ?? event.legId,
    unknown: false,
  };
  const s: CallState = { ...state, attempt };
  switch (event.type) {
    case 'ringing':
      return ok(s.status === 'dialling' ? { ...s, status: 'ringing' } : s);
    case 'answered':
      return ok(answer(s));
    case 'key':
      return onKey(answer(s), event.key, ctx);
    case 'code':
      return onCode(answer(s), event.digits, ctx);
    case 'hungup':
      return endAttempt(s, ctx, attempt.answered ? 'other' : 'no_answer', false);
    case 'failed':
      return endAttempt(s, ctx, event.failure, isPermanentFailure(event.failure));
    case 'record':
      // A record is the last word on an attempt whose other reports were lost.
      if (event.status === 'answered' || event.status === 'voicemail') return endAttempt(answer(s), ctx, 'other', false);
      return endAttempt(s, ctx, event.status === 'busy' ? 'busy' : event.status === 'no_answer' ? 'no_answer' : 'other', false);
    default:
      return assertNever(event);
  }
}

/**
 * A code keyed after the call was routed means the caller is back in the code IVR: the
 * transfer did not take effect (it timed out, or the PBX lost it). Send the decision again,
 * numbered apart from code entries (entry + 100 per resend) so each is sent once.
 */
function resendDecision(s: CallState, attempt: AttemptState, ctx: MachineContext): Transition {
  const { ivr } = ctx.policy;
  const resends = (attempt.resends ?? 0) + 1;
  const entry = s.codeAttempts + 100 * resends;
  const target = s.outcome === 'verified' ? ivr.success : s.outcome === 'code_failed' ? ivr.fail : undefined;
  if (target === undefined) return ignore(s, `code entered after the call was routed (${s.outcome})`);
  const next: CallState = { ...s, attempt: { ...attempt, resends } };
  const route: Command = target ? { type: 'transfer', target, entry } : { type: 'hangup', entry };
  return { ...ok(next, route), note: 'caller back in the code IVR: decision sent again' };
}

/** Any sign of the callee in the IVR means the call was answered, whatever order reports came in. */
function answer(s: CallState): CallState {
  if (!s.attempt || s.attempt.answered) return s;
  return { ...s, status: s.status === 'dialling' || s.status === 'ringing' ? 'answered' : s.status, attempt: { ...s.attempt, answered: true } };
}

function onKey(s: CallState, key: string, ctx: MachineContext): Transition {
  const attempt = s.attempt!;
  if (s.status === 'answered') {
    if (ctx.policy.optOutKey && key === ctx.policy.optOutKey) {
      return ok({ ...s, status: 'routed', outcome: 'opted_out' }, { type: 'suppress-number' }, { type: 'finished', outcome: 'opted_out' });
    }
    if (key !== ctx.policy.confirmKey) return ignore(s, 'a key other than the confirm key in the entry IVR');
    return ok({ ...s, status: 'confirmed', attempt: { ...attempt, confirmed: true } });
  }
  const hash = key === '#';
  return ok({
    ...s,
    attempt: {
      ...attempt,
      keysSeen: attempt.keysSeen + 1,
      digitsAhead: (attempt.digitsAhead ?? 0) + (hash ? 0 : 1),
      hashes: (attempt.hashes ?? 0) + (hash ? 1 : 0),
      keysSinceHash: hash ? 0 : (attempt.keysSinceHash ?? 0) + 1,
    },
  });
}

/**
 * A resent code report is the same text as the same code keyed again. Where the PBX reports
 * keys, every real entry ends with its own '#', but the '#' and the code report are sent
 * together and may arrive in either order. A '#' not yet matched by an entry means a new
 * one; an entry taken ahead of its '#' makes any code report before that '#' a resend; with
 * every '#' matched, the report is new only if its digits were all keyed since the last '#'.
 * Without '#' reports (none came yet, or the PBX sends none), an entry is new only if a digit
 * was keyed beyond those of the entries taken: the last digits of an entry may arrive after
 * its code report, and its copy after them.
 */
function isRepeatedEntry(s: CallState, attempt: AttemptState, digits: string): boolean {
  const hashes = attempt.hashes ?? 0;
  const entries = attempt.entries ?? 0;
  if (hashes === 0) return entries > 0 && attempt.keysSeen > 0 && (attempt.digitsAhead ?? 0) <= 0;
  if (hashes !== entries) return hashes < entries;
  return digits.length === 0 || attempt.keysSinceHash !== digits.length;
}

function onCode(s: CallState, digits: string, ctx: MachineContext): Transition {
  const attempt = s.attempt!;
  if (isRepeatedEntry(s, attempt, digits)) return ignore(s, 'repeated code report');
  // Keys beyond the entry (a stray key before it, a key report stored twice) are not carried
  // past it: they would make the entry's own copy look new.
  const taken: AttemptState = { ...attempt, digitsAhead: Math.min(0, (attempt.digitsAhead ?? 0) - digits.length), entries: (attempt.entries ?? 0) + 1 };
  if (s.status === 'routed') return resendDecision(s, taken, ctx);
  const entry = s.codeAttempts + 1;
  const base: CallState = { ...s, status: 'confirmed', codeAttempts: entry, attempt: { ...taken, confirmed: true } };
  const { ivr, maxCodeAttempts } = ctx.policy;
  const route: Command = ivr.fail ? { type: 'transfer', target: ivr.fail, entry } : { type: 'hangup', entry };
  const right = ctx.checkCode(digits);
  if (right && ctx.codeExpiresAt && ctx.now > ctx.codeExpiresAt) {
    return { ...ok({ ...base, status: 'routed', outcome: 'code_failed' }, route, { type: 'finished', outcome: 'code_failed' }), note: 'right code, but it expired' };
  }
  if (right) {
    return ok({ ...base, status: 'routed', outcome: 'verified' }, { type: 'transfer', target: ivr.success, entry }, { type: 'finished', outcome: 'verified' });
  }
  if (entry < maxCodeAttempts) return ok(base, { type: 'transfer', target: ivr.retry, entry });
  return ok({ ...base, status: 'routed', outcome: 'code_failed' }, route, { type: 'finished', outcome: 'code_failed' });
}

const DEFAULT_RETRY: Record<RetryClass, boolean> = { no_answer: true, busy: true, failed: true, congestion: true, declined: false, abandoned: false };
const OUTCOME_OF: Record<RetryClass, Outcome> = { no_answer: 'no_answer', busy: 'busy', failed: 'failed', congestion: 'failed', declined: 'declined', abandoned: 'abandoned' };

function retryClassOf(attempt: AttemptState | null, failure: FailureClass): RetryClass {
  if (attempt?.confirmed) return 'abandoned';
  if (attempt?.answered) return 'declined';
  return failure === 'busy' || failure === 'no_answer' || failure === 'congestion' ? failure : 'failed';
}

/** The current attempt is over; decide between an outcome and another attempt. */
function endAttempt(s: CallState, ctx: MachineContext, failure: FailureClass, permanent: boolean): Transition {
  const attempt = s.attempt;
  // Why a dial failed matters for retries; a call that was answered did not fail to connect.
  const ended: CallState = { ...s, attempt: null, lastFailure: attempt?.answered ? s.lastFailure : failure };
  // Outcomes decided while the caller was on the line were announced already.
  if (s.outcome) return ok({ ...ended, status: 'done' });
  const cls = retryClassOf(attempt, failure);
  const rule = ctx.policy.retry?.[cls] ?? { retry: DEFAULT_RETRY[cls], delayMs: ctx.policy.retryDelayMs };
  if (!rule.retry || permanent || s.dialAttempts >= ctx.policy.maxDialAttempts) return finish(ended, OUTCOME_OF[cls]);
  const earliest = after(ctx, rule.delayMs);
  const opening = ctx.nextOpening ? ctx.nextOpening(earliest) : { at: earliest, reason: null };
  if (!opening || (ctx.deadline && opening.at > ctx.deadline)) return finish(ended, 'expired', `no time to call again before the deadline (last attempt: ${cls})`);
  return ok({ ...ended, status: 'pending', nextDialAt: opening.at, waitReason: opening.reason ?? 'retry_delay' });
}

function finish(s: CallState, outcome: Outcome, note?: string): Transition {
  const t = ok({ ...s, status: 'done', outcome, attempt: null, nextDialAt: null, waitReason: null }, { type: 'finished', outcome });
  return note ? { ...t, note } : t;
}

function isLive(s: CallState): boolean {
  return s.status !== 'pending' && s.status !== 'done';
}

function after(ctx: MachineContext, ms: number): Date {
  return new Date(ctx.now.getTime() + ms);
}

function ok(state: CallState, ...commands: Command[]): Transition {
  return { state, commands, ignored: null };
}

function ignore(state: CallState, why: string): Transition {
  return { state, commands: [], ignored: why };
}
