import { describe, it, expect } from 'vitest';
import { initialCallState, next } from '../../src/domain/call-machine.js';
import { OUTCOMES } from '../../src/domain/outcomes.js';
import {
  CALL_ID,
  RIGHT,
  TRUNK_LEG,
  WRONG,
  at,
  ctxAt,
  ev,
  finishedOf,
  inp,
  play,
  playFromStart,
  policy,
  routingOf,
  seq,
} from './call-machine-fixtures.js';
import type { Command, MachineInput } from '../../src/domain/call-machine.js';

describe('outcome values', () => {
  it('are exactly the API contract values', () => {
    expect([...OUTCOMES]).toEqual(['verified', 'code_failed', 'declined', 'abandoned', 'no_answer', 'busy', 'failed', 'cancelled', 'expired', 'suppressed', 'opted_out']);
  });
});

describe('starting a dial', () => {
  it('creates a call that is pending, undialled and without an outcome', () => {
    expect(initialCallState()).toEqual({
      status: 'pending',
      outcome: null,
      dialAttempts: 0,
      codeAttempts: 0,
      attempt: null,
      nextDialAt: null,
      waitReason: null,
      lastFailure: null,
    });
  });

  it('moves a pending call to dialling and counts the attempt when the dial starts', () => {
    const t = next(initialCallState(), inp.dialStarted(), ctxAt());
    expect(t.state.status).toBe('dialling');
    expect(t.state.dialAttempts).toBe(1);
    expect(t.state.attempt?.no).toBe(1);
    expect(t.commands).toEqual([]);
  });

  it('binds the pbxCallId the PBX accepted the dial with', () => {
    const { state } = playFromStart(seq.dial('call-7'));
    expect(state.status).toBe('dialling');
    expect(state.attempt?.pbxCallId).toBe('call-7');
  });

  it('ignores a second dial-started while an attempt is out', () => {
    const { state } = playFromStart(seq.dial());
    const t = next(state, inp.dialStarted(), ctxAt());
    expect(t.state).toEqual(state);
    expect(t.ignored).not.toBeNull();
    expect(t.state.dialAttempts).toBe(1);
  });

  it('takes the pbxCallId and legId from a report that arrives before dial-accepted', () => {
    const { state } = playFromStart([
      inp.dialStarted(),
      inp.pbx(ev.ringing({ pbxCallId: 'call-from-alert', legId: 'leg-from-alert' })),
      inp.accepted('call-from-alert'),
    ]);
    expect(state.status).toBe('ringing');
    expect(state.attempt?.pbxCallId).toBe('call-from-alert');
    expect(state.attempt?.legId).toBe('leg-from-alert');
  });
});

