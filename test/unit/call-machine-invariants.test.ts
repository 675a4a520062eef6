import { describe, it, expect } from 'vitest';
import type { CallEvent, FailureClass, RecordStatus } from '../../src/domain/call-events.js';
import { initialCallState, next, type CallPolicy, type CallState, type MachineInput } from '../../src/domain/call-machine.js';
import { CALL_STATUSES, OUTCOMES, type CallStatus, type Outcome } from '../../src/domain/outcomes.js';
import { RIGHT, WRONG, at, ctxAt, ev, inp, invariantBreaches, playFromStart, policy, seq } from './call-machine-fixtures.js';

const FAILURES: readonly FailureClass[] = ['busy', 'no_answer', 'congestion', 'invalid_number', 'no_permission', 'unreachable', 'other'];
const RECORD_STATUSES: readonly RecordStatus[] = ['answered', 'no_answer', 'busy', 'failed', 'voicemail', 'unknown'];

// ---------- every state x every input ----------

type Fixture = { name: string; status: CallStatus; inputs: () => MachineInput[] };

const twoUnanswered = (): MachineInput[] => [...seq.unanswered(), ...seq.unanswered()];
const wrongs = (n: number): MachineInput[] => Array.from({ length: n }, (_, i) => seq.entry(WRONG, 2 + i * 5)).flat();

/** Calls brought into each status by real input sequences (default policy: 3 dials, 3 codes). */
const STATES: Fixture[] = [
  { name: 'pending, never dialled', status: 'pending', inputs: () => [] },
  { name: 'pending after one unanswered attempt', status: 'pending', inputs: () => seq.unanswered() },
  { name: 'pending before the last attempt', status: 'pending', inputs: twoUnanswered },
  { name: 'pending after a dial that never reached the PBX', status: 'pending', inputs: () => [inp.dialStarted(), inp.refused({ reached: false })] },
  { name: 'dialling, no answer to the dial request yet', status: 'dialling', inputs: () => [inp.dialStarted()] },
  { name: 'dialling, accepted', status: 'dialling', inputs: () => seq.dial() },
  { name: 'dialling, result unknown', status: 'dialling', inputs: () => [inp.dialStarted(), inp.unknown()] },
  { name: 'dialling, last attempt', status: 'dialling', inputs: () => [...twoUnanswered(), ...seq.dial('call-3')] },
  { name: 'ringing', status: 'ringing', inputs: () => seq.ringing() },
  { name: 'ringing, last attempt', status: 'ringing', inputs: () => [...twoUnanswered(), ...seq.ringing('call-3')] },
  { name: 'answered', status: 'answered', inputs: () => seq.answered() },
  { name: 'answered, last attempt', status: 'answered', inputs: () => [...twoUnanswered(), ...seq.answered('call-3')] },
  { name: 'confirmed, no code yet', status: 'confirmed', inputs: () => seq.confirmed() },
  { name: 'confirmed after one wrong code', status: 'confirmed', inputs: () => [...seq.confirmed(), ...wrongs(1)] },
  { name: 'confirmed with one code attempt left', status: 'confirmed', inputs: () => [...seq.confirmed(), ...wrongs(2)] },
  {
    name: 'confirmed with one code attempt left, PBX without key reports',
    status: 'confirmed',
    inputs: () => [...seq.answered(), inp.pbx(ev.key('1', null)), inp.pbx(ev.code(WRONG)), inp.pbx(ev.code(WRONG))],
  },
  { name: 'routed as verified', status: 'routed', inputs: () => [...seq.confirmed(), ...seq.entry(RIGHT)] },
  { name: 'routed as code_failed', status: 'routed', inputs: () => [...seq.confirmed(), ...wrongs(3)] },
  { name: 'done: verified', status: 'done', inputs: () => [...seq.confirmed(), ...seq.entry(RIGHT), inp.pbx(ev.hungup())] },
  { name: 'done: code_failed', status: 'done', inputs: () => [...seq.confirmed(), ...wrongs(3), inp.pbx(ev.hungup())] },
  { name: 'done: declined', status: 'done', inputs: () => [...seq.answered(), inp.pbx(ev.hungup())] },
  { name: 'done: abandoned', status: 'done', inputs: () => [...seq.confirmed(), inp.pbx(ev.hungup())] },
  { name: 'done: no_answer', status: 'done', inputs: () => [...twoUnanswered(), ...seq.unanswered()] },
  { name: 'done: failed', status: 'done', inputs: () => [...seq.dial(), inp.pbx(ev.failed('invalid_number'))] },
  { name: 'done: cancelled', status: 'done', inputs: () => [inp.cancel()] },
];

