import { describe, it, expect } from 'vitest';
import { parseReport } from '../../src/pbx/yeastar/reports.js';
import type { PbxEvent } from '../../src/domain/call-events.js';

/*
 * The SEED_* strings are copied verbatim from shared/seeds/004 (what a real S-Series PBX sent).
 * They are parsed afresh in every test, so no test can change what another one sees.
 */
const SEED_ALERT =
  '{"action": "ALERT", "callid": "1552976047.56", "call": [{"outbound": {"from": "6500", "to": "10086", "trunk": "192.168.9.121", "outboundid": "1552976047.58"}}], "sn": "368182384620"}';
const SEED_ANSWERED =
  '{"action": "ANSWERED", "callid": "1552976047.56", "call": [{"outbound": {"from": "6500", "to": "10086", "trunk": "192.168.9.121", "outboundid": "1552976047.58"}}], "sn": "368182384620"}';
const SEED_KEYS = [
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "5", "flag": "1", "sn": "368182384620"}',
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "6", "flag": "2", "sn": "368182384620"}',
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "7", "flag": "3", "sn": "368182384620"}',
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "8", "flag": "4", "sn": "368182384620"}',
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "9", "flag": "5", "sn": "368182384620"}',
];
const SEED_HASH =
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.217"}}], "info": "#", "flag": "6", "sn": "368182384620"}';
const SEED_INFOS =
  '{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.217"}}], "infos": "56789", "sn": "368182384620"}';

const SN = '368182384620';

// ---------- factories ----------

function at(iso = '2024-03-12T08:00:00.000Z'): Date {
  return new Date(iso);
}

function outboundMember(over: Record<string, unknown> = {}) {
  return { outbound: { from: '6500', to: '13800000001', trunk: 'trunk1', outboundid: '1700000000.12', ...over } };
}

function callReport(action: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { action, callid: '1700000000.10', call: [outboundMember()], sn: SN, ...over };
}

function keyReport(info: string, flag: string | number, over: Record<string, unknown> = {}) {
  return callReport('DTMF', { info, flag, ...over });
}

function callFailed(reason: unknown, over: Record<string, unknown> = {}) {
  return { action: 'CallFailed', callid: '1700000000.10', outbound: outboundMember().outbound, reason, sn: SN, ...over };
}

function newCdr(over: Record<string, unknown> = {}) {
  return {
    action: 'NewCdr',
    callid: '1700000000.10',
    timestart: '2024-03-12 16:00:00',
    callfrom: '6500',
    callto: '13800000001',
    callduraction: '42',
    talkduraction: '30',
    srctrunkname: '',
    desttrunkname: 'trunk1',
    status: 'ANSWERED',
    type: 'Outbound',
    pincode: '',
    recording: '',
    didnumber: '',
    agentringtime: '',
    sn: SN,
    ...over,
  };
}

/** Parses a report that must yield exactly one event. */
function onlyEvent(body: unknown, receivedAt = at()): PbxEvent {
  const { events } = parseReport(body, receivedAt);
  expect(events).toHaveLength(1);
  return events[0]!;
}

function seed(text: string): unknown {
  return JSON.parse(text);
}

// ---------- seed 004 payloads ----------

