import { describe, it, expect } from 'vitest';
import { initialCallState, next, type CallPolicy, type CallState, type MachineContext, type MachineInput } from '../../src/domain/call-machine.js';
import { initialPace, sendDelay, takeSlots, type PaceState } from '../../src/domain/pacing.js';
import { RIGHT, at, ctxAt, ev, finishedOf, inp, play, playFromStart, policy, routingOf, seq } from './call-machine-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A context at T0 + ms with campaign rules (deadline, code expiry, openings) laid over it. */
function ctx(ms = 0, over: Partial<MachineContext> = {}, p: CallPolicy = policy()): MachineContext {
  return { ...ctxAt(ms, p), ...over };
}

const retryPolicy = (over: Partial<CallPolicy> = {}) =>
  policy({ retry: { busy: { retry: true, delayMs: 2 * MIN }, no_answer: { retry: true, delayMs: 10 * MIN } }, ...over });

const busyAttempt = (): MachineInput[] => [...seq.dial(), inp.pbx(ev.failed('busy'))];
const declinedAttempt = (): MachineInput[] => [...seq.answered(), inp.pbx(ev.hungup())];
const cancel = (hangup?: boolean): MachineInput => (hangup === undefined ? { type: 'cancel' } : { type: 'cancel', hangup });

/** Runs the inputs with one context and returns the last state. */
function stateAfter(inputs: MachineInput[], c: MachineContext = ctx()): CallState {
  return playFromStart(inputs, c).state;
}

describe('retry rules per outcome class', () => {
  it('schedules another attempt two minutes after a busy one', () => {
    const { state, commands } = playFromStart(busyAttempt(), ctx(0, {}, retryPolicy()));
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeNull();
    expect(state.nextDialAt).toEqual(at(2 * MIN));
    expect(state.waitReason).toBe('retry_delay');
    expect(commands).toEqual([]);
  });

  it('schedules another attempt ten minutes after an unanswered one', () => {
    const { state, commands } = playFromStart(seq.unanswered(), ctx(0, {}, retryPolicy()));
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeNull();
    expect(state.nextDialAt).toEqual(at(10 * MIN));
    expect(state.waitReason).toBe('retry_delay');
    expect(commands).toEqual([]);
  });

  it('counts the delay from the moment the attempt ended', () => {
    const state = stateAfter(busyAttempt(), ctx(5 * MIN, {}, retryPolicy()));
    expect(state.nextDialAt).toEqual(at(7 * MIN));
  });

  it('retries a transiently failed attempt when there is no rule for failures', () => {
    const state = stateAfter([...seq.dial(), inp.pbx(ev.failed('other'))], ctx(0, {}, retryPolicy()));
    expect(state.status).toBe('pending');
    expect(state.waitReason).toBe('retry_delay');
  });

  it.each([
    ['a failure report from the PBX', [...seq.dial(), inp.pbx(ev.failed('other'))]],
    ['an unreachable callee', [...seq.dial(), inp.pbx(ev.failed('unreachable'))]],
    ['a reached but refused dial', [inp.dialStarted(), inp.refused({ failure: 'other', reached: true })]],
  ] as const)('ends %s as failed at once when failures are not retried', (_name, inputs) => {
    const p = retryPolicy({ retry: { failed: { retry: false, delayMs: 0 } } });
    const { state, transitions } = playFromStart([...inputs], ctx(0, {}, p));
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('failed');
    expect(state.nextDialAt).toBeNull();
    expect(transitions.at(-1)!.commands).toEqual([{ type: 'finished', outcome: 'failed' }]);
  });

  it('does not retry a declined call by default', () => {
    const { state, transitions } = playFromStart(declinedAttempt(), ctx(0, {}, retryPolicy()));
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('declined');
    expect(transitions.at(-1)!.commands).toEqual([{ type: 'finished', outcome: 'declined' }]);
  });

  it('retries a declined call when its rule says so, as a new attempt with no outcome yet', () => {
    const p = policy({ retry: { declined: { retry: true, delayMs: 30 * MIN } } });
    const { state, commands } = playFromStart(declinedAttempt(), ctx(0, {}, p));
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeNull();
    expect(state.attempt).toBeNull();
    expect(state.nextDialAt).toEqual(at(30 * MIN));
    expect(state.waitReason).toBe('retry_delay');
    expect(finishedOf(commands)).toEqual([]);

    const again = next(state, inp.dialStarted(), ctx(30 * MIN, {}, p));
    expect(again.state.status).toBe('dialling');
    expect(again.state.dialAttempts).toBe(2);
  });

  it('lets busy and unanswered attempts share one cap on dial attempts', () => {
    const c = ctx(0, {}, retryPolicy({ maxDialAttempts: 2 }));
    const { state, transitions } = playFromStart([...busyAttempt(), ...seq.unanswered()], c);
    expect(state.dialAttempts).toBe(2);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('no_answer');
    expect(transitions.at(-1)!.commands).toEqual([{ type: 'finished', outcome: 'no_answer' }]);
  });

  it('lets a retried declined attempt share the cap with a busy one', () => {
    const p = retryPolicy({ maxDialAttempts: 2, retry: { busy: { retry: true, delayMs: 2 * MIN }, declined: { retry: true, delayMs: 2 * MIN } } });
    const { state } = playFromStart([...busyAttempt(), ...declinedAttempt()], ctx(0, {}, p));
    expect(state.dialAttempts).toBe(2);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('declined');
  });

  it('retries while attempts remain under the shared cap', () => {
    const c = ctx(0, {}, retryPolicy({ maxDialAttempts: 3 }));
    const state = stateAfter([...busyAttempt(), ...seq.unanswered()], c);
    expect(state.dialAttempts).toBe(2);
    expect(state.status).toBe('pending');
    expect(state.nextDialAt).toEqual(at(10 * MIN));
  });
});