describe('retrying unanswered, busy and transiently failed attempts', () => {
  it('sends an unanswered attempt back to pending with nextDialAt = now + retryDelayMs', () => {
    const { state, commands } = playFromStart(seq.unanswered(), ctxAt(1_000));
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeNull();
    expect(state.dialAttempts).toBe(1);
    expect(state.attempt).toBeNull();
    expect(state.nextDialAt).toEqual(at(1_000 + 60_000));
    expect(commands).toEqual([]);
  });

  it('retries a busy attempt after retryDelayMs', () => {
    const { state } = playFromStart([...seq.dial(), inp.pbx(ev.failed('busy'))], ctxAt(2_000));
    expect(state.status).toBe('pending');
    expect(state.lastFailure).toBe('busy');
    expect(state.nextDialAt).toEqual(at(62_000));
  });

  it.each(['congestion', 'unreachable', 'other', 'no_answer'] as const)('retries an attempt that failed transiently with %s', (failure) => {
    const { state } = playFromStart([...seq.dial(), inp.pbx(ev.failed(failure))]);
    expect(state.status).toBe('pending');
    expect(state.outcome).toBeNull();
    expect(state.nextDialAt).toEqual(at(60_000));
  });

  it('retries after a call record (NewCdr) that says nobody answered', () => {
    const { state } = playFromStart([...seq.ringing(), inp.pbx(ev.record('no_answer'))]);
    expect(state.status).toBe('pending');
    expect(state.lastFailure).toBe('no_answer');
  });

  it('ends as no_answer after maxDialAttempts unanswered tries, with one finished command', () => {
    const { state, commands } = playFromStart([...seq.unanswered(), ...seq.unanswered(), ...seq.unanswered()]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('no_answer');
    expect(state.dialAttempts).toBe(3);
    expect(commands).toEqual([{ type: 'finished', outcome: 'no_answer' }]);
  });

  it('ends as busy after maxDialAttempts busy tries', () => {
    const busy = [...seq.dial(), inp.pbx(ev.failed('busy'))];
    const { state, commands } = playFromStart([...busy, ...busy, ...busy]);
    expect(state.outcome).toBe('busy');
    expect(state.status).toBe('done');
    expect(finishedOf(commands)).toEqual([{ type: 'finished', outcome: 'busy' }]);
  });

  it('ends as failed when the retries are used up on errors', () => {
    const congested = [...seq.dial(), inp.pbx(ev.failed('congestion'))];
    const { state } = playFromStart([...congested, ...congested, ...congested]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('failed');
  });

  it('honours maxDialAttempts of 1 by deciding after the first unanswered try', () => {
    const { state } = playFromStart(seq.unanswered(), ctxAt(0, policy({ maxDialAttempts: 1 })));
    expect(state.outcome).toBe('no_answer');
  });

  it('counts a dial refused by the PBX for a transient reason as an attempt and retries it after retryDelayMs', () => {
    const { state } = playFromStart([inp.dialStarted(), inp.refused({ failure: 'congestion', permanent: false, reached: true })], ctxAt(500));
    expect(state.status).toBe('pending');
    expect(state.dialAttempts).toBe(1);
    expect(state.nextDialAt).toEqual(at(60_500));
  });

  it('ends a busy refusal on the last attempt as busy', () => {
    const refusedBusy = [inp.dialStarted(), inp.refused({ failure: 'busy', permanent: false, reached: true })];
    const { state } = playFromStart([...refusedBusy, ...refusedBusy, ...refusedBusy]);
    expect(state.outcome).toBe('busy');
  });
});

describe('permanent errors', () => {
  it.each(['invalid_number', 'no_permission'] as const)('ends the call as failed at once when the PBX reports %s', (failure) => {
    const { state, commands } = playFromStart([...seq.dial(), inp.pbx(ev.failed(failure))]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('failed');
    expect(state.dialAttempts).toBe(1);
    expect(commands).toEqual([{ type: 'finished', outcome: 'failed' }]);
  });

  it('ends the call as failed at once when the dial is refused as permanent', () => {
    const { state, commands } = playFromStart([inp.dialStarted(), inp.refused({ failure: 'other', permanent: true, reached: true })]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('failed');
    expect(commands).toEqual([{ type: 'finished', outcome: 'failed' }]);
  });

  it.each(['invalid_number', 'no_permission'] as const)('does not retry a dial refused with the permanent failure class %s', (failure) => {
    const { state } = playFromStart([inp.dialStarted(), inp.refused({ failure, permanent: false, reached: true })]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('failed');
  });
});

describe('a dial that never reached the PBX', () => {
  it('does not count as an attempt and is retried after unreachableDelayMs', () => {
    const { state, commands } = playFromStart([inp.dialStarted(), inp.refused({ failure: 'unreachable', reached: false })], ctxAt(3_000));
    expect(state.status).toBe('pending');
    expect(state.dialAttempts).toBe(0);
    expect(state.attempt).toBeNull();
    expect(state.outcome).toBeNull();
    expect(state.nextDialAt).toEqual(at(3_000 + 5_000));
    expect(commands).toEqual([]);
  });

  it('is retried even when refused as permanent, since nobody was called', () => {
    const { state } = playFromStart([inp.dialStarted(), inp.refused({ failure: 'other', permanent: true, reached: false })]);
    expect(state.status).toBe('pending');
    expect(state.dialAttempts).toBe(0);
  });

  it('never uses up the callee attempts however often it happens', () => {
    const p = policy({ maxDialAttempts: 2 });
    const unreached = [inp.dialStarted(), inp.refused({ failure: 'unreachable', reached: false })];
    const inputs = [...unreached, ...unreached, ...unreached, ...unreached, ...unreached, ...seq.unanswered(), ...unreached];
    const { state, commands } = playFromStart(inputs, ctxAt(0, p));
    expect(state.status).toBe('pending');
    expect(state.dialAttempts).toBe(1);
    expect(commands).toEqual([]);
  });
});

describe('a dial whose result is unknown', () => {
  it('stays dialling', () => {
    const { state, commands } = playFromStart([inp.dialStarted(), inp.unknown()]);
    expect(state.status).toBe('dialling');
    expect(state.attempt?.unknown).toBe(true);
    expect(state.dialAttempts).toBe(1);
    expect(commands).toEqual([]);
  });

  it('is settled by a report from the PBX', () => {
    const { state } = playFromStart([inp.dialStarted(), inp.unknown(), inp.pbx(ev.ringing())]);
    expect(state.status).toBe('ringing');
    expect(state.attempt?.unknown).toBe(false);
    expect(state.attempt?.pbxCallId).toBe(CALL_ID);
    expect(state.attempt?.legId).toBe(TRUNK_LEG);
  });

  it('binds the leg id a line-check found live and keeps dialling', () => {
    const { state, commands } = playFromStart([inp.dialStarted(), inp.unknown(), inp.lineCheck('leg-live')]);
    expect(state.status).toBe('dialling');
    expect(state.attempt?.legId).toBe('leg-live');
    expect(state.attempt?.unknown).toBe(false);
    expect(commands).toEqual([]);
  });

  it('ends the attempt and retries when a line-check finds no live call', () => {
    const { state, commands } = playFromStart([inp.dialStarted(), inp.unknown(), inp.lineCheck(null)], ctxAt(10));
    expect(state.status).toBe('pending');
    expect(state.dialAttempts).toBe(1);
    expect(state.nextDialAt).toEqual(at(60_010));
    expect(commands).toEqual([]);
  });

  it('ends the call when a line-check finds no live call on the last attempt', () => {
    const unknownGone = [inp.dialStarted(), inp.unknown(), inp.lineCheck(null)];
    const { state, commands } = playFromStart([...unknownGone, ...unknownGone, ...unknownGone]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('no_answer');
    expect(finishedOf(commands)).toHaveLength(1);
  });
});

describe('the entry IVR and the confirm key', () => {
  it('puts an answered call in the entry IVR without commands', () => {
    const { state, commands } = playFromStart(seq.answered());
    expect(state.status).toBe('answered');
    expect(state.attempt?.answered).toBe(true);
    expect(commands).toEqual([]);
  });

  it('confirms the call when the callee presses the confirm key', () => {
    const { state, commands } = playFromStart(seq.confirmed());
    expect(state.status).toBe('confirmed');
    expect(state.attempt?.confirmed).toBe(true);
    expect(commands).toEqual([]);
  });

  it('uses the policy confirm key', () => {
    const p = policy({ confirmKey: '9' });
    const pressed1 = play(playFromStart(seq.answered(), ctxAt(0, p)).state, [inp.pbx(ev.key('1', 1))], ctxAt(0, p));
    expect(pressed1.state.status).toBe('answered');
    const pressed9 = play(pressed1.state, [inp.pbx(ev.key('9', 2))], ctxAt(0, p));
    expect(pressed9.state.status).toBe('confirmed');
  });

  it.each(['2', '5', '0', '*', '#'])('ignores the key %s in the entry IVR and still confirms on 1 afterwards', (key) => {
    const answered = playFromStart(seq.answered()).state;
    const t = next(answered, inp.pbx(ev.key(key, 1)), ctxAt());
    expect(t.state.status).toBe('answered');
    expect(t.state).toEqual(answered);
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
    expect(next(t.state, inp.pbx(ev.key('1', 2)), ctxAt()).state.status).toBe('confirmed');
  });

  it('ends a call answered but never confirmed as declined when the callee hangs up', () => {
    const { state, commands } = playFromStart([...seq.answered(), inp.pbx(ev.key('5', 1)), inp.pbx(ev.hungup())]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('declined');
    expect(commands).toEqual([{ type: 'finished', outcome: 'declined' }]);
  });

  it('does not retry a declined call even with dial attempts left', () => {
    const { state } = playFromStart([...seq.answered(), inp.pbx(ev.hungup())]);
    expect(state.dialAttempts).toBe(1);
    expect(state.outcome).toBe('declined');
    expect(state.nextDialAt).toBeNull();
  });

  it('ends a confirmed call as abandoned when the callee hangs up before keying a code', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), inp.pbx(ev.hungup())]);
    expect(state.outcome).toBe('abandoned');
    expect(commands).toEqual([{ type: 'finished', outcome: 'abandoned' }]);
  });

  it('ends a call as abandoned when the callee hangs up after a wrong code', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG), inp.pbx(ev.hungup())]);
    expect(state.outcome).toBe('abandoned');
    expect(finishedOf(commands)).toEqual([{ type: 'finished', outcome: 'abandoned' }]);
  });

  it('ends a confirmed call as abandoned when a line-check finds it gone (timed out)', () => {
    const { state } = playFromStart([...seq.confirmed(), inp.lineCheck(null)]);
    expect(state.outcome).toBe('abandoned');
  });
});

