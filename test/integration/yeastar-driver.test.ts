import { afterEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../src/domain/call-events.js';
import { PbxOutcomeUnknownError, PbxRejectedError } from '../../src/pbx/pbx-errors.js';
import { eventsOf, startPbxHarness, TEST_SECRET, type PbxHarness } from '../support/pbx-harness.js';
import { waitFor } from '../support/report-receiver.js';
import { selfSignedCert } from '../support/self-signed.js';

let h: PbxHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const ofType = <T extends CallEvent['type']>(events: CallEvent[], type: T) => events.filter((e): e is Extract<CallEvent, { type: T }> => e.type === type);

describe('S-Series driver against the simulator', () => {
  it('logs in with the MD5 of the password, report format 1.0.2 and the secret report path', async () => {
    h = await startPbxHarness();
    const login = h.sim.recorder.logins[0]!;
    expect(login.ok).toBe(true);
    expect(login.version).toBe('1.0.2');
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    await waitFor(() => h!.receiver.bodies.length > 0, 5_000, 'a report');
    expect(h.receiver.paths[0]).toBe(`/pbx/reports/${TEST_SECRET}`);
    expect(h.receiver.userAgents[0]).toBe('WebAPI');
    expect(pbxCallId).toMatch(/^\d+\.\d+$/);
  });

  it('plays a verified call: ringing, answered, the 1 as key 0, the code, transfer on the trunk leg, two hang-ups and a record', async () => {
    h = await startPbxHarness();
    h.sim.deliverSms('13800000000', '56789');
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    const code = await waitFor(() => eventsOf(h!.events, pbxCallId).find((e) => e.type === 'code'), 5_000, 'the code');
    const events = eventsOf(h.events, pbxCallId) as CallEvent[];
    const answered = ofType(events, 'answered')[0]!;
    expect(ofType(events, 'ringing')).toHaveLength(1);
    expect(answered.legId).not.toBe(pbxCallId);
    const keys = ofType(events, 'key');
    expect(keys.map((k) => [k.key, k.seq])).toEqual([['1', 0], ['5', 1], ['6', 2], ['7', 3], ['8', 4], ['9', 5], ['#', 6]]);
    expect(keys.at(-1)!.legId).toBeNull();
    expect(code).toMatchObject({ type: 'code', digits: '56789', legId: null });

    await h.driver.transfer({ pbxCallId, legId: answered.legId, phone: '13800000000' }, '6502');
    await waitFor(() => eventsOf(h!.events, pbxCallId).some((e) => e.type === 'record'), 5_000, 'the call record');
    expect(h.sim.recorder.transfers).toEqual([expect.objectContaining({ legId: answered.legId, number: '6502', callId: pbxCallId })]);
    const hungups = h.events.filter((e) => e.type === 'hungup');
    expect(hungups).toHaveLength(2);
    expect(new Set(hungups.map((e) => e.dedupKey)).size).toBe(2);
    expect(ofType(eventsOf(h.events, pbxCallId) as CallEvent[], 'record')[0]).toMatchObject({ status: 'answered' });
  });

  it('sends the caller to the retry IVR and receives the second entry with flags counting on', async () => {
    h = await startPbxHarness({ sim: { personaRules: [{ match: '^139', persona: 'wrong_then_right', code: '4321' }] } });
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13900000000' });
    const first = await waitFor(() => eventsOf(h!.events, pbxCallId).find((e) => e.type === 'code'), 5_000, 'first code');
    expect(first).toMatchObject({ digits: expect.not.stringMatching(/^4321$/) });
    const leg = (eventsOf(h.events, pbxCallId) as CallEvent[]).find((e) => e.type === 'answered')!.legId;
    await h.driver.transfer({ pbxCallId, legId: leg, phone: '13900000000' }, '6503');
    const codes = await waitFor(() => {
      const c = eventsOf(h!.events, pbxCallId).filter((e) => e.type === 'code');
      return c.length === 2 ? c : undefined;
    }, 5_000, 'second code');
    expect(codes[1]).toMatchObject({ digits: '4321' });
    const seqs = ofType(eventsOf(h.events, pbxCallId) as CallEvent[], 'key').map((k) => k.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a! - b!));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('reports busy and unanswered callees as classified failures followed by a call record', async () => {
    h = await startPbxHarness();
    const busy = await h.driver.dial({ ivr: '6500', phone: '13800000006' });
    const silent = await h.driver.dial({ ivr: '6500', phone: '13800000005' });
    await waitFor(() => h!.events.filter((e) => e.type === 'record').length === 2, 10_000, 'two records');
    expect(eventsOf(h.events, busy.pbxCallId).find((e) => e.type === 'failed')).toMatchObject({ failure: 'busy', reason: '486 Busy Here' });
    expect(eventsOf(h.events, silent.pbxCallId).find((e) => e.type === 'failed')).toMatchObject({ failure: 'no_answer' });
    expect(eventsOf(h.events, busy.pbxCallId).find((e) => e.type === 'record')).toMatchObject({ status: 'busy' });
    expect(eventsOf(h.events, silent.pbxCallId).find((e) => e.type === 'record')).toMatchObject({ status: 'no_answer' });
  });

  it('maps dial refusals to permanent typed errors carrying the errno', async () => {
    h = await startPbxHarness({ sim: { noPermissionExtensions: ['1001'] } });
    const refused = await h.driver.dial({ ivr: '6500', phone: '13800000009' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PbxRejectedError);
    expect(refused).toMatchObject({ pbxCode: '10031', retryable: false });
    const noIvr = await h.driver.dial({ ivr: '6599', phone: '13800000000' }).catch((e: unknown) => e);
    expect(noIvr).toMatchObject({ pbxCode: '10012', retryable: false });
    await h.close();
    h = await startPbxHarness({ sim: { noPermissionExtensions: ['1001'] }, driver: { fromExt: '1001' } });
    const noPermission = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: unknown) => e);
    expect(noPermission).toMatchObject({ pbxCode: '10024', retryable: false });
  });

  it('finds the live call by number when a transfer names a leg the PBX no longer knows', async () => {
    h = await startPbxHarness();
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    await waitFor(() => eventsOf(h!.events, pbxCallId).find((e) => e.type === 'code'), 5_000, 'the code');
    await h.driver.transfer({ pbxCallId, legId: '1.999', phone: '13800000000' }, '6502');
    expect(h.sim.recorder.transfers.map((t) => t.number)).toEqual(['6502', '6502']);
    expect(h.sim.recorder.transfers[1]!.callId).toBe(pbxCallId);
  });

  it('treats hanging up a call that already ended as done, and lists live calls', async () => {
    h = await startPbxHarness();
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    const answered = await waitFor(() => eventsOf(h!.events, pbxCallId).find((e) => e.type === 'answered'), 5_000, 'answer');
    const live = await h.driver.liveCalls();
    expect(live).toEqual([expect.objectContaining({ to: '13800000000', legId: (answered as CallEvent).legId, state: 'talking' })]);
    const ref = { pbxCallId, legId: (answered as CallEvent).legId, phone: '13800000000' };
    await h.driver.hangup(ref);
    await waitFor(() => h!.events.some((e) => e.type === 'hungup'), 5_000, 'hang-up');
    await expect(h.driver.hangup(ref)).resolves.toBeUndefined();
    expect(await h.driver.liveCalls()).toEqual([]);
  });
});

describe('S-Series driver under PBX faults', () => {
  it('logs in once however many requests need a token at the same time', async () => {
    h = await startPbxHarness({ startDriver: false });
    await h.driver.start(async () => undefined);
    h.sim.expireTokens();
    await Promise.all(Array.from({ length: 20 }, () => h!.driver.liveCalls()));
    expect(h.sim.recorder.logins.filter((l) => l.ok)).toHaveLength(2);
  });

  it('logs in again once and repeats the request when the token expired', async () => {
    h = await startPbxHarness();
    h.sim.expireTokens();
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    expect(pbxCallId).toBeTruthy();
    expect(h.sim.recorder.logins.filter((l) => l.ok)).toHaveLength(2);
    expect(h.sim.recorder.dials).toHaveLength(1);
  });

  it('stops asking after the PBX refused the password, and says why and until when', async () => {
    h = await startPbxHarness({ driver: { password: 'wrong' }, startDriver: false });
    await h.driver.start(async () => undefined);
    for (let i = 0; i < 10; i++) {
      const err = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'pbx_auth_failed' });
      expect((err as Error).message).toMatch(/20003.*PBX_PASSWORD.*next attempt after/);
    }
    expect(h.sim.recorder.logins).toHaveLength(1);
    expect(h.sim.recorder.dials).toHaveLength(0);
    expect((await h.driver.health()).ok).toBe(false);
  });

  it('logs in again after a BootUp report, so reports flow again', async () => {
    h = await startPbxHarness();
    await h.sim.reboot();
    await waitFor(() => h!.sim.recorder.logins.filter((l) => l.ok).length === 2, 5_000, 'second login');
    expect(h.events.some((e) => e.type === 'pbx-restarted')).toBe(true);
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    await waitFor(() => eventsOf(h!.events, pbxCallId).some((e) => e.type === 'ringing'), 5_000, 'ringing after reboot');
  });

  it('passes duplicated reports on with equal dedup keys', async () => {
    h = await startPbxHarness({ sim: { faults: { duplicateReports: 1 } } });
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000006' });
    await waitFor(() => eventsOf(h!.events, pbxCallId).filter((e) => e.type === 'record').length === 2, 5_000, 'both copies');
    const ringing = eventsOf(h.events, pbxCallId).filter((e) => e.type === 'ringing');
    expect(ringing).toHaveLength(2);
    expect(ringing[0]!.dedupKey).toBe(ringing[1]!.dedupKey);
  });

  it('delivers the ALERT before the dial request is answered when the PBX races', async () => {
    h = await startPbxHarness({ sim: { faults: { reportBeforeDialAnswer: 1 } } });
    const seenBefore: boolean[] = [];
    const dial = h.driver.dial({ ivr: '6500', phone: '13800000000' }).then((r) => {
      seenBefore.push(h!.events.some((e) => e.type === 'ringing' && e.pbxCallId === r.pbxCallId));
      return r;
    });
    await dial;
    expect(seenBefore).toEqual([true]);
  });

  it('says the outcome is unknown when the answer comes too late, and the call can be found live', async () => {
    // Slow enough that the call is still live when we look for it.
    h = await startPbxHarness({ sim: { timeScale: 0.1 }, driver: { transport: { timeoutMs: 200 } } });
    h.sim.faults = { ...h.sim.faults, slowAnswers: 1, slowAnswerMs: 600 };
    const err = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PbxOutcomeUnknownError);
    expect(h.sim.recorder.dials).toHaveLength(1);
    h.sim.faults.slowAnswers = 0;
    const live = await h.driver.liveCalls();
    expect(live.map((c) => c.to)).toEqual(['13800000000']);
  });

  it('says the outcome is unknown when the connection drops after the PBX placed the call', async () => {
    h = await startPbxHarness({ sim: { faults: { lostDialAnswer: 1 } } });
    const err = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PbxOutcomeUnknownError);
    expect(h.sim.recorder.lostDialAnswers).toBe(1);
    const ringing = await waitFor(() => h!.events.find((e) => e.type === 'ringing'), 5_000, 'reports of the placed call');
    expect(ringing).toMatchObject({ phone: '13800000000' });
  });

  it('says the PBX is unavailable, not unknown, when nothing listens', async () => {
    h = await startPbxHarness({ startDriver: false, driver: { baseUrl: new URL('http://127.0.0.1:9') } });
    const err = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'pbx_unavailable', retryable: true });
  });

  it('maps failed answers to retryable errors without acting on them', async () => {
    h = await startPbxHarness({ sim: { faults: { failAnswers: 1, failErrno: '30003' } } });
    const err = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ pbxCode: '30003', retryable: true, message: expect.stringContaining('apisrv process not running') });
    expect(h.sim.recorder.dials).toHaveLength(0);
  });

  it('resends reports until the webhook answers 200', async () => {
    h = await startPbxHarness();
    h.receiver.status = 503;
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000006' });
    await waitFor(() => h!.receiver.bodies.length >= 4, 5_000, 'refused deliveries');
    h.receiver.status = 200;
    await waitFor(() => eventsOf(h!.events, pbxCallId).some((e) => e.type === 'record'), 5_000, 'the record after resends');
    expect(h.sim.reportStats.resent).toBeGreaterThan(0);
  });

  it('delivers every report of a call even when reports overtake each other', async () => {
    h = await startPbxHarness({ sim: { faults: { reorderJitterMs: 30 } } });
    h.sim.deliverSms('13800000000', '2468');
    const { pbxCallId } = await h.driver.dial({ ivr: '6500', phone: '13800000000' });
    const code = await waitFor(() => eventsOf(h!.events, pbxCallId).find((e) => e.type === 'code'), 5_000, 'the code');
    expect(code).toMatchObject({ digits: '2468' });
    await waitFor(() => eventsOf(h!.events, pbxCallId).filter((e) => e.type === 'key').length === 6, 5_000, 'all keys');
  });

  it('keeps the token alive with heartbeats that re-state the report address', async () => {
    h = await startPbxHarness({ sim: { tokenTtlMs: 300 }, driver: { heartbeatMs: 100 } });
    await new Promise((r) => setTimeout(r, 700));
    expect(h.sim.recorder.requests.heartbeat).toBeGreaterThanOrEqual(4);
    await h.driver.liveCalls();
    expect(h.sim.recorder.logins.filter((l) => l.ok)).toHaveLength(1);
  });
});

describe('S-Series driver over HTTPS with a self-signed PBX certificate', () => {
  const tls = selfSignedCert();

  it('refuses an unverified certificate by default, without sending the request', async () => {
    h = await startPbxHarness({ sim: { tls }, startDriver: false });
    const err = await h.driver.dial({ ivr: '6500', phone: '13800000000' }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'pbx_unavailable' });
    expect(h.sim.recorder.logins).toHaveLength(0);
  });

  it('trusts the certificate given as PBX_CA_FILE', async () => {
    h = await startPbxHarness({ sim: { tls }, driver: { transport: { timeoutMs: 2_000, ca: tls.cert } } });
    await expect(h.driver.dial({ ivr: '6500', phone: '13800000000' })).resolves.toMatchObject({ pbxCallId: expect.any(String) });
  });

  it('skips verification only when told to', async () => {
    h = await startPbxHarness({ sim: { tls }, driver: { transport: { timeoutMs: 2_000, insecure: true } } });
    await expect(h.driver.liveCalls()).resolves.toEqual([]);
  });
});