describe('a retry outside the calling window', () => {
  it('moves to the next opening with outside_window as the reason', () => {
    const asked: Date[] = [];
    const opening = at(3 * HOUR);
    const c = ctx(0, { nextOpening: (a) => (asked.push(a), { at: opening, reason: 'outside_window' }) }, retryPolicy());
    const state = stateAfter(busyAttempt(), c);
    expect(asked).toEqual([at(2 * MIN)]);
    expect(state.status).toBe('pending');
    expect(state.nextDialAt).toEqual(opening);
    expect(state.waitReason).toBe('outside_window');
  });

  it('keeps the retry delay when the retry falls inside the window', () => {
    const c = ctx(0, { nextOpening: (a) => ({ at: a, reason: null }) }, retryPolicy());
    const state = stateAfter(busyAttempt(), c);
    expect(state.nextDialAt).toEqual(at(2 * MIN));
    expect(state.waitReason).toBe('retry_delay');
  });
});

describe('the deadline', () => {
  it('ends a call as expired when its next opening is after the deadline', () => {
    const c = ctx(0, { deadline: at(HOUR), nextOpening: () => ({ at: at(3 * HOUR), reason: 'outside_window' }) }, retryPolicy());
    const { state, transitions } = playFromStart(busyAttempt(), c);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('expired');
    expect(state.nextDialAt).toBeNull();
    expect(transitions.at(-1)!.commands).toEqual([{ type: 'finished', outcome: 'expired' }]);
  });

  it('ends a call as expired when now plus the retry delay is after the deadline', () => {
    const c = ctx(0, { deadline: at(MIN) }, retryPolicy());
    const { state, transitions } = playFromStart(busyAttempt(), c);
    expect(state.outcome).toBe('expired');
    expect(transitions.at(-1)!.commands).toEqual([{ type: 'finished', outcome: 'expired' }]);
  });

  it('lets a call wait for a retry that comes before the deadline', () => {
    const state = stateAfter(busyAttempt(), ctx(0, { deadline: at(HOUR) }, retryPolicy()));
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeNull();
    expect(state.nextDialAt).toEqual(at(2 * MIN));
  });

  it('lets a call wait for an opening that comes before the deadline', () => {
    const c = ctx(0, { deadline: at(4 * HOUR), nextOpening: () => ({ at: at(3 * HOUR), reason: 'outside_window' }) }, retryPolicy());
    const state = stateAfter(busyAttempt(), c);
    expect(state.status).toBe('pending');
    expect(state.nextDialAt).toEqual(at(3 * HOUR));
    expect(state.waitReason).toBe('outside_window');
  });

  it('ends a pending call as expired on expire', () => {
    const t = next(initialCallState(), { type: 'expire' }, ctx());
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('expired');
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'expired' }]);
  });

  it('ends a call waiting for its retry as expired on expire', () => {
    const waiting = stateAfter(busyAttempt(), ctx(0, {}, retryPolicy()));
    const t = next(waiting, { type: 'expire' }, ctx(HOUR));
    expect(t.state.outcome).toBe('expired');
    expect(t.state.nextDialAt).toBeNull();
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'expired' }]);
  });

  it.each([
    ['ringing', seq.ringing()],
    ['answered', seq.answered()],
    ['confirmed', seq.confirmed()],
  ] as const)('ignores expire on a %s call', (_status, inputs) => {
    const live = stateAfter([...inputs]);
    const t = next(live, { type: 'expire' }, ctx(HOUR));
    expect(t.state).toEqual(live);
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
  });

  it('ends a call as expired when it is postponed past the deadline', () => {
    const t = next(initialCallState(), { type: 'postpone', until: at(2 * HOUR), reason: 'outside_window' }, ctx(0, { deadline: at(HOUR) }));
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('expired');
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'expired' }]);
  });

  it('sets nextDialAt and the wait reason when a call is postponed to before the deadline', () => {
    const t = next(initialCallState(), { type: 'postpone', until: at(30 * MIN), reason: 'number_gap' }, ctx(0, { deadline: at(HOUR) }));
    expect(t.state.status).toBe('pending');
    expect(t.state.outcome).toBeNull();
    expect(t.state.nextDialAt).toEqual(at(30 * MIN));
    expect(t.state.waitReason).toBe('number_gap');
    expect(t.commands).toEqual([]);
  });
});

