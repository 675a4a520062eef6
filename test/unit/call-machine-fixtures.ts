/**
 * Factories for the call-machine tests. Every call builds fresh values: nothing here is
 * shared mutable state between tests.
 */
import type { CallEvent, FailureClass, RecordStatus } from '../../src/domain/call-events.js';
import {
  initialCallState,
  next,
  type CallPolicy,
  type CallState,
  type Command,
  type MachineContext,
  type MachineInput,
  type Transition,
} from '../../src/domain/call-machine.js';
import { CALL_STATUSES, OUTCOMES } from '../../src/domain/outcomes.js';

export const T0 = Date.parse('2024-03-12T08:00:00.000Z');
/** The code the callee got by SMS in every test. */
export const RIGHT = '4821';
export const WRONG = '1111';

export const CALL_ID = 'call-1';
export const TRUNK_LEG = 'trunk-1';

export function policy(over: Partial<CallPolicy> = {}): CallPolicy {
  return {
    maxDialAttempts: 3,
    maxCodeAttempts: 3,
    retryDelayMs: 60_000,
    unreachableDelayMs: 5_000,
    confirmKey: '1',
    ivr: { success: '6502', retry: '6503', fail: '6504' },
    ...over,
  };
}

/** A context whose clock reads T0 + ms and whose stored code is RIGHT. */
export function ctxAt(ms = 0, p: CallPolicy = policy(), code = RIGHT): MachineContext {
  return { now: new Date(T0 + ms), policy: p, checkCode: (digits) => digits === code };
}

export function at(ms: number): Date {
  return new Date(T0 + ms);
}

// ---------- PBX events ----------

export interface EventOpts {
  pbxCallId?: string;
  legId?: string | null;
  dedupKey?: string | null;
}

function base(o: EventOpts, defaultLeg: string | null) {
  return {
    dedupKey: o.dedupKey ?? null,
    pbxCallId: o.pbxCallId ?? CALL_ID,
    legId: o.legId === undefined ? defaultLeg : o.legId,
    phone: '13800000001',
    receivedAt: new Date(T0),
  };
}

export const ev = {
  ringing: (o: EventOpts = {}): CallEvent => ({ ...base(o, TRUNK_LEG), type: 'ringing' }),
  answered: (o: EventOpts = {}): CallEvent => ({ ...base(o, TRUNK_LEG), type: 'answered' }),
  /** Digit keys name the trunk leg; the '#' report names the call id, which the driver drops (legId null). */
  key: (key: string, seq: number | null = null, o: EventOpts = {}): CallEvent => ({
    ...base(o, key === '#' ? null : TRUNK_LEG),
    type: 'key',
    key,
    seq,
  }),
  code: (digits: string, o: EventOpts = {}): CallEvent => ({ ...base(o, null), type: 'code', digits }),
  hungup: (o: EventOpts = {}): CallEvent => ({ ...base(o, TRUNK_LEG), type: 'hungup' }),
  failed: (failure: FailureClass, o: EventOpts = {}): CallEvent => ({ ...base(o, TRUNK_LEG), type: 'failed', failure, reason: failure }),
  record: (status: RecordStatus, o: EventOpts = {}): CallEvent => ({
    ...base(o, TRUNK_LEG),
    type: 'record',
    status,
    talkSeconds: null,
    totalSeconds: null,
  }),
};

// ---------- machine inputs ----------

export const inp = {
  dialStarted: (): MachineInput => ({ type: 'dial-started' }),
  accepted: (pbxCallId = CALL_ID): MachineInput => ({ type: 'dial-accepted', pbxCallId }),
  refused: (o: { failure?: FailureClass; permanent?: boolean; reached?: boolean } = {}): MachineInput => ({
    type: 'dial-refused',
    failure: o.failure ?? 'congestion',
    permanent: o.permanent ?? false,
    reached: o.reached ?? true,
    reason: 'test',
  }),
  unknown: (): MachineInput => ({ type: 'dial-unknown', reason: 'timeout' }),
  pbx: (event: CallEvent): MachineInput => ({ type: 'pbx', event }),
  lineCheck: (legId: string | null): MachineInput => ({ type: 'line-check', live: legId === null ? null : { legId } }),
  cancel: (): MachineInput => ({ type: 'cancel' }),
};

// ---------- folding inputs ----------

export interface Played {
  state: CallState;
  transitions: Transition[];
  commands: Command[];
}

/** Folds inputs through next() with one context; returns the last state and what every step did. */
export function play(state: CallState, inputs: MachineInput[], ctx: MachineContext = ctxAt()): Played {
  const transitions: Transition[] = [];
  let s = state;
  for (const i of inputs) {
    const t = next(s, i, ctx);
    transitions.push(t);
    s = t.state;
  }
  return { state: s, transitions, commands: transitions.flatMap((t) => t.commands) };
}