describe('reports out of order', () => {
  it('treats the confirm key before the answered report as an answer and a confirmation', () => {
    const { state, commands } = playFromStart([...seq.ringing(), inp.pbx(ev.key('1', 1)), inp.pbx(ev.answered())]);
    expect(state.status).toBe('confirmed');
    expect(state.attempt?.answered).toBe(true);
    expect(commands).toEqual([]);
  });

  it('treats a key before any ringing or answered report as an answer', () => {
    const { state } = playFromStart([...seq.dial(), inp.pbx(ev.key('1', 1))]);
    expect(state.status).toBe('confirmed');
    expect(state.attempt?.answered).toBe(true);
  });

  it('treats a code before the answered report as an answer and routes it', () => {
    const { state, commands } = playFromStart([...seq.ringing(), inp.pbx(ev.code(RIGHT))]);
    expect(state.status).toBe('routed');
    expect(state.outcome).toBe('verified');
    expect(commands).toEqual([
      { type: 'transfer', target: '6502', entry: 1 },
      { type: 'finished', outcome: 'verified' },
    ]);
  });

  it('does not move a confirmed call back on a late ringing or answered report', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), inp.pbx(ev.ringing()), inp.pbx(ev.answered())]);
    expect(state.status).toBe('confirmed');
    expect(commands).toEqual([]);
  });
});