describe('code expiry', () => {
  const expiry = { codeExpiresAt: at(5 * MIN) };

  it('does not verify a right code entered after the code expired, and routes to the fail IVR', () => {
    const { state, transitions } = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)], ctx(6 * MIN, expiry));
    const last = transitions.at(-1)!;
    expect(state.outcome).toBe('code_failed');
    expect(state.status).toBe('routed');
    expect(last.commands).toEqual([
      { type: 'transfer', target: '6504', entry: 1 },
      { type: 'finished', outcome: 'code_failed' },
    ]);
    expect(last.note).toMatch(/expire/i);
  });

  it('hangs up on a right but expired code when there is no fail IVR', () => {
    const p = policy({ ivr: { success: '6502', retry: '6503', fail: null } });
    const { state, transitions } = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)], ctx(6 * MIN, expiry, p));
    const last = transitions.at(-1)!;
    expect(state.outcome).toBe('code_failed');
    expect(routingOf(last.commands)).toEqual([{ type: 'hangup', entry: 1 }]);
    expect(finishedOf(last.commands)).toEqual([{ type: 'finished', outcome: 'code_failed' }]);
    expect(last.note).toMatch(/expire/i);
  });

  it('verifies a right code entered before the code expires', () => {
    const { state, transitions } = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)], ctx(4 * MIN, expiry));
    expect(state.outcome).toBe('verified');
    expect(transitions.at(-1)!.commands).toEqual([
      { type: 'transfer', target: '6502', entry: 1 },
      { type: 'finished', outcome: 'verified' },
    ]);
  });
});

