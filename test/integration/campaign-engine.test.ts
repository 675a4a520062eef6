import { describe, expect, it } from 'vitest';
import { smsCall, phoneNumbers, useEngine } from '../support/engine-harness.js';

const e = useEngine();

const phone = phoneNumbers('1390');
const fast = { retryDelaySeconds: 0, maxConcurrent: 20, callsPerSecond: 50 };

async function run(calls: object[], options: object = {}) {
  const res = await e.api('POST', '/api/campaigns', { name: 'test', calls, options: { ...fast, ...options } });
  expect(res.status).toBe(201);
  const done = await e.waitForCampaign(res.body.id);
  const { body } = await e.api('GET', `/api/campaigns/${res.body.id}/calls?limit=1000`);
  return { campaign: done, calls: body.items as any[] };
}

const outcomeOf = (calls: any[], p: string) => calls.find((c) => c.phone === p)?.outcome;

describe('a campaign runs every call to its outcome', () => {
  it('verifies, fails codes, and records declined, abandoned, unanswered, busy and failed calls', async () => {
    const p = { right: phone(0), wrongThenRight: phone(3), alwaysWrong: phone(4), noAnswer: phone(5), busy: phone(6), declines: phone(7), hangsUp: phone(8), rejected: phone(9) };
    const calls = Object.values(p).map((n, i) => smsCall(e, n, String(482_910 + i)));
    const { campaign, calls: result } = await run(calls, { maxDialAttempts: 2 });
    expect(outcomeOf(result, p.right)).toBe('verified');
    expect(outcomeOf(result, p.wrongThenRight)).toBe('verified');
    expect(outcomeOf(result, p.alwaysWrong)).toBe('code_failed');
    expect(outcomeOf(result, p.noAnswer)).toBe('no_answer');
    expect(outcomeOf(result, p.busy)).toBe('busy');
    expect(outcomeOf(result, p.declines)).toBe('declined');
    expect(outcomeOf(result, p.hangsUp)).toBe('abandoned');
    expect(outcomeOf(result, p.rejected)).toBe('failed');
    expect(campaign.counts).toMatchObject({ total: 8, pending: 0, inProgress: 0, verified: 2, code_failed: 1, declined: 1, abandoned: 1, no_answer: 1, busy: 1, failed: 1 });
    expect(result.find((c) => c.phone === p.alwaysWrong).codeAttempts).toBe(3);
    expect(result.find((c) => c.phone === p.wrongThenRight).codeAttempts).toBe(2);
  });

  it('routes right codes to the success IVR and wrong ones to the retry IVR, once per entry, on the trunk leg', async () => {
    const right = phone(0);
    const wrongThenRight = phone(3);
    const alwaysWrong = phone(4);
    await run([smsCall(e, right, '1357'), smsCall(e, wrongThenRight, '2468'), smsCall(e, alwaysWrong, '9753')]);
    const transfers = (n: string) => e.sim.recorder.transfers.filter((t) => t.phone === n);
    expect(transfers(right).map((t) => t.number)).toEqual(['6502']);
    expect(transfers(wrongThenRight).map((t) => t.number)).toEqual(['6503', '6502']);
    // The last wrong code hangs up (no IVR_FAIL configured) instead of transferring.
    expect(transfers(alwaysWrong).map((t) => t.number)).toEqual(['6503', '6503']);
    expect(e.sim.recorder.hangups.filter((h) => e.sim.recorder.dials.find((d) => d.callId === h.callId)?.phone === alwaysWrong)).toHaveLength(1);
    for (const t of [...transfers(right), ...transfers(wrongThenRight)]) expect(t.legId).not.toBe(t.callId);
  });

  it('dials unanswered and busy callees again after the retry delay, up to maxDialAttempts', async () => {
    const noAnswer = phone(5);
    const busy = phone(6);
    await run([{ phone: noAnswer, code: '1111' }, { phone: busy, code: '2222' }], { maxDialAttempts: 3, retryDelaySeconds: 1 });
    for (const n of [noAnswer, busy]) {
      const dials = e.sim.recorder.dials.filter((d) => d.phone === n);
      expect(dials).toHaveLength(3);
      for (let i = 1; i < dials.length; i++) expect(dials[i]!.at - dials[i - 1]!.at).toBeGreaterThanOrEqual(950);
    }
  });

  it('does not retry a number the PBX refuses for good', async () => {
    const rejected = phone(9);
    const { calls } = await run([{ phone: rejected, code: '1111' }], { maxDialAttempts: 3 });
    expect(outcomeOf(calls, rejected)).toBe('failed');
    expect(e.sim.recorder.rejectedDials.filter((n) => n === rejected)).toHaveLength(1);
  });
});