describe('code entry', () => {
  it('routes the right code to the success IVR and announces verified while the callee is on the line', () => {
    const { state, transitions } = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)]);
    expect(state.status).toBe('routed');
    expect(state.outcome).toBe('verified');
    expect(state.codeAttempts).toBe(1);
    expect(transitions.at(-1)?.commands).toEqual([
      { type: 'transfer', target: '6502', entry: 1 },
      { type: 'finished', outcome: 'verified' },
    ]);
  });

  it('routes a wrong code to the retry IVR while code attempts remain, without an outcome', () => {
    const { state, transitions, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG)]);
    expect(state.status).toBe('confirmed');
    expect(state.outcome).toBeNull();
    expect(state.codeAttempts).toBe(1);
    expect(transitions.at(-1)?.commands).toEqual([{ type: 'transfer', target: '6503', entry: 1 }]);
    expect(commands).toEqual([{ type: 'transfer', target: '6503', entry: 1 }]);
  });

  it('routes the right code on the second entry to the success IVR', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG, 2), ...seq.entry(RIGHT, 7)]);
    expect(state.outcome).toBe('verified');
    expect(commands).toEqual([
      { type: 'transfer', target: '6503', entry: 1 },
      { type: 'transfer', target: '6502', entry: 2 },
      { type: 'finished', outcome: 'verified' },
    ]);
  });

  it('routes the last wrong code to the fail IVR and announces code_failed', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG, 2), ...seq.entry(WRONG, 7), ...seq.entry('2222', 12)]);
    expect(state.status).toBe('routed');
    expect(state.outcome).toBe('code_failed');
    expect(state.codeAttempts).toBe(3);
    expect(commands).toEqual([
      { type: 'transfer', target: '6503', entry: 1 },
      { type: 'transfer', target: '6503', entry: 2 },
      { type: 'transfer', target: '6504', entry: 3 },
      { type: 'finished', outcome: 'code_failed' },
    ]);
  });

  it('hangs up on the last wrong code when no fail IVR is configured', () => {
    const p = policy({ maxCodeAttempts: 1, ivr: { success: '6502', retry: '6503', fail: null } });
    const { state, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG)], ctxAt(0, p));
    expect(state.outcome).toBe('code_failed');
    expect(commands).toEqual([{ type: 'hangup', entry: 1 }, { type: 'finished', outcome: 'code_failed' }]);
  });

  it('never routes on per-key events', () => {
    const { transitions } = playFromStart([...seq.confirmed(), ...[...RIGHT].map((d, i) => inp.pbx(ev.key(d, i + 2))), inp.pbx(ev.key('#', 6))]);
    for (const t of transitions) expect(t.commands).toEqual([]);
  });

  it('sends no command for a resent code report with no key pressed in between', () => {
    const afterWrong = playFromStart([...seq.confirmed(), ...seq.entry(WRONG)]).state;
    const t = next(afterWrong, inp.pbx(ev.code(WRONG)), ctxAt());
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
    expect(t.state.codeAttempts).toBe(1);
    expect(t.state.status).toBe('confirmed');
  });

  it('treats the same wrong digits keyed again after new key events as a new entry', () => {
    const { state, transitions } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG, 2), ...seq.entry(WRONG, 7)]);
    expect(state.codeAttempts).toBe(2);
    expect(transitions.at(-1)?.commands).toEqual([{ type: 'transfer', target: '6503', entry: 2 }]);
  });

  it('takes every code report as an entry when the PBX reports no keys', () => {
    const { state, commands } = playFromStart([...seq.confirmed(), inp.pbx(ev.code(WRONG)), inp.pbx(ev.code(WRONG))]);
    expect(state.codeAttempts).toBe(2);
    expect(routingOf(commands)).toHaveLength(2);
  });

  it('produces nothing for a code arriving after the call was routed', () => {
    const routed = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)]).state;
    for (const digits of [RIGHT, WRONG]) {
      const t = next(routed, inp.pbx(ev.code(digits)), ctxAt());
      expect(t.commands).toEqual([]);
      expect(t.ignored).not.toBeNull();
      expect(t.state.status).toBe('routed');
      expect(t.state.outcome).toBe('verified');
      expect(t.state.codeAttempts).toBe(1);
    }
  });

  it('sends the decision again, never a new one, when a caller routed as code_failed keys a code again', () => {
    const p = policy({ maxCodeAttempts: 1 });
    const routed = playFromStart([...seq.confirmed(), ...seq.entry(WRONG)], ctxAt(0, p)).state;
    const { state, commands } = play(routed, seq.entry(RIGHT, 7), ctxAt(0, p));
    expect(commands).toEqual([{ type: 'transfer', target: '6504', entry: 101 }]);
    expect(state.outcome).toBe('code_failed');
    expect(play(state, [inp.pbx(ev.code(RIGHT))], ctxAt(0, p)).commands).toEqual([]);
  });

  it('sends exactly one routing command per code entry over a whole call', () => {
    const inputs = [
      ...seq.confirmed(),
      ...seq.entry(WRONG, 2),
      inp.pbx(ev.code(WRONG)), // resent
      ...seq.entry(WRONG, 7),
      inp.pbx(ev.code(WRONG)), // resent
      inp.pbx(ev.code(WRONG)), // resent again
      ...seq.entry(RIGHT, 12),
      inp.pbx(ev.code(RIGHT)), // resent after routing
      inp.pbx(ev.hungup()),
    ];
    const { state, commands } = playFromStart(inputs);
    expect(state.codeAttempts).toBe(3);
    expect(routingOf(commands).map((c) => (c.type === 'transfer' ? c.entry : 0))).toEqual([1, 2, 3]);
  });
});