describe('opting out', () => {
  const optOut = policy({ optOutKey: '9' });

  it('gives opted_out, suppresses the number and finishes when the opt-out key is pressed in the entry IVR', () => {
    const live = stateAfter(seq.answered(), ctx(0, {}, optOut));
    expect(live.status).toBe('answered');
    const t = next(live, inp.pbx(ev.key('9', 1)), ctx(0, {}, optOut));
    expect(t.state.outcome).toBe('opted_out');
    expect(t.commands).toContainEqual({ type: 'suppress-number' });
    expect(t.commands).toContainEqual({ type: 'finished', outcome: 'opted_out' });
    expect(finishedOf(t.commands)).toHaveLength(1);
  });

  it('does not opt out when 9 is pressed after the callee confirmed, while keying the code', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), inp.pbx(ev.key('9', 2))], ctx(0, {}, optOut));
    expect(state.status).toBe('confirmed');
    expect(state.outcome).toBeNull();
    expect(commands).not.toContainEqual({ type: 'suppress-number' });
    expect(finishedOf(commands)).toEqual([]);
  });

  it('ignores 9 in the entry IVR when there is no opt-out key', () => {
    const p = policy({ optOutKey: null });
    const live = stateAfter(seq.answered(), ctx(0, {}, p));
    const t = next(live, inp.pbx(ev.key('9', 1)), ctx(0, {}, p));
    expect(t.state.status).toBe('answered');
    expect(t.state.outcome).toBeNull();
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
  });
});

describe('suppression', () => {
  it('ends a pending call as suppressed', () => {
    const t = next(initialCallState(), { type: 'suppress' }, ctx());
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('suppressed');
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'suppressed' }]);
  });

  it('ends a call waiting for its retry as suppressed and keeps the attempt it made', () => {
    const waiting = stateAfter(busyAttempt(), ctx(0, {}, retryPolicy()));
    const t = next(waiting, { type: 'suppress' }, ctx(MIN));
    expect(t.state.outcome).toBe('suppressed');
    expect(t.state.dialAttempts).toBe(1);
  });

  it('ends a claimed but unsent dial as suppressed and does not count the claimed attempt', () => {
    const claimed = stateAfter([inp.dialStarted()]);
    expect(claimed.status).toBe('dialling');
    expect(claimed.dialAttempts).toBe(1);
    const t = next(claimed, { type: 'suppress' }, ctx());
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('suppressed');
    expect(t.state.dialAttempts).toBe(0);
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'suppressed' }]);
  });

  it('takes back only the claimed attempt, not earlier ones', () => {
    const claimed = stateAfter([...busyAttempt(), inp.dialStarted()], ctx(0, {}, retryPolicy()));
    expect(claimed.dialAttempts).toBe(2);
    expect(next(claimed, { type: 'suppress' }, ctx()).state.dialAttempts).toBe(1);
  });

  it.each([
    ['ringing', seq.ringing()],
    ['answered', seq.answered()],
  ] as const)('ignores suppress on a %s call', (_status, inputs) => {
    const live = stateAfter([...inputs]);
    const t = next(live, { type: 'suppress' }, ctx());
    expect(t.state).toEqual(live);
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
  });
});