/** Every input type, every PBX event type, with the variants that take different paths. */
const INPUTS: { name: string; input: () => MachineInput }[] = [
  { name: 'dial-started', input: () => inp.dialStarted() },
  { name: 'dial-accepted', input: () => inp.accepted('call-9') },
  { name: 'dial-refused reached retryable', input: () => inp.refused({ failure: 'congestion', permanent: false, reached: true }) },
  { name: 'dial-refused reached permanent', input: () => inp.refused({ failure: 'invalid_number', permanent: true, reached: true }) },
  { name: 'dial-refused unreached retryable', input: () => inp.refused({ failure: 'unreachable', permanent: false, reached: false }) },
  { name: 'dial-refused unreached permanent', input: () => inp.refused({ failure: 'other', permanent: true, reached: false }) },
  { name: 'dial-unknown', input: () => inp.unknown() },
  { name: 'ringing', input: () => inp.pbx(ev.ringing()) },
  { name: 'answered', input: () => inp.pbx(ev.answered()) },
  { name: 'key 1 (confirm)', input: () => inp.pbx(ev.key('1', 20)) },
  { name: 'key 5', input: () => inp.pbx(ev.key('5', 21)) },
  { name: 'key #', input: () => inp.pbx(ev.key('#', 22)) },
  { name: 'code right', input: () => inp.pbx(ev.code(RIGHT)) },
  { name: 'code wrong', input: () => inp.pbx(ev.code(WRONG)) },
  { name: 'hungup', input: () => inp.pbx(ev.hungup()) },
  ...FAILURES.map((f) => ({ name: `failed ${f}`, input: () => inp.pbx(ev.failed(f)) })),
  ...RECORD_STATUSES.map((s) => ({ name: `record ${s}`, input: () => inp.pbx(ev.record(s)) })),
  { name: 'line-check live', input: () => inp.lineCheck('leg-live') },
  { name: 'line-check gone', input: () => inp.lineCheck(null) },
  { name: 'cancel', input: () => inp.cancel() },
];

describe('every state x every input', () => {
  it('has a fixture for every call status', () => {
    expect(new Set(STATES.map((s) => s.status))).toEqual(new Set(CALL_STATUSES));
  });

  it('covers every machine input type and every PBX event type', () => {
    const inputTypes = new Set(INPUTS.map((i) => i.input().type));
    expect(inputTypes).toEqual(new Set(['dial-started', 'dial-accepted', 'dial-refused', 'dial-unknown', 'pbx', 'line-check', 'cancel']));
    const eventTypes = new Set(INPUTS.map((i) => i.input()).flatMap((i) => (i.type === 'pbx' ? [i.event.type] : [])));
    expect(eventTypes).toEqual(new Set<CallEvent['type']>(['ringing', 'answered', 'key', 'code', 'hungup', 'failed', 'record']));
  });

  it.each(STATES)('brings the fixture "$name" into status $status', ({ status, inputs }) => {
    expect(playFromStart(inputs()).state.status).toBe(status);
  });

  it.each(STATES)('keeps every invariant for a call $name, whatever input comes', ({ inputs }) => {
    const p = policy();
    const before = playFromStart(inputs(), ctxAt(0, p)).state;
    const breaches: string[] = [];
    for (const { name, input } of INPUTS) {
      const t = next(before, input(), ctxAt(1_000, p));
      for (const b of invariantBreaches(before, t, p)) breaches.push(`${name}: ${b}`);
    }
    expect(breaches).toEqual([]);
  });

  it.each(STATES.filter((s) => s.status === 'done'))('leaves a call $name exactly as it was for every input', ({ inputs }) => {
    const before = playFromStart(inputs()).state;
    for (const { input } of INPUTS) {
      const t = next(before, input(), ctxAt(1_000));
      expect(t.state).toEqual(before);
      expect(t.commands).toEqual([]);
      expect(t.ignored).toEqual(expect.any(String));
    }
  });

  it('does not let next() change the state it was given', () => {
    for (const { inputs } of STATES) {
      const before = playFromStart(inputs()).state;
      const copy = structuredClone(before);
      for (const { input } of INPUTS) next(before, input(), ctxAt(1_000));
      expect(before).toEqual(copy);
    }
  });
});

// ---------- random sequences ----------

