import { describe, expect, it } from 'vitest';
import { PbxSimulator } from '../../src/simulator/pbx-simulator.js';
import { smsCall, useEngine } from '../support/engine-harness.js';
import { waitFor } from '../support/report-receiver.js';

const e = useEngine();

const fast = { retryDelaySeconds: 0, maxConcurrent: 5, callsPerSecond: 20 };

describe('when the PBX goes away', () => {
  it('keeps the calls waiting without using up their attempts, and dials them once it is back', async () => {
    const port = Number(new URL(e.sim.url).port);
    await e.sim.stop();
    const phone = '13600000010';
    const res = await e.api('POST', '/api/campaigns', { name: 'outage', calls: [{ phone, code: '2580' }], options: { ...fast, maxDialAttempts: 1 } });
    const id = res.body.id as string;
    await waitFor(async () => (await e.api('GET', `/api/campaigns/${id}/calls`)).body.items[0].waitReason === 'pbx_unreachable', 10_000, 'the call to wait for the PBX');
    // Several dials fail to reach it meanwhile; none may count against the single attempt.
    await new Promise((r) => setTimeout(r, 1000));
    const back = await new PbxSimulator({ port, timeScale: 0.05, mediaDir: e.mediaDir }).start();
    try {
      back.deliverSms(phone, '2580');
      const done = await e.waitForCampaign(id, undefined, 30_000);
      expect(done.counts.verified).toBe(1);
      expect(back.recorder.dials.filter((d) => d.phone === phone)).toHaveLength(1);
      const { body } = await e.api('GET', `/api/campaigns/${id}/calls`);
      expect(body.items[0].dialAttempts).toBe(1);
    } finally {
      await back.stop();
    }
  }, 60_000);
});

describe('when a transfer is lost', () => {
  const lossy = useEngine();

  it('sends the decision again when the caller is back in the code IVR and keys the code again', async () => {
    lossy.sim.faults = { ...lossy.sim.faults, lostTransfers: 1 };
    const phone = '13600000020';
    const res = await lossy.api('POST', '/api/campaigns', { name: 'lost-transfer', calls: [smsCall(lossy, phone, '1357')], options: fast });
    await waitFor(() => lossy.sim.recorder.transfers.filter((t) => t.phone === phone).length === 1, 10_000, 'the first transfer');
    lossy.sim.faults = { ...lossy.sim.faults, lostTransfers: 0 };
    const done = await lossy.waitForCampaign(res.body.id, undefined, 20_000);
    expect(done.counts.verified).toBe(1);
    expect(lossy.sim.recorder.transfers.filter((t) => t.phone === phone).map((t) => t.number)).toEqual(['6502', '6502']);
    // The first was answered Success and lost; the second took the caller to the success IVR.
    expect(lossy.sim.recorder.lostTransfers).toBe(1);
    expect(lossy.sim.recorder.ended.find((c) => c.phone === phone)?.transfers).toEqual(['6502']);
  });
});

describe('when the PBX refuses a transfer for now', () => {
  const busy = useEngine();

  it('sends it again while the caller holds, once, without waiting for the code to be keyed again', async () => {
    // 10008 (extension not idle) may succeed later: the action goes back to pending and is retried.
    busy.sim.faults = { ...busy.sim.faults, refusedTransfers: 1, failErrno: '10008' };
    const phone = '13600000030';
    const res = await busy.api('POST', '/api/campaigns', { name: 'refused-transfer', calls: [smsCall(busy, phone, '2468')], options: fast });
    await waitFor(() => busy.sim.recorder.refusedTransfers >= 1, 10_000, 'the first transfer to be refused');
    busy.sim.faults = { ...busy.sim.faults, refusedTransfers: 0 };
    const done = await busy.waitForCampaign(res.body.id, undefined, 20_000);
    expect(done.counts.verified).toBe(1);
    expect(busy.sim.recorder.transfers.filter((t) => t.phone === phone).map((t) => t.number)).toEqual(['6502']);
    const ended = busy.sim.recorder.ended.find((c) => c.phone === phone);
    expect(ended?.transfers).toEqual(['6502']);
    expect(ended?.codesReported).toBe(1);
    const [action] = await busy.prisma.query<{ state: string; n: number }>(
      `SELECT r.state, count(*) OVER ()::int AS n FROM routing_action r JOIN call c ON c.id = r.call_id WHERE c.phone = $1`,
      phone,
    );
    expect(action).toEqual({ state: 'sent', n: 1 });
  });
});