export function playFromStart(inputs: MachineInput[], ctx: MachineContext = ctxAt()): Played {
  return play(initialCallState(), inputs, ctx);
}

export function finishedOf(commands: Command[]): Command[] {
  return commands.filter((c) => c.type === 'finished');
}

export function routingOf(commands: Command[]): Command[] {
  return commands.filter((c) => c.type === 'transfer' || c.type === 'hangup');
}

// ---------- input sequences that lead somewhere ----------

export const seq = {
  /** dial-started and dial-accepted for one attempt. */
  dial: (pbxCallId = CALL_ID): MachineInput[] => [inp.dialStarted(), inp.accepted(pbxCallId)],
  ringing: (pbxCallId = CALL_ID, legId = TRUNK_LEG): MachineInput[] => [...seq.dial(pbxCallId), inp.pbx(ev.ringing({ pbxCallId, legId }))],
  answered: (pbxCallId = CALL_ID, legId = TRUNK_LEG): MachineInput[] => [...seq.ringing(pbxCallId, legId), inp.pbx(ev.answered({ pbxCallId, legId }))],
  confirmed: (): MachineInput[] => [...seq.answered(), inp.pbx(ev.key('1', 1))],
  /** One code entry as a key-reporting PBX sends it: each digit, '#', then the whole code. */
  entry: (digits: string, firstSeq = 2): MachineInput[] => [
    ...[...digits].map((d, i) => inp.pbx(ev.key(d, firstSeq + i))),
    inp.pbx(ev.key('#', firstSeq + digits.length)),
    inp.pbx(ev.code(digits)),
  ],
  /** An attempt that rang out without an answer. */
  unanswered: (pbxCallId = CALL_ID): MachineInput[] => [...seq.ringing(pbxCallId), inp.pbx(ev.hungup({ pbxCallId }))],
};

// ---------- invariants ----------

const STATUSES: readonly string[] = CALL_STATUSES;
const OUTCOME_VALUES: readonly (string | null)[] = [...OUTCOMES, null];

/**
 * The invariants every single transition must keep. Returns what was broken, in words
 * (empty when all hold), so a table or a random run can report every breach at once.
 */
export function invariantBreaches(before: CallState, t: Transition, p: CallPolicy): string[] {
  const out: string[] = [];
  const after = t.state;
  if (!STATUSES.includes(after.status)) out.push(`status ${String(after.status)} is not a call status`);
  if (!OUTCOME_VALUES.includes(after.outcome)) out.push(`outcome ${String(after.outcome)} is not an outcome`);
  if (before.status === 'done') {
    if (after.status !== 'done') out.push(`left done for ${after.status}`);
    if (t.commands.length > 0) out.push(`done call emitted ${JSON.stringify(t.commands)}`);
    if (t.ignored === null) out.push('done call did not say why the input was ignored');
  }
  if (after.status === 'done' && after.outcome === null) out.push('done without an outcome');
  if (after.dialAttempts > p.maxDialAttempts) out.push(`dialAttempts ${after.dialAttempts} > ${p.maxDialAttempts}`);
  if (after.dialAttempts < 0) out.push(`dialAttempts ${after.dialAttempts} < 0`);
  if (after.codeAttempts > p.maxCodeAttempts) out.push(`codeAttempts ${after.codeAttempts} > ${p.maxCodeAttempts}`);
  const finished = t.commands.filter((c) => c.type === 'finished');
  if (finished.length > 1) out.push(`${finished.length} finished commands in one transition`);
  const outcomeSet = before.outcome === null && after.outcome !== null;
  if (finished.length > 0 && !outcomeSet) out.push(`finished while the outcome went ${before.outcome} -> ${after.outcome}`);
  if (outcomeSet && finished.length === 0) out.push(`outcome set to ${after.outcome} without a finished command`);
  for (const f of finished) if (f.type === 'finished' && f.outcome !== after.outcome) out.push(`finished ${f.outcome} but outcome ${after.outcome}`);
  if (before.outcome !== null && after.outcome !== before.outcome) out.push(`outcome changed ${before.outcome} -> ${after.outcome}`);
  const targets = [p.ivr.success, p.ivr.retry, ...(p.ivr.fail ? [p.ivr.fail] : [])];
  for (const c of t.commands) if (c.type === 'transfer' && !targets.includes(c.target)) out.push(`transfer to ${c.target}, not a policy IVR`);
  if (t.ignored !== null && t.commands.length > 0) out.push(`ignored (${t.ignored}) but emitted ${JSON.stringify(t.commands)}`);
  return out;
}