describe('parseReport on the reports seed 004 shows a real PBX sending', () => {
  it('turns ALERT into a ringing event naming the trunk leg, the dialled number and the call', () => {
    const receivedAt = at();
    const parsed = parseReport(seed(SEED_ALERT), receivedAt);
    expect(parsed.action).toBe('ALERT');
    expect(parsed.sn).toBe(SN);
    expect(parsed.events).toEqual([
      {
        type: 'ringing',
        pbxCallId: '1552976047.56',
        legId: '1552976047.58',
        phone: '10086',
        receivedAt,
        dedupKey: expect.any(String),
      },
    ]);
  });

  it('turns ANSWERED into an answered event with the same call, leg and number', () => {
    expect(onlyEvent(seed(SEED_ANSWERED))).toMatchObject({
      type: 'answered',
      pbxCallId: '1552976047.56',
      legId: '1552976047.58',
      phone: '10086',
    });
  });

  it('turns the five per-key reports into key events 5,6,7,8,9 with seq 1..5 on trunk leg .219', () => {
    const events = SEED_KEYS.map((text) => onlyEvent(seed(text)));
    expect(events.map((e) => (e.type === 'key' ? [e.key, e.seq] : e.type))).toEqual([
      ['5', 1],
      ['6', 2],
      ['7', 3],
      ['8', 4],
      ['9', 5],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ type: 'key', pbxCallId: '1553672645.217', legId: '1553672645.219', phone: '500' });
    }
  });

  it('gives each per-key report of one call its own dedupKey', () => {
    const keys = SEED_KEYS.map((text) => onlyEvent(seed(text)).dedupKey);
    expect(keys.every((k) => typeof k === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(SEED_KEYS.length);
  });

  it("turns the '#' report (flag 6, outboundid equal to callid) into key '#' with seq 6 and no leg", () => {
    expect(onlyEvent(seed(SEED_HASH))).toMatchObject({
      type: 'key',
      key: '#',
      seq: 6,
      pbxCallId: '1553672645.217',
      legId: null,
    });
  });

  it('turns the infos report into a code event 56789 with no leg and no dedupKey', () => {
    expect(onlyEvent(seed(SEED_INFOS))).toMatchObject({
      type: 'code',
      digits: '56789',
      pbxCallId: '1553672645.217',
      legId: null,
      dedupKey: null,
    });
  });
});

// ---------- DTMF ----------

describe('parseReport on DTMF reports', () => {
  it("reports the '1' pressed in IVR 6500 with flag \"0\" as a key with seq 0", () => {
    const e = onlyEvent(keyReport('1', '0'));
    expect(e).toMatchObject({ type: 'key', key: '1', seq: 0, legId: '1700000000.12' });
    expect(e.dedupKey).not.toBeNull();
  });

  it('strips a trailing # from infos', () => {
    expect(onlyEvent(callReport('DTMF', { infos: '56789#' }))).toMatchObject({ type: 'code', digits: '56789' });
  });

  it('keeps the digits of infos that has no trailing #', () => {
    expect(onlyEvent(callReport('DTMF', { infos: '0123' }))).toMatchObject({ type: 'code', digits: '0123' });
  });

  it('accepts info, flag and ids sent as JSON numbers', () => {
    const e = onlyEvent({
      action: 'DTMF',
      callid: 1553672645.217,
      call: [{ outbound: { from: 6500, to: 500, trunk: '192.168.9.121', outboundid: 1553672645.219 } }],
      info: 5,
      flag: 1,
      sn: 368182384620,
    });
    expect(e).toMatchObject({
      type: 'key',
      key: '5',
      seq: 1,
      pbxCallId: '1553672645.217',
      legId: '1553672645.219',
      phone: '500',
    });
  });

  it('gives the same key the same seq whether flag is a string or a number', () => {
    const asString = onlyEvent(keyReport('7', '3'));
    const asNumber = onlyEvent(keyReport('7', 3));
    expect(asNumber.dedupKey).toBe(asString.dedupKey);
  });

  it('accepts infos sent as a JSON number', () => {
    expect(onlyEvent(callReport('DTMF', { infos: 56789 }))).toMatchObject({ type: 'code', digits: '56789' });
  });
});

// ---------- CallFailed ----------

describe('parseReport on CallFailed reports', () => {
  it('reads the dialled number and leg from a top-level outbound member', () => {
    expect(onlyEvent(callFailed('486 Busy Here'))).toMatchObject({
      type: 'failed',
      reason: '486 Busy Here',
      failure: 'busy',
      pbxCallId: '1700000000.10',
      legId: '1700000000.12',
      phone: '13800000001',
    });
  });

  it('reads the dialled number and leg from call[] members', () => {
    const body = callReport('CallFailed', { reason: '480 Temporarily unavailable' });
    expect(onlyEvent(body)).toMatchObject({
      type: 'failed',
      failure: 'no_answer',
      legId: '1700000000.12',
      phone: '13800000001',
    });
  });

  it('classifies a bare numeric reason (OpenVox: "reason":480) as no_answer', () => {
    expect(onlyEvent(callFailed(480))).toMatchObject({ type: 'failed', reason: '480', failure: 'no_answer' });
  });

  it('accepts a top-level ext member whose extid is an array (OpenVox)', () => {
    const body = callFailed('NO Outbound Restriction', { ext: { extid: ['101', '106'] } });
    expect(onlyEvent(body)).toMatchObject({ type: 'failed', failure: 'no_permission' });
  });
});

// ---------- NewCdr ----------

describe('parseReport on NewCdr reports', () => {
  it('reads the misspelt callduraction and talkduraction as numbers of seconds', () => {
    expect(onlyEvent(newCdr({ callduraction: '42', talkduraction: '30' }))).toMatchObject({
      type: 'record',
      status: 'answered',
      totalSeconds: 42,
      talkSeconds: 30,
      pbxCallId: '1700000000.10',
      phone: '13800000001',
    });
  });

  it('accepts durations sent as JSON numbers', () => {
    expect(onlyEvent(newCdr({ callduraction: 17, talkduraction: 0 }))).toMatchObject({
      totalSeconds: 17,
      talkSeconds: 0,
    });
  });

  it('gives null seconds when a duration is missing or not a number', () => {
    const body = newCdr({ talkduraction: 'n/a' });
    delete (body as Record<string, unknown>).callduraction;
    expect(onlyEvent(body)).toMatchObject({ totalSeconds: null, talkSeconds: null });
  });

  it.each([
    ['ANSWERED', 'answered'],
    ['NO ANSWER', 'no_answer'],
    ['BUSY', 'busy'],
    ['FAILED', 'failed'],
    ['VOICEMAIL', 'voicemail'],
    ['CONGESTION', 'unknown'],
    ['', 'unknown'],
  ])('maps CDR status %j to record status %s', (status, expected) => {
    expect(onlyEvent(newCdr({ status }))).toMatchObject({ type: 'record', status: expected });
  });

  it('maps a NewCdr without status to record status unknown', () => {
    const body = newCdr();
    delete (body as Record<string, unknown>).status;
    expect(onlyEvent(body)).toMatchObject({ type: 'record', status: 'unknown' });
  });
});

// ---------- BYE ----------

describe('parseReport on BYE reports', () => {
  it('turns the two BYE reports of one call into two hungup events with distinct dedupKeys', () => {
    const first = onlyEvent(callReport('BYE', { callid: '1700000000.1775' }));
    const second = onlyEvent(callReport('BYE', { callid: '1700000000.1777' }));
    expect(first).toMatchObject({ type: 'hungup', legId: '1700000000.12' });
    expect(second).toMatchObject({ type: 'hungup', legId: '1700000000.12' });
    expect(first.dedupKey).not.toBeNull();
    expect(second.dedupKey).not.toBeNull();
    expect(first.dedupKey).not.toBe(second.dedupKey);
  });
});

// ---------- reports codecall keeps but does not act on ----------

describe('parseReport on reports codecall has no use for', () => {
  it.each([
    ['Tranfer', callReport('Tranfer')],
    ['PlayPromptEnd', { action: 'PlayPromptEnd', callid: '1700000000.10', outbound: { trunkname: 'trunk1' }, prompt: 'notice', sn: SN }],
    ['ExtensionStatus', { action: 'ExtensionStatus', extension: '1000', status: 'Registered', sn: SN }],
    ['SomethingNew', { action: 'SomethingNew', callid: '1700000000.10', whatever: { nested: [1, 2] }, sn: SN }],
  ])('keeps %s as an other event rather than rejecting it', (action, body) => {
    const parsed = parseReport(body, at());
    expect(parsed.action).toBe(action);
    expect(parsed.events).toEqual([expect.objectContaining({ type: 'other', action, dedupKey: null })]);
  });

  it('names the call of an other event when the report has one', () => {
    expect(onlyEvent(callReport('Tranfer'))).toMatchObject({ type: 'other', pbxCallId: '1700000000.10' });
  });

  it('turns BootUp, which carries only sn, into pbx-restarted', () => {
    const receivedAt = at();
    const parsed = parseReport({ action: 'BootUp', sn: SN }, receivedAt);
    expect(parsed.sn).toBe(SN);
    expect(parsed.events).toEqual([{ type: 'pbx-restarted', dedupKey: null, receivedAt }]);
  });

  it('accepts call[] members whose ext.extid is an array (OpenVox)', () => {
    const body = callReport('ANSWERED', { call: [{ ext: { extid: ['101', '106'] } }, outboundMember()] });
    expect(onlyEvent(body)).toMatchObject({ type: 'answered', legId: '1700000000.12', phone: '13800000001' });
  });

  it('reports a missing sn as null', () => {
    const body = callReport('ALERT');
    delete body.sn;
    expect(parseReport(body, at()).sn).toBeNull();
  });
});

// ---------- resent reports ----------

describe('parseReport on a report the PBX sends again', () => {
  it.each([
    ['ALERT', () => seed(SEED_ALERT)],
    ['ANSWERED', () => seed(SEED_ANSWERED)],
    ['a per-key DTMF', () => seed(SEED_KEYS[2]!)],
    ['BYE', () => callReport('BYE')],
    ['CallFailed', () => callFailed('486 Busy Here')],
    ['NewCdr', () => newCdr()],
  ])('gives a resent %s the same non-null dedupKey', (_name, make) => {
    const first = onlyEvent(make(), at('2024-03-12T08:00:00.000Z'));
    const again = onlyEvent(make(), at('2024-03-12T08:00:05.000Z'));
    expect(first.dedupKey).not.toBeNull();
    expect(again.dedupKey).toBe(first.dedupKey);
  });

  it('gives ringing and answered of one call different dedupKeys', () => {
    expect(onlyEvent(seed(SEED_ALERT)).dedupKey).not.toBe(onlyEvent(seed(SEED_ANSWERED)).dedupKey);
  });

  it('gives the same report of two different calls different dedupKeys', () => {
    const a = onlyEvent(callReport('ANSWERED', { callid: '1700000000.10' }));
    const b = onlyEvent(callReport('ANSWERED', { callid: '1700000000.20' }));
    expect(a.dedupKey).not.toBe(b.dedupKey);
  });
});

// ---------- bodies that are not reports ----------

describe('parseReport on bodies that are not reports', () => {
  it.each([
    ['null', null],
    ['an array', [callReport('ALERT')]],
    ['a string', SEED_ALERT],
    ['an object without action', { callid: '1700000000.10', sn: SN }],
    ['an object whose action is not a string', { action: 42, callid: '1700000000.10', sn: SN }],
    ['an object with an empty action', { action: '', callid: '1700000000.10', sn: SN }],
  ])('rejects %s with a validation_failed error', (_name, body) => {
    let caught: unknown;
    try {
      parseReport(body, at());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as { code?: unknown }).code).toBe('validation_failed');
  });
});
