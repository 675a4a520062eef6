import { describe, expect, it } from 'vitest';
import { smsCall, useEngine } from '../support/engine-harness.js';
import { waitFor } from '../support/report-receiver.js';

const e = useEngine({ sim: { personaRules: [{ match: '^1366', persona: 'opts_out' }] } });

let n = 5000;
const phone = (lastDigit: number, prefix = '1355') => `${prefix}${String(n++).padStart(6, '0')}${lastDigit}`;
const fast = { retryDelaySeconds: 0, maxConcurrent: 10, callsPerSecond: 50 };
const hhmm = (d: Date) => d.toISOString().slice(11, 16);
/** A UTC window around now, so the callee's zone decides whether it is open. */
const windowAroundNow = () => ({ start: hhmm(new Date(Date.now() - 3600_000)), end: hhmm(new Date(Date.now() + 3600_000)), timezone: 'UTC' });
const closedWindow = () => ({ start: hhmm(new Date(Date.now() + 2 * 3600_000)), end: hhmm(new Date(Date.now() + 3 * 3600_000)), timezone: 'UTC' });

async function create(calls: object[], options: object = {}) {
  const res = await e.api('POST', '/api/campaigns', { name: 'rules', calls, options: { ...fast, ...options } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
async function callsOf(id: string) {
  return (await e.api('GET', `/api/campaigns/${id}/calls?limit=1000`)).body.items as any[];
}
const dialsTo = (p: string) => e.sim.recorder.dials.filter((d) => d.phone === p).length;

describe('the suppression list', () => {
  it('is managed over the API: add, read, list, import CSV, delete', async () => {
    const p = phone(0, '1377');
    expect((await e.api('POST', '/api/suppressions', { phone: p, reason: 'asked by letter' })).status).toBe(201);
    expect((await e.api('GET', `/api/suppressions/${p}`)).body).toMatchObject({ phone: p, reason: 'asked by letter', source: 'api' });
    const imported = await e.api('POST', '/api/suppressions', `phone,reason\n${phone(1, '1377')},csv\n${phone(2, '1377')},\n`);
    expect(imported).toMatchObject({ status: 201, body: { imported: 2 } });
    const list = await e.api('GET', '/api/suppressions?limit=1000');
    expect(list.body.items.filter((s: any) => s.phone.startsWith('1377'))).toHaveLength(3);
    expect((await e.api('DELETE', `/api/suppressions/${p}`)).status).toBe(204);
    expect((await e.api('GET', `/api/suppressions/${p}`)).status).toBe(404);
    const bad = await e.api('POST', '/api/suppressions', `phone,reason\nnope,x\n`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('rows[0].phone');
    expect((await e.api('POST', '/api/suppressions', { phone: '12' })).body.errors[0].path).toBe('phone');
  });

  it('ends suppressed calls at intake, and never dials them', async () => {
    const p = phone(0);
    await e.api('POST', '/api/suppressions', { phone: p });
    const id = await create([smsCall(e, p, '1234')]);
    const done = await e.waitForCampaign(id);
    expect(done.counts.suppressed).toBe(1);
    expect(dialsTo(p)).toBe(0);
  });

  it('is checked again just before each dial', async () => {
    const first = phone(7);
    const second = phone(0);
    // One dial every five seconds: the second call is still waiting when its number is suppressed.
    const id = await create([{ phone: first, code: '1234' }, { phone: second, code: '1234' }], { callsPerSecond: 0.2 });
    await waitFor(() => dialsTo(first) === 1, 5_000, 'the first dial');
    await e.api('POST', '/api/suppressions', { phone: second, reason: 'opted out by SMS' });
    const done = await e.waitForCampaign(id, undefined, 20_000);
    expect(done.counts.suppressed).toBe(1);
    expect(dialsTo(second)).toBe(0);
  });

  it('takes the number of a callee who presses the opt-out key in the entry IVR', async () => {
    const p = phone(0, '1366');
    const id = await create([{ phone: p, code: '1234' }]);
    const done = await e.waitForCampaign(id);
    expect(done.counts.opted_out).toBe(1);
    expect((await e.api('GET', `/api/suppressions/${p}`)).body).toMatchObject({ source: 'opt_out' });
    const again = await e.waitForCampaign(await create([{ phone: p, code: '1234' }]));
    expect(again.counts.suppressed).toBe(1);
    expect(dialsTo(p)).toBe(1);
  });
});

describe('deadlines, windows and caps', () => {
  it('expires a call still waiting at its deadline, without dialling it', async () => {
    const p = phone(0);
    const id = await create([{ phone: p, code: '1234', notAfter: new Date(Date.now() + 1500).toISOString() }], { window: closedWindow() });
    const done = await e.waitForCampaign(id, undefined, 10_000);
    expect(done.counts.expired).toBe(1);
    expect(dialsTo(p)).toBe(0);
  });

  it('reads the window in the zone of each callee at the moment of dialling', async () => {
    const near = phone(7);
    const far = phone(7);
    const id = await create([{ phone: near, code: '1234', timezone: 'UTC' }, { phone: far, code: '1234', timezone: 'Etc/GMT-12' }], { window: windowAroundNow() });
    await waitFor(() => dialsTo(near) === 1, 5_000, 'the callee whose window is open');
    const farCall = await waitFor(async () => (await callsOf(id)).find((c) => c.phone === far && c.waitReason === 'outside_window'), 5_000, 'the other callee postponed');
    expect(farCall.status).toBe('pending');
    expect(new Date(farCall.nextDialAt).getTime()).toBeGreaterThan(Date.now() + 3600_000);
    expect(dialsTo(far)).toBe(0);
    await e.api('POST', `/api/campaigns/${id}/cancel`);
  });

  it('keeps a gap between two calls to one number', async () => {
    const p = phone(6);
    const id = await create([{ phone: p, code: '1234' }], { maxDialAttempts: 2, numberGapSeconds: 3600 });
    await waitFor(async () => (await callsOf(id))[0].waitReason === 'number_gap', 10_000, 'the gap');
    expect(dialsTo(p)).toBe(1);
    await e.api('POST', `/api/campaigns/${id}/cancel`);
  });

  it('refuses a fourth call to one number within a day, whatever the campaign, saying why', async () => {
    const p = phone(6);
    await e.waitForCampaign(await create([{ phone: p, code: '1234' }], { maxDialAttempts: 3 }));
    expect(dialsTo(p)).toBe(3);
    const id = await create([{ phone: p, code: '1234' }]);
    await waitFor(async () => (await callsOf(id))[0].waitReason === 'frequency_cap', 10_000, 'the cap');
    expect(dialsTo(p)).toBe(3);
    await e.api('POST', `/api/campaigns/${id}/cancel`);
  });

  it('says the calls of a paused campaign wait because it is paused', async () => {
    const id = await create([{ phone: phone(7), code: '1234' }], { window: closedWindow() });
    await e.api('POST', `/api/campaigns/${id}/pause`);
    expect((await callsOf(id))[0].waitReason).toBe('paused');
    await e.api('POST', `/api/campaigns/${id}/cancel`);
  });
});

describe('single-call actions', () => {
  it('retries a waiting call now instead of after its retry delay', async () => {
    const p = phone(6);
    const id = await create([{ phone: p, code: '1234' }], { maxDialAttempts: 2, retryDelaySeconds: 3600 });
    await waitFor(async () => (await callsOf(id))[0].waitReason === 'retry_delay', 10_000, 'the retry delay');
    const [call] = await callsOf(id);
    expect((await e.api('POST', `/api/calls/${call.id}/retry`)).status).toBe(200);
    await e.waitForCampaign(id);
    expect(dialsTo(p)).toBe(2);
  });

  it('cancels a waiting call, never cuts a live one unless asked, and hangs up when asked', async () => {
    const waiting = phone(7);
    const live = phone(7);
    const id = await create([{ phone: live, code: '1234' }, { phone: waiting, code: '1234' }], { callsPerSecond: 0.2 });
    await waitFor(async () => (await callsOf(id)).find((c) => c.phone === live)?.status === 'answered', 5_000, 'the live call');
    const calls = await callsOf(id);
    const w = calls.find((c) => c.phone === waiting);
    const l = calls.find((c) => c.phone === live);
    expect((await e.api('POST', `/api/calls/${w.id}/cancel`)).body).toMatchObject({ status: 'done', outcome: 'cancelled' });
    expect((await e.api('POST', `/api/calls/${l.id}/cancel`)).status).toBe(409);
    expect((await e.api('POST', `/api/calls/${l.id}/cancel?hangup=true`)).body).toMatchObject({ outcome: 'cancelled' });
    const done = await e.waitForCampaign(id);
    expect(done.counts.cancelled).toBe(2);
    expect(e.sim.recorder.hangups.some((h) => e.sim.recorder.dials.find((d) => d.callId === h.callId)?.phone === live)).toBe(true);
    expect(dialsTo(waiting)).toBe(0);
  });
});

describe('campaigns sharing one PBX', () => {
  const shared = useEngine({ env: { PBX_MAX_CONCURRENT: '6' } });

  it('give an urgent campaign the larger share without starving the other', async () => {
    const make = async (priority: number, prefix: string) => {
      const calls = Array.from({ length: 30 }, (_, i) => ({ phone: `${prefix}${String(i).padStart(7, '0')}7`, code: '1234' }));
      const res = await shared.api('POST', '/api/campaigns', { name: `p${priority}`, calls, options: { ...fast, priority } });
      return res.body.id as string;
    };
    const low = await make(1, '133');
    const urgent = await make(9, '134');
    const live = async (): Promise<[number, number]> => {
      const [u, l] = await Promise.all([shared.api('GET', `/api/campaigns/${urgent}`), shared.api('GET', `/api/campaigns/${low}`)]);
      return [u.body.counts.inProgress, l.body.counts.inProgress];
    };
    // The campaign created first takes the free lines before the other exists; the shares
    // show once those calls have ended and both campaigns have calls on the line.
    await waitFor(async () => (await live()).every((n) => n > 0), 15_000, 'both campaigns on the line');
    const samples: [number, number][] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 150));
      samples.push(await live());
    }
    expect(samples.every(([u, l]) => u + l <= 6)).toBe(true);
    const urgentTotal = samples.reduce((s, [u]) => s + u, 0);
    const lowTotal = samples.reduce((s, [, l]) => s + l, 0);
    expect(urgentTotal).toBeGreaterThan(lowTotal * 2);
    expect(samples.filter(([, l]) => l > 0).length).toBeGreaterThan(samples.length / 2);
    await shared.api('POST', `/api/campaigns/${urgent}/cancel`);
    await shared.api('POST', `/api/campaigns/${low}/cancel`);
  });
});