/** mulberry32: a tiny seeded PRNG, so every run feeds the same sequences. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, xs: readonly T[]): T {
  const x = xs[Math.floor(rnd() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}

function randomPolicy(rnd: () => number): CallPolicy {
  return policy({
    maxDialAttempts: 1 + Math.floor(rnd() * 4),
    maxCodeAttempts: 1 + Math.floor(rnd() * 4),
    ivr: { success: '6502', retry: '6503', fail: rnd() < 0.5 ? '6504' : null },
    optOutKey: rnd() < 0.5 ? '9' : null,
  });
}

function randomEvent(rnd: () => number): CallEvent {
  const o = { pbxCallId: pick(rnd, ['call-1', 'call-1', 'call-2']), legId: pick(rnd, ['trunk-1', 'trunk-1', 'trunk-2', null]) };
  const kind = pick(rnd, ['ringing', 'answered', 'key', 'key', 'key', 'code', 'code', 'hungup', 'failed', 'record'] as const);
  switch (kind) {
    case 'ringing':
      return ev.ringing(o);
    case 'answered':
      return ev.answered(o);
    case 'key':
      return ev.key(pick(rnd, ['1', '1', '2', '5', '#', '9']), rnd() < 0.8 ? Math.floor(rnd() * 50) : null, o);
    case 'code':
      return ev.code(pick(rnd, [RIGHT, WRONG, WRONG, '0000']), o);
    case 'hungup':
      return ev.hungup(o);
    case 'failed':
      return ev.failed(pick(rnd, FAILURES), o);
    case 'record':
      return ev.record(pick(rnd, RECORD_STATUSES), o);
  }
}

function randomInput(rnd: () => number): MachineInput {
  const r = rnd();
  if (r < 0.15) return inp.dialStarted();
  if (r < 0.2) return inp.accepted(pick(rnd, ['call-1', 'call-2']));
  if (r < 0.26) return inp.refused({ failure: pick(rnd, FAILURES), permanent: rnd() < 0.3, reached: rnd() < 0.6 });
  if (r < 0.29) return inp.unknown();
  if (r < 0.34) return inp.lineCheck(rnd() < 0.5 ? null : pick(rnd, ['trunk-1', 'leg-live']));
  if (r < 0.36) return inp.cancel();
  if (r < 0.37) return { type: 'cancel', hangup: true };
  if (r < 0.38) return { type: 'expire' };
  if (r < 0.39) return { type: 'suppress' };
  if (r < 0.4) return { type: 'retry-now' };
  if (r < 0.41) return { type: 'postpone', until: at(Math.floor(rnd() * 3_600_000)), reason: 'outside_window' };
  return inp.pbx(randomEvent(rnd));
}

describe('random input sequences', () => {
  const SEQUENCES = 500;
  const LENGTH = 40;

  it('keep every invariant at every step, never change an outcome once set and send finished at most once', () => {
    const breaches: string[] = [];
    const seenStatuses = new Set<CallStatus>();
    const seenOutcomes = new Set<Outcome>();
    for (let n = 0; n < SEQUENCES && breaches.length < 5; n++) {
      const seed = (0xc0deca11 ^ n) >>> 0;
      const rnd = mulberry32(seed);
      const p = randomPolicy(rnd);
      let state: CallState = initialCallState();
      let firstOutcome: Outcome | null = null;
      let finished = 0;
      const trail: string[] = [];
      for (let step = 0; step < LENGTH; step++) {
        const input = randomInput(rnd);
        trail.push(input.type === 'pbx' ? `pbx:${input.event.type}` : input.type);
        const t = next(state, input, ctxAt(step * 1_000, p));
        const where = `seed ${seed} step ${step} (${trail.join(' > ')})`;
        for (const b of invariantBreaches(state, t, p)) breaches.push(`${where}: ${b}`);
        finished += t.commands.filter((c) => c.type === 'finished').length;
        if (finished > 1) breaches.push(`${where}: ${finished} finished commands in one sequence`);
        if (firstOutcome !== null && t.state.outcome !== firstOutcome) breaches.push(`${where}: outcome ${firstOutcome} became ${t.state.outcome}`);
        firstOutcome ??= t.state.outcome;
        state = t.state;
        seenStatuses.add(state.status);
        if (state.outcome) seenOutcomes.add(state.outcome);
      }
    }
    expect(breaches).toEqual([]);
    // The generator must actually reach every status and outcome, or the property says little.
    expect(new Set(seenStatuses)).toEqual(new Set(CALL_STATUSES));
    expect(new Set(seenOutcomes)).toEqual(new Set(OUTCOMES));
  });
});