describe('pacing', () => {
  it('never has more live calls than maxConcurrent, nor more dials in any second than 1.1 x callsPerSecond', async () => {
    const numbers = Array.from({ length: 24 }, () => phone(7)); // callees that answer and never press 1: long calls
    const startDials = e.sim.recorder.dials.length;
    const before = e.sim.recorder.maxLive;
    e.sim.recorder.maxLive = 0;
    await run(numbers.map((n) => ({ phone: n, code: '1234' })), { maxConcurrent: 4, callsPerSecond: 10 });
    expect(e.sim.recorder.maxLive).toBeLessThanOrEqual(4);
    expect(e.sim.recorder.maxLive).toBeGreaterThanOrEqual(3);
    const at = e.sim.recorder.dials.slice(startDials).map((d) => d.at);
    for (const t of at) expect(at.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(11);
    e.sim.recorder.maxLive = Math.max(before, e.sim.recorder.maxLive);
  });

  it('sends each dial a fixed lead (DIAL_LEAD_MS) after its slot, so the PBX sees the even spacing however long the queue took', async () => {
    const numbers = Array.from({ length: 20 }, () => phone(6)); // busy: each call ends at once
    const startDials = e.sim.recorder.dials.length;
    await run(numbers.map((n) => ({ phone: n, code: '1234' })), { maxConcurrent: 20, callsPerSecond: 10, maxDialAttempts: 1 });
    const dials = e.sim.recorder.dials.slice(startDials).filter((d) => numbers.includes(d.phone));
    expect(dials).toHaveLength(20);
    const claimed = new Map((await e.prisma.query<{ phone: string; at: Date }>(`SELECT phone, started_at AS at FROM dial_attempt WHERE phone = ANY($1::text[])`, numbers)).map((r) => [r.phone, r.at.getTime()]));
    // A slot comes before its claim by as much as the tick was late: under 100 ms on an idle
    // test machine, 105 ms seen with the other test files running beside this one. The lead
    // is 500 ms; without it a dial leaves within tens of ms of its claim.
    for (const d of dials) expect(d.at - claimed.get(d.phone)!).toBeGreaterThanOrEqual(300);
    const at = dials.map((d) => d.at).sort((a, b) => a - b);
    // 100 ms apart on their slots; the timer that holds them fires late by up to tens of ms
    // when the test machine is busy, never so late that two dials leave together.
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(40);
    for (const t of at) expect(at.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(11);
  });

  it('never has one number in two live calls at once', async () => {
    const n = phone(7);
    await run([{ phone: n, code: '1234', ref: 'a' }, { phone: n, code: '1234', ref: 'b' }, { phone: n, code: '1234', ref: 'c' }]);
    expect(e.sim.recorder.dials.filter((d) => d.phone === n)).toHaveLength(3);
    expect(e.sim.recorder.dials.filter((d) => d.phone === n && d.whileLive)).toHaveLength(0);
  });

  it('keeps calls waiting outside the calling window and dials none of them', async () => {
    const now = new Date();
    const hh = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const start = new Date(now.getTime() + 2 * 3600_000);
    const end = new Date(now.getTime() + 3 * 3600_000);
    const n = phone(0);
    const res = await e.api('POST', '/api/campaigns', { name: 'closed', calls: [{ phone: n, code: '1234' }], options: { window: { start: hh(start), end: hh(end), timezone: 'UTC' } } });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 800));
    const { body } = await e.api('GET', `/api/campaigns/${res.body.id}`);
    expect(body.counts).toMatchObject({ pending: 1, inProgress: 0 });
    expect(e.sim.recorder.dials.filter((d) => d.phone === n)).toHaveLength(0);
    await e.api('POST', `/api/campaigns/${res.body.id}/cancel`);
  });
});