describe('a decision made while the callee is still on the line', () => {
  it('keeps verified when the callee hangs up after routing and sends no second finished', () => {
    const routed = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)]).state;
    const t = next(routed, inp.pbx(ev.hungup()), ctxAt());
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('verified');
    expect(t.commands).toEqual([]);
  });

  it('keeps code_failed when the fail IVR hangs up and sends no second finished', () => {
    const p = policy({ maxCodeAttempts: 2 });
    const { state, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG, 2), ...seq.entry(WRONG, 7), inp.pbx(ev.hungup())], ctxAt(0, p));
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('code_failed');
    expect(finishedOf(commands)).toEqual([{ type: 'finished', outcome: 'code_failed' }]);
  });

  it('moves a routed call to done when a line-check finds it gone, keeping the outcome', () => {
    const routed = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT)]).state;
    const t = next(routed, inp.lineCheck(null), ctxAt());
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('verified');
    expect(t.commands).toEqual([]);
  });

  it('sends finished once over a verified call followed by BYE, a second BYE and the NewCdr', () => {
    const { state, commands } = playFromStart([
      ...seq.confirmed(),
      ...seq.entry(RIGHT),
      inp.pbx(ev.hungup()),
      inp.pbx(ev.hungup({ legId: null })),
      inp.pbx(ev.record('answered')),
    ]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('verified');
    expect(finishedOf(commands)).toEqual([{ type: 'finished', outcome: 'verified' }]);
  });
});

