import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/domain/call-events.js';
import { PbxSimulator } from '../../src/simulator/pbx-simulator.js';
import { eventsOf, startPbxHarness, type PbxHarness } from '../support/pbx-harness.js';
import { ReportReceiver, waitFor } from '../support/report-receiver.js';

let h: PbxHarness | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.close();
  h = null;
  while (cleanups.length) await cleanups.pop()!();
});

/** Routes code entries the way codecall does: right → 6502, wrong → 6503 twice, then hang up. */
function routeCodes(harness: PbxHarness, code: string): void {
  const entries = new Map<string, number>();
  const legs = new Map<string, string | null>();
  const original = harness.events.push.bind(harness.events);
  harness.events.push = (...batch) => {
    for (const e of batch) {
      if (e.type === 'answered') legs.set(e.pbxCallId, e.legId);
      if (e.type !== 'code') continue;
      const n = (entries.get(e.pbxCallId) ?? 0) + 1;
      entries.set(e.pbxCallId, n);
      const ref = { pbxCallId: e.pbxCallId, legId: legs.get(e.pbxCallId) ?? null, phone: e.phone ?? '' };
      const action = e.digits === code ? harness.driver.transfer(ref, '6502') : n < 3 ? harness.driver.transfer(ref, '6503') : harness.driver.hangup(ref);
      void action.catch(() => undefined);
    }
    return original(...batch);
  };
}

async function playPersona(phone: string): Promise<CallEvent[]> {
  h = await startPbxHarness();
  h.sim.deliverSms(phone, '2580');
  routeCodes(h, '2580');
  const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone });
  await waitFor(() => eventsOf(h!.events, pbxCallId).some((e) => e.type === 'record'), 10_000, 'the call record');
  return eventsOf(h.events, pbxCallId) as CallEvent[];
}

const summary = (events: CallEvent[]) => ({
  answered: events.some((e) => e.type === 'answered'),
  keys: events.filter((e) => e.type === 'key').map((e) => (e.type === 'key' ? e.key : '')).join(''),
  codes: events.filter((e) => e.type === 'code').map((e) => (e.type === 'code' ? e.digits : '')),
  failure: events.find((e) => e.type === 'failed')?.type === 'failed' ? (events.find((e) => e.type === 'failed') as Extract<CallEvent, { type: 'failed' }>).failure : null,
  record: (events.find((e) => e.type === 'record') as Extract<CallEvent, { type: 'record' }> | undefined)?.status,
});

describe('simulated callees follow their personas', () => {
  it('keys the right code at once (numbers ending 0-2)', async () => {
    const s = summary(await playPersona('13800000000'));
    expect(s).toMatchObject({ answered: true, keys: '12580#', codes: ['2580'], record: 'answered' });
    expect(h!.sim.recorder.transfers.map((t) => t.number)).toEqual(['6502']);
  });

  it('keys a wrong code, then the right one after the retry IVR (ending 3)', async () => {
    const s = summary(await playPersona('13800000003'));
    expect(s.codes).toHaveLength(2);
    expect(s.codes[0]).not.toBe('2580');
    expect(s.codes[1]).toBe('2580');
    expect(h!.sim.recorder.transfers.map((t) => t.number)).toEqual(['6503', '6502']);
  });

  it('keys wrong codes every time (ending 4)', async () => {
    const s = summary(await playPersona('13800000004'));
    expect(s.codes).toHaveLength(3);
    expect(s.codes.every((c) => c !== '2580' && c.length === 4)).toBe(true);
    expect(h!.sim.recorder.hangups).toHaveLength(1);
  });

  it('does not answer (ending 5) or is busy (ending 6)', async () => {
    expect(summary(await playPersona('13800000005'))).toMatchObject({ answered: false, failure: 'no_answer', record: 'no_answer' });
    await h!.close();
    h = null;
    expect(summary(await playPersona('13800000006'))).toMatchObject({ answered: false, failure: 'busy', record: 'busy' });
  });

  it('answers and never presses 1 (ending 7): the entry IVR gives up and hangs up', async () => {
    const events = await playPersona('13800000007');
    expect(summary(events)).toMatchObject({ answered: true, keys: '', codes: [], record: 'answered' });
    expect(events.some((e) => e.type === 'hungup')).toBe(true);
  });

  it('presses 1 and hangs up halfway through the code (ending 8)', async () => {
    const events = await playPersona('13800000008');
    expect(summary(events)).toMatchObject({ answered: true, keys: '125', codes: [] });
    expect(events.some((e) => e.type === 'hungup')).toBe(true);
  });

  it('is rejected at dial (ending 9) with errno 10031', async () => {
    h = await startPbxHarness();
    await expect(h.driver.dial({ ivr: '6500', phone: '13800000009' })).rejects.toMatchObject({ pbxCode: '10031' });
    expect(h.sim.recorder.rejectedDials).toEqual(['13800000009']);
  });

  it('takes personas and codes from rules before the last digit', async () => {
    h = await startPbxHarness({ sim: { personaRules: [{ match: '^1380000000[0-9]$', persona: 'busy' }] } });
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    await waitFor(() => eventsOf(h!.events, pbxCallId).some((e) => e.type === 'failed'), 5_000, 'failure');
    expect(eventsOf(h.events, pbxCallId).find((e) => e.type === 'failed')).toMatchObject({ failure: 'busy' });
  });
});