describe('operators control a campaign', () => {
  it('pauses (no new dials), resumes, and cancels the calls still waiting', async () => {
    const numbers = Array.from({ length: 12 }, () => phone(7));
    const res = await e.api('POST', '/api/campaigns', { name: 'ctl', calls: numbers.map((n) => ({ phone: n, code: '1234' })), options: { maxConcurrent: 2, callsPerSecond: 5 } });
    const id = res.body.id;
    await e.waitForCampaign(id, (c) => c.counts.inProgress > 0);
    expect((await e.api('POST', `/api/campaigns/${id}/pause`)).body.status).toBe('paused');
    const dialled = () => e.sim.recorder.dials.filter((d) => numbers.includes(d.phone)).length;
    const atPause = dialled();
    await e.waitForCampaign(id, (c) => c.counts.inProgress === 0, 20_000);
    expect(dialled()).toBeLessThanOrEqual(atPause + 1);
    expect((await e.api('POST', `/api/campaigns/${id}/resume`)).body.status).toBe('running');
    await e.waitForCampaign(id, () => dialled() > atPause + 1);
    const cancelled = await e.api('POST', `/api/campaigns/${id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    const final = await e.waitForCampaign(id, (c) => c.counts.inProgress === 0 && c.counts.pending === 0, 20_000);
    expect(final.counts.cancelled).toBeGreaterThan(0);
    expect(final.counts.cancelled + final.counts.declined).toBe(12);
    expect((await e.api('POST', `/api/campaigns/${id}/resume`)).status).toBe(409);
  });
});

describe('the PBX quirks a real PBX sends', () => {
  it('settles every call correctly with duplicated reports and ALERTs before the dial answer', async () => {
    e.sim.faults = { ...e.sim.faults, duplicateReports: 1, reportBeforeDialAnswer: 1 };
    try {
      const right = phone(0);
      const wrongThenRight = phone(3);
      const busy = phone(6);
      const { calls } = await run([smsCall(e, right, '4321'), smsCall(e, wrongThenRight, '8765'), { phone: busy, code: '1111' }], { maxDialAttempts: 1 });
      expect(outcomeOf(calls, right)).toBe('verified');
      expect(outcomeOf(calls, wrongThenRight)).toBe('verified');
      expect(outcomeOf(calls, busy)).toBe('busy');
      // Every code report is sent twice; still at most one transfer per code the caller keyed (a
      // slow decision makes the caller key it again after the hold music, and that one is answered).
      const routed = (n: string) => e.sim.recorder.transfers.filter((t) => t.phone === n).map((t) => t.number);
      const keyed = (n: string) => e.sim.recorder.ended.filter((c) => c.phone === n).reduce((sum, c) => sum + c.codesReported, 0);
      expect(routed(wrongThenRight).slice(0, 2)).toEqual(['6503', '6502']);
      expect(routed(wrongThenRight).length).toBeLessThanOrEqual(keyed(wrongThenRight));
      expect(routed(right)[0]).toBe('6502');
      expect(routed(right).length).toBeLessThanOrEqual(keyed(right));
    } finally {
      e.sim.faults = { ...e.sim.faults, duplicateReports: 0, reportBeforeDialAnswer: 0 };
    }
  });

  it('settles calls whose reports were lost, by asking the PBX', async () => {
    const declines = phone(7);
    const res = await e.api('POST', '/api/campaigns', { name: 'lost', calls: [{ phone: declines, code: '1234' }], options: fast });
    await e.waitForCampaign(res.body.id, (c) => c.counts.inProgress === 1);
    e.sim.faults = { ...e.sim.faults, dropReports: 1 };
    try {
      const done = await e.waitForCampaign(res.body.id, undefined, 20_000);
      expect(done.counts.total).toBe(1);
      const { body } = await e.api('GET', `/api/campaigns/${res.body.id}/calls`);
      const detail = await e.api('GET', `/api/calls/${body.items[0].id}`);
      expect(detail.body.events.some((ev: any) => ev.kind === 'watchdog.line_check')).toBe(true);
    } finally {
      e.sim.faults = { ...e.sim.faults, dropReports: 0 };
    }
  });
});

describe('dials whose answer never came', () => {
  it('settles the attempt from reports instead of dialling the person again', async () => {
    e.sim.faults = { ...e.sim.faults, lostDialAnswer: 1 };
    try {
      const right = phone(0);
      const busy = phone(6);
      const { calls } = await run([smsCall(e, right, '6543'), { phone: busy, code: '1111' }], { maxDialAttempts: 2, retryDelaySeconds: 1 });
      expect(outcomeOf(calls, right)).toBe('verified');
      expect(outcomeOf(calls, busy)).toBe('busy');
      expect(e.sim.recorder.dials.filter((d) => d.phone === right)).toHaveLength(1);
      expect(e.sim.recorder.dials.filter((d) => d.phone === busy)).toHaveLength(2);
    } finally {
      e.sim.faults = { ...e.sim.faults, lostDialAnswer: 0 };
    }
  });
});

describe('a caller who used up the code attempts', () => {
  const withFail = useEngine({ env: { IVR_FAIL: '6504' } });

  it('goes to IVR_FAIL when it is configured', async () => {
    const n = phone(4);
    const res = await withFail.api('POST', '/api/campaigns', { name: 'fail-ivr', calls: [{ phone: n, code: '1234' }], options: { ...fast, maxCodeAttempts: 2 } });
    const done = await withFail.waitForCampaign(res.body.id);
    expect(done.counts.code_failed).toBe(1);
    expect(withFail.sim.recorder.transfers.map((t) => t.number)).toEqual(['6503', '6504']);
    expect(withFail.sim.recorder.hangups).toHaveLength(0);
  });
});

describe('reports processed by the workers only (REPORT_INLINE_MAX=0)', () => {
  const queued = useEngine({ env: { REPORT_INLINE_MAX: '0' } });

  it('settles every call as when the webhook process works them itself', async () => {
    const p = { right: phone(0), wrongThenRight: phone(3), busy: phone(6), declines: phone(7) };
    const res = await queued.api('POST', '/api/campaigns', { name: 'queued', calls: Object.values(p).map((n, i) => smsCall(queued, n, String(731_000 + i))), options: { ...fast, maxDialAttempts: 1 } });
    expect(res.status).toBe(201);
    const done = await queued.waitForCampaign(res.body.id);
    expect(done.counts).toMatchObject({ total: 4, verified: 2, busy: 1, declined: 1 });
    expect(queued.sim.recorder.transfers.filter((t) => t.phone === p.wrongThenRight).map((t) => t.number)).toEqual(['6503', '6502']);
  });
});

describe('new dials wait while PBX reports wait to be processed (REPORT_BACKLOG_MAX)', () => {
  const held = useEngine({ env: { REPORT_BACKLOG_MAX: '3' } });

  it('dials nobody while the backlog is at the cap, and resumes once it is worked off', async () => {
    // Reports no worker has taken yet (received "later", so the sweeper leaves them be).
    const waiting = await held.prisma.query<{ id: bigint }>(
      `INSERT INTO pbx_report (received_at, action, event) SELECT now() + interval '1 hour', 'other:Backlog', '{}' FROM generate_series(1, 3) RETURNING id`,
    );
    const numbers = [phone(0), phone(1)];
    const res = await held.api('POST', '/api/campaigns', { name: 'held', calls: numbers.map((n, i) => smsCall(held, n, String(732_000 + i))), options: fast });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1500));
    expect(held.sim.recorder.dials.filter((d) => numbers.includes(d.phone))).toHaveLength(0);
    expect((await held.api('GET', `/api/campaigns/${res.body.id}`)).body.counts).toMatchObject({ pending: 2, inProgress: 0 });

    await held.prisma.execute(`UPDATE pbx_report SET processed_at = now() WHERE id = ANY($1::bigint[])`, waiting.map((w) => w.id));
    const done = await held.waitForCampaign(res.body.id);
    expect(done.counts).toMatchObject({ total: 2, verified: 2 });
  });
});