describe('events after the attempt ended', () => {
  it.each([
    ['a second BYE', ev.hungup()],
    ['the NewCdr after BYE', ev.record('answered')],
    ['a duplicate answered report', ev.answered()],
    ['a duplicate code report', ev.code(RIGHT)],
    ['a late key', ev.key('1', 9)],
    ['a late CallFailed', ev.failed('congestion')],
  ])('changes nothing on a done call: %s', (_name, event) => {
    const done = playFromStart([...seq.confirmed(), ...seq.entry(RIGHT), inp.pbx(ev.hungup())]).state;
    const t = next(done, inp.pbx(event), ctxAt(99));
    expect(t.state).toEqual(done);
    expect(t.commands).toEqual([]);
    expect(t.ignored).toEqual(expect.any(String));
  });

  it.each([
    ['a second BYE', ev.hungup()],
    ['the NewCdr after BYE', ev.record('no_answer')],
    ['a duplicate ringing report', ev.ringing()],
  ])('changes nothing on a call waiting to be retried: %s', (_name, event) => {
    const pending = playFromStart(seq.unanswered()).state;
    const t = next(pending, inp.pbx(event), ctxAt(99));
    expect(t.state).toEqual(pending);
    expect(t.commands).toEqual([]);
    expect(t.ignored).toEqual(expect.any(String));
  });

  // Reports of an earlier attempt are told apart by the adapter, which knows every attempt's
  // PBX ids (app/process-report.ts); the machine only sees its current attempt.

  it('ignores a dial-accepted, refusal or unknown result that comes after the attempt ended', () => {
    const pending = playFromStart(seq.unanswered()).state;
    for (const input of [inp.accepted('call-1'), inp.refused(), inp.refused({ reached: false }), inp.unknown(), inp.lineCheck(null), inp.lineCheck('x')]) {
      const t = next(pending, input, ctxAt());
      expect(t.state).toEqual(pending);
      expect(t.commands).toEqual([]);
      expect(t.ignored).not.toBeNull();
    }
  });
});