describe('the simulator speaks the S-Series API', () => {
  async function sim(opts: ConstructorParameters<typeof PbxSimulator>[0] = {}) {
    const s = await new PbxSimulator({ timeScale: 0.002, lockoutMs: 60_000, ...opts }).start();
    cleanups.push(() => s.stop());
    return s;
  }
  const post = async (base: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');

  it('answers every failure with HTTP 200, status Failed and a string errno', async () => {
    const s = await sim();
    expect(await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('nope'), port: '1' })).toEqual({ status: 'Failed', errno: '20003' });
    expect(await post(s.url, '/api/v1.1.0/ivr/dial_outbound', { ivrid: '6500', outto: '1', fromext: '1000' })).toEqual({ status: 'Failed', errno: '20005' });
    expect(await post(s.url, '/api/v1.1.0/ivr/dial_outbound?token=feed', {})).toEqual({ status: 'Failed', errno: '20004' });
    const { token } = await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('password'), port: '1', version: '1.0.2' });
    expect(await post(s.url, `/api/v1.1.0/no/such?token=${token}`, {})).toEqual({ status: 'Failed', errno: '10003' });
    expect(await post(s.url, `/api/v1.1.0/ivr/dial_outbound?token=${token}`, { ivrid: '6500' })).toEqual({ status: 'Failed', errno: '10004' });
    expect(await post(s.url, `/api/v1.1.0/outbound/transfer_number?token=${token}`, { outboundid: '1.1', number: '6502', fromext: '1000' })).toEqual({ status: 'Failed', errno: '10007' });
    const notJson = await fetch(`${s.url}/api/v1.1.0/outbound/query?token=${token}`, { method: 'POST', body: '{oops' });
    expect(await notJson.json()).toEqual({ status: 'Failed', errno: '20000' });
    const get = await fetch(`${s.url}/api/v1.1.0/outbound/query?token=${token}`);
    expect(await get.json()).toEqual({ status: 'Failed', errno: '20001' });
  });

  it('locks the address for the lockout time after five failed logins', async () => {
    const s = await sim();
    for (let i = 0; i < 5; i++) expect((await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('bad'), port: '1' })).errno).toBe('20003');
    expect(await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('password'), port: '1' })).toEqual({ status: 'Failed', errno: '20002' });
  });

  it('expires an idle token after its lifetime, and keeps a used one alive', async () => {
    const s = await sim({ tokenTtlMs: 150 });
    const { token } = await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('password'), port: '1', version: '1.0.2' });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 60));
      expect(await post(s.url, `/api/v1.1.0/heartbeat?token=${token}`, { port: '1', url: 'x', urltag: '0' })).toEqual({ status: 'Success' });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await post(s.url, `/api/v1.1.0/outbound/query?token=${token}`, {})).toEqual({ status: 'Failed', errno: '20006' });
  });

  it('sends the old duplicate-key report format to a client that logs in without a version', async () => {
    const s = await sim();
    const receiver = await new ReportReceiver(async () => undefined).start();
    cleanups.push(() => receiver.stop());
    const { token } = await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('password'), port: String(receiver.port), url: 'r' });
    await post(s.url, `/api/v1.1.0/ivr/dial_outbound?token=${token}`, { ivrid: '6500', outto: '13800000006', fromext: '1000' });
    await waitFor(() => receiver.bodies.length > 0, 5_000, 'a report');
    expect(receiver.bodies[0]).toMatch(/^\{"action":"ALERT","callid":"[\d.]+","sn":"\d+","outbound":\{/);
    expect(receiver.bodies[0]).not.toContain('"call":[');
  });

  it('stops reporting when no session is alive, as the PBX does after its tokens expire', async () => {
    const s = await sim();
    const receiver = await new ReportReceiver(async () => undefined).start();
    cleanups.push(() => receiver.stop());
    const { token } = await post(s.url, '/api/v1.1.0/login', { username: 'api', password: md5('password'), port: String(receiver.port), url: 'r', version: '1.0.2' });
    await post(s.url, `/api/v1.1.0/ivr/dial_outbound?token=${token}`, { ivrid: '6500', outto: '13800000007', fromext: '1000' });
    s.expireTokens();
    await s.settle();
    expect(receiver.bodies.length).toBeLessThanOrEqual(1);
    expect(s.reportStats.dropped).toBeGreaterThan(0);
  });

  it('counts the highest number of live calls and dials to a number that is already live', async () => {
    h = await startPbxHarness({ sim: { timeScale: 0.01 } });
    await Promise.all(['13800000000', '13800000001', '13800000000'].map((phone) => h!.driver.dial({ ivr: '6500', phone })));
    expect(h.sim.recorder.maxLive).toBe(3);
    expect(h.sim.recorder.dials.filter((d) => d.whileLive)).toHaveLength(1);
  });
});