describe('operator actions', () => {
  it('sets nextDialAt to now and clears the wait reason on retry-now for a call waiting for its retry delay', () => {
    const waiting = stateAfter(busyAttempt(), ctx(0, {}, retryPolicy()));
    expect(waiting.waitReason).toBe('retry_delay');
    const t = next(waiting, { type: 'retry-now' }, ctx(30_000));
    expect(t.state.status).toBe('pending');
    expect(t.state.nextDialAt).toEqual(at(30_000));
    expect(t.state.waitReason).toBeNull();
    expect(t.commands).toEqual([]);
  });

  it('ignores retry-now on a done call', () => {
    const done = stateAfter([...seq.confirmed(), ...seq.entry(RIGHT), inp.pbx(ev.hungup())]);
    expect(done.status).toBe('done');
    const t = next(done, { type: 'retry-now' }, ctx(MIN));
    expect(t.state).toEqual(done);
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
  });

  it.each([
    ['ringing', seq.ringing()],
    ['answered', seq.answered()],
    ['confirmed', seq.confirmed()],
  ] as const)('ignores cancel without hangup on a %s call', (_status, inputs) => {
    const live = stateAfter([...inputs]);
    for (const input of [cancel(), cancel(false)]) {
      const t = next(live, input, ctx());
      expect(t.state).toEqual(live);
      expect(t.commands).toEqual([]);
      expect(t.ignored).not.toBeNull();
    }
  });

  it('cancels a live call with hangup: outcome cancelled and one operator hang-up', () => {
    const live = stateAfter(seq.answered());
    const t = next(live, cancel(true), ctx());
    expect(t.state.outcome).toBe('cancelled');
    expect(routingOf(t.commands)).toEqual([{ type: 'hangup', entry: 0 }]);
    expect(finishedOf(t.commands)).toEqual([{ type: 'finished', outcome: 'cancelled' }]);
  });

  it('moves a call cancelled with hangup to done on the later hang-up report, without a second finished', () => {
    const { state, transitions } = play(stateAfter(seq.answered()), [cancel(true), inp.pbx(ev.hungup())]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('cancelled');
    expect(finishedOf(transitions.flatMap((t) => t.commands))).toHaveLength(1);
    expect(finishedOf(transitions[1]!.commands)).toEqual([]);
  });

  it('keeps the outcome of a routed call and only hangs up on cancel with hangup', () => {
    const routed = stateAfter([...seq.confirmed(), ...seq.entry(RIGHT)]);
    expect(routed.status).toBe('routed');
    expect(routed.outcome).toBe('verified');
    const t = next(routed, cancel(true), ctx());
    expect(t.state.outcome).toBe('verified');
    expect(t.commands).toEqual([{ type: 'hangup', entry: 0 }]);
  });
});

describe('pacing', () => {
  /** A fixed instant to start fake time at: 2026-01-05 09:00Z. */
  const BASE = Date.UTC(2026, 0, 5, 9, 0, 0);
  const TICK = 7;

  /** Ticks every `step` ms (or as far apart as `step(now)` says) in [from, to) and returns the start time of every dial. */
  function simulate(callsPerSecond: number, capacity: number, from: number, to: number, pace: PaceState = initialPace(), step: number | ((now: number) => number) = TICK) {
    const dials: number[] = [];
    let p = pace;
    for (let now = from; now < to; now += typeof step === 'number' ? step : step(now)) {
      const r = takeSlots(p, now, callsPerSecond, capacity);
      for (let i = 0; i < r.slots.length; i++) dials.push(now);
      p = r.pace;
    }
    return { dials, pace: p };
  }

  /** Dials per second from the first dial to the last. */
  const rateOf = (dials: number[]) => (dials.length - 1) / ((dials.at(-1)! - dials[0]!) / 1000);

  /** The most dials in any one-second window [t, t + 1000). */
  function busiestSecond(dials: number[]): number {
    let most = 0;
    for (const start of dials) most = Math.max(most, dials.filter((t) => t >= start && t < start + 1000).length);
    return most;
  }

  it('never lets any one-second window hold more than 22 dials (1.1 x) at 20 calls per second, and totals about 200 in 10 s', () => {
    const { dials } = simulate(20, 1000, BASE, BASE + 10_000);
    expect(busiestSecond(dials)).toBeLessThanOrEqual(22);
    expect(Math.abs(dials.length - 200)).toBeLessThanOrEqual(4);
  });

  it('keeps the rate when ticks come irregularly, catching up late ticks within 1.1 x per second', () => {
    // Ticks 20 to 80 ms apart, as a busy event loop delivers them (a fixed pseudo-random walk).
    const dials: number[] = [];
    const slots: number[] = [];
    let p = initialPace();
    let seed = 7;
    for (let now = BASE; now < BASE + 100_000; now += 20 + ((seed = (seed * 48271) % 2147483647) % 61)) {
      const r = takeSlots(p, now, 20, 1000);
      for (const slot of r.slots) {
        dials.push(now);
        slots.push(slot);
        expect(slot).toBeLessThanOrEqual(now);
        expect(now - slot).toBeLessThanOrEqual(100);
      }
      p = r.pace;
    }
    expect(Math.abs(rateOf(dials) / 20 - 1)).toBeLessThan(0.02);
    expect(busiestSecond(dials)).toBeLessThanOrEqual(22);
    // The slots themselves keep the grid: sent at their slots, the dials are 50 ms apart.
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(50);
    expect(busiestSecond(slots)).toBeLessThanOrEqual(20);
  });

  it('keeps the rate when the ticks stall for a few hundred ms now and then', () => {
    // Ticks every 20 ms, and every two seconds a stall of 150 to 450 ms.
    let stall = 0;
    const { dials } = simulate(20, 1000, BASE, BASE + 100_000, initialPace(), (now) => (now - BASE >= (stall + 1) * 2000 ? 150 + 100 * (stall++ % 4) : 20));
    expect(Math.abs(rateOf(dials) / 20 - 1)).toBeLessThan(0.02);
    expect(busiestSecond(dials)).toBeLessThanOrEqual(22);
  });

  it('holds a dial until a fixed lead after its slot, never longer than the lead', () => {
    // Ready 30 ms after its slot: it waits the rest of the 250 ms lead.
    expect(sendDelay(BASE, 250, BASE + 30)).toBe(220);
    // Later than the lead: it leaves at once.
    expect(sendDelay(BASE, 250, BASE + 400)).toBe(0);
    // A worker whose clock runs behind the leader's waits at most the lead.
    expect(sendDelay(BASE, 250, BASE - 10_000)).toBe(250);
    // No lead: every dial leaves when ready.
    expect(sendDelay(BASE, 0, BASE + 5)).toBe(0);
  });

  it('does not bank slots while a campaign is idle', () => {
    const warm = simulate(20, 1000, BASE, BASE + 1000);
    const resume = BASE + 6000; // five seconds without a tick
    const burst = takeSlots(warm.pace, resume, 20, 1000);
    expect(burst.slots.length).toBeGreaterThanOrEqual(1);
    expect(burst.slots.length).toBeLessThanOrEqual(2);
    const after = simulate(20, 1000, resume + TICK, resume + 2000, burst.pace);
    const dials = [...Array.from({ length: burst.slots.length }, () => resume), ...after.dials];
    expect(busiestSecond(dials)).toBeLessThanOrEqual(22);
  });

  it('does not bank slots on a campaign that starts after a long idle spell', () => {
    const first = takeSlots(initialPace(), BASE, 20, 1000);
    expect(first.slots.length).toBeGreaterThanOrEqual(1);
    expect(first.slots.length).toBeLessThanOrEqual(2);
  });

  it('gives no dials when there is no free capacity', () => {
    expect(takeSlots(initialPace(), BASE, 20, 0).slots.length).toBe(0);
    const warm = simulate(20, 1000, BASE, BASE + 1000);
    expect(takeSlots(warm.pace, BASE + 6000, 20, 0).slots.length).toBe(0);
    expect(simulate(20, 0, BASE, BASE + 10_000).dials).toEqual([]);
  });

  it('dials at most once per second and about once every two seconds at 0.5 calls per second', () => {
    const { dials } = simulate(0.5, 1000, BASE, BASE + 20_000);
    expect(busiestSecond(dials)).toBeLessThanOrEqual(1);
    expect(dials.length).toBeGreaterThanOrEqual(9);
    expect(dials.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < dials.length; i++) {
      const gap = dials[i]! - dials[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(1900);
      expect(gap).toBeLessThanOrEqual(2100);
    }
  });
});