describe('cancel', () => {
  it('ends a pending call as cancelled', () => {
    const t = next(initialCallState(), inp.cancel(), ctxAt());
    expect(t.state.status).toBe('done');
    expect(t.state.outcome).toBe('cancelled');
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'cancelled' }]);
  });

  it('ends a call waiting for a retry as cancelled and clears nextDialAt', () => {
    const pending = playFromStart(seq.unanswered()).state;
    const t = next(pending, inp.cancel(), ctxAt());
    expect(t.state.outcome).toBe('cancelled');
    expect(t.state.nextDialAt).toBeNull();
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'cancelled' }]);
  });

  it.each([
    ['dialling', seq.dial()],
    ['ringing', seq.ringing()],
    ['answered', seq.answered()],
    ['confirmed', seq.confirmed()],
    ['routed', [...seq.confirmed(), ...seq.entry(RIGHT)]],
  ])('never cuts a live call in %s', (status, inputs) => {
    const live = playFromStart(inputs).state;
    expect(live.status).toBe(status);
    const t = next(live, inp.cancel(), ctxAt());
    expect(t.state).toEqual(live);
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
  });

  it('ignores cancel on a done call', () => {
    const done = playFromStart([inp.cancel()]).state;
    const t = next(done, inp.cancel(), ctxAt());
    expect(t.state).toEqual(done);
    expect(t.commands).toEqual([]);
    expect(t.ignored).not.toBeNull();
  });
});

describe('the leg used for transfers', () => {
  it('is the trunk leg from the ringing report, kept through the keys and the code whose reports carry no leg', () => {
    const { state } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG)]);
    expect(state.attempt?.legId).toBe(TRUNK_LEG);
  });

  it('is not replaced by a later report naming another leg', () => {
    const { state } = playFromStart([
      ...seq.dial(),
      inp.pbx(ev.ringing({ legId: 'trunk-first' })),
      inp.pbx(ev.answered({ legId: 'trunk-other' })),
      inp.pbx(ev.key('1', 1, { legId: 'another' })),
      inp.lineCheck('from-line-check'),
    ]);
    expect(state.attempt?.legId).toBe('trunk-first');
  });

  it('comes from the answered report when the ringing report named none', () => {
    const { state } = playFromStart([...seq.dial(), inp.pbx(ev.ringing({ legId: null })), inp.pbx(ev.answered({ legId: 'trunk-a' })), inp.pbx(ev.code(WRONG))]);
    expect(state.attempt?.legId).toBe('trunk-a');
  });
});

describe('a code report resent late', () => {
  it('is not taken as an entry when it arrives while the caller keys the next code', () => {
    const p = policy({ maxCodeAttempts: 3 });
    const inputs = [
      ...seq.confirmed(),
      ...seq.entry(WRONG, 2),
      // The caller is keying the second code when the first code report arrives again.
      inp.pbx(ev.key('4', 7)),
      inp.pbx(ev.key('8', 8)),
      inp.pbx(ev.code(WRONG)),
      inp.pbx(ev.key('2', 9)),
      inp.pbx(ev.key('1', 10)),
      inp.pbx(ev.key('#', 11)),
      inp.pbx(ev.code(RIGHT)),
    ];
    const { state, commands } = playFromStart(inputs, ctxAt(0, p));
    expect(state).toMatchObject({ outcome: 'verified', codeAttempts: 2 });
    expect(commands.filter((c) => c.type === 'transfer').map((c) => (c.type === 'transfer' ? c.target : ''))).toEqual(['6503', '6502']);
  });
});

describe("a code report that overtakes its '#'", () => {
  /** One entry whose code report reached codecall before its '#' report, resent once before and maybe once after the '#'. */
  const overtaking = (digits: string, firstSeq: number, resentAfterHash = false): MachineInput[] => [
    ...[...digits].map((d, i) => inp.pbx(ev.key(d, firstSeq + i))),
    inp.pbx(ev.code(digits)),
    inp.pbx(ev.code(digits)),
    inp.pbx(ev.key('#', firstSeq + digits.length)),
    ...(resentAfterHash ? [inp.pbx(ev.code(digits))] : []),
  ];
  const targets = (commands: Command[]) => routingOf(commands).map((c) => (c.type === 'transfer' ? c.target : 'hangup'));

  it('is taken as the entry at once, after an entry in order', () => {
    const p = policy({ maxCodeAttempts: 3 });
    const { state, commands } = playFromStart([...seq.confirmed(), ...seq.entry(WRONG, 2), ...overtaking(RIGHT, 7)], ctxAt(0, p));
    expect(state).toMatchObject({ outcome: 'verified', codeAttempts: 2 });
    expect(targets(commands)).toEqual(['6503', '6502']);
  });

  it('routes each entry once however its copies fall around the #', () => {
    const p = policy({ maxCodeAttempts: 4 });
    const inputs = [...seq.confirmed(), ...overtaking(WRONG, 2, true), ...seq.entry(WRONG, 7), inp.pbx(ev.code(WRONG)), ...overtaking(WRONG, 12, true), ...overtaking(RIGHT, 17, true)];
    const { state, commands } = playFromStart(inputs, ctxAt(0, p));
    expect(state).toMatchObject({ outcome: 'verified', codeAttempts: 4 });
    expect(targets(commands)).toEqual(['6503', '6503', '6503', '6502']);
  });

  it('routes an entry once when its last digit arrives between the report and its copy', () => {
    // The likely way a long fault run routed a caller twice: the copy followed a key report
    // that belonged to the entry already taken, and was taken as a second entry of the code.
    const lateLastDigit = (digits: string, firstSeq: number): MachineInput[] => [
      ...[...digits.slice(0, -1)].map((d, i) => inp.pbx(ev.key(d, firstSeq + i))),
      inp.pbx(ev.code(digits)),
      inp.pbx(ev.key(digits.at(-1)!, firstSeq + digits.length - 1)),
      inp.pbx(ev.code(digits)),
      inp.pbx(ev.key('#', firstSeq + digits.length)),
    ];
    const p = policy({ maxCodeAttempts: 3 });
    const first = playFromStart([...seq.confirmed(), ...lateLastDigit(RIGHT, 2)], ctxAt(0, p));
    expect(first.state).toMatchObject({ outcome: 'verified', codeAttempts: 1 });
    expect(targets(first.commands)).toEqual(['6502']);
    const later = playFromStart([...seq.confirmed(), ...lateLastDigit(WRONG, 2), ...lateLastDigit(WRONG, 7), ...lateLastDigit(RIGHT, 12)], ctxAt(0, p));
    expect(later.state).toMatchObject({ outcome: 'verified', codeAttempts: 3 });
    expect(targets(later.commands)).toEqual(['6503', '6503', '6502']);
  });

  it('routes an entry once when a stray key came before it and its copy comes before the #', () => {
    // The confirm key pressed twice: one key more than the entry's digits.
    const inputs = [
      ...seq.confirmed(),
      inp.pbx(ev.key('1', 2)),
      ...[...WRONG].map((d, i) => inp.pbx(ev.key(d, 3 + i))),
      inp.pbx(ev.code(WRONG)),
      inp.pbx(ev.code(WRONG)),
      inp.pbx(ev.key('#', 3 + WRONG.length)),
      ...seq.entry(RIGHT, 4 + WRONG.length),
    ];
    const { state, commands } = playFromStart(inputs, ctxAt(0, policy({ maxCodeAttempts: 3 })));
    expect(state).toMatchObject({ outcome: 'verified', codeAttempts: 2 });
    expect(targets(commands)).toEqual(['6503', '6502']);
  });

  it('sends the decision again for the code keyed again after the hold music, not for its copies', () => {
    const routed = playFromStart([...seq.confirmed(), ...seq.entry(WRONG, 2), ...overtaking(RIGHT, 7)]);
    expect(routed.state.status).toBe('routed');
    const again = play(routed.state, overtaking(RIGHT, 12, true));
    expect(again.state).toMatchObject({ outcome: 'verified', codeAttempts: 2 });
    expect(targets(again.commands)).toEqual(['6502']);
  });
});
