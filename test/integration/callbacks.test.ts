import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCallback } from '../../src/app/callback-transport.js';
import { startEngine, smsCall, type Engine } from '../support/engine-harness.js';
import { waitFor } from '../support/report-receiver.js';

const SECRET = 'callback-secret-for-tests';

/** The booking system's receiver: answers `status()` and keeps what it got. */
class Receiver {
  received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  status: (body: string) => number = () => 200;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.received.push({ headers: req.headers, body });
      res.writeHead(this.status(body)).end();
    });
  });
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }
  get url() {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/codecall`;
  }
  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
  events(type: string) {
    return this.received.map((r) => ({ ...r, json: JSON.parse(r.body) })).filter((r) => r.json.type === type);
  }
}

/** What the README tells a receiver to do: recompute the HMAC over "t.body" and compare. */
function verify(header: string, body: string, secret: string, toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let e: Engine;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().start();
  e = await startEngine({ env: { CALLBACK_SECRET: SECRET, CALLBACK_RETRY_BASE_MS: '100', CALLBACK_MAX_AGE_MS: '1500', CALLBACK_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => {
  await e?.close();
  await receiver?.stop();
});

const fast = { retryDelaySeconds: 0, maxDialAttempts: 1, callsPerSecond: 50 };

describe('outcome callbacks', () => {
  it('push each call result and the campaign result, signed, with an idempotency id and never the code', async () => {
    receiver.status = () => 200;
    const res = await e.api('POST', '/api/campaigns', { name: 'cb', calls: [smsCall(e, '13500000010', '864213', { ref: 'a' }), { phone: '13500000016', code: '555111', ref: 'b' }], options: { ...fast, callbackUrl: receiver.url } });
    const id = res.body.id as string;
    await waitFor(() => receiver.events('campaign.finished').some((r) => r.json.data.campaignId === id), 20_000, 'campaign.finished');
    const calls = receiver.events('call.finished').filter((r) => r.json.data.campaignId === id);
    expect(calls.map((c) => [c.json.data.ref, c.json.data.outcome]).sort()).toEqual([['a', 'verified'], ['b', 'busy']]);
    for (const c of [...calls, ...receiver.events('campaign.finished')]) {
      expect(verify(String(c.headers['codecall-signature']), c.body, SECRET)).toBe(true);
      expect(verify(String(c.headers['codecall-signature']), c.body, 'another secret')).toBe(false);
      expect(c.headers['idempotency-key']).toBe(c.json.id);
      expect(c.body).not.toContain('864213');
      expect(c.body).not.toContain('555111');
    }
    expect(calls[0]!.json.data).toMatchObject({ campaignId: id, phone: expect.any(String), dialAttempts: 1 });
    const finished = receiver.events('campaign.finished').find((r) => r.json.data.campaignId === id)!;
    expect(finished.json.data).toMatchObject({ status: 'completed', counts: { total: 2, verified: 1, busy: 1 } });
  });

  it('retry with backoff until the receiver takes them, and show each try in the call timeline', async () => {
    // The first two tries of this call's result are refused.
    let refusals = 2;
    receiver.status = (body) => (body.includes('13500000026') && body.includes('call.finished') && refusals-- > 0 ? 503 : 200);
    const res = await e.api('POST', '/api/campaigns', { name: 'cb-retry', calls: [{ phone: '13500000026', code: '1234' }], options: { ...fast, callbackUrl: receiver.url } });
    const { body } = await e.api('GET', `/api/campaigns/${res.body.id}/calls`);
    const callId = body.items[0].id;
    await waitFor(async () => (await e.api('GET', `/api/calls/${callId}`)).body.callbacks?.[0]?.state === 'delivered', 20_000, 'delivered');
    const detail = (await e.api('GET', `/api/calls/${callId}`)).body;
    expect(detail.callbacks[0]).toMatchObject({ event: 'call.finished', state: 'delivered', attempts: 3 });
    expect(detail.events.filter((ev: { kind: string }) => ev.kind.startsWith('callback.')).map((ev: { kind: string }) => ev.kind)).toEqual(['callback.pending', 'callback.pending', 'callback.delivered']);
    const tries = receiver.received.filter((r) => JSON.parse(r.body).data?.callId === callId);
    expect(new Set(tries.map((t) => t.headers['idempotency-key'])).size).toBe(1);
  });

  it('dead-letter a delivery the receiver refuses for too long, and send it again on request', async () => {
    receiver.status = () => 500;
    const res = await e.api('POST', '/api/campaigns', { name: 'cb-dead', calls: [{ phone: '13500000036', code: '1234' }], options: { ...fast, callbackUrl: receiver.url } });
    const list = async () => (await e.api('GET', `/api/campaigns/${res.body.id}/callbacks`)).body.items as { id: string; event: string; state: string }[];
    const dead = await waitFor(async () => (await list()).find((d) => d.event === 'call.finished' && d.state === 'dead'), 20_000, 'dead letter');
    receiver.status = () => 200;
    expect((await e.api('POST', `/api/callbacks/${dead.id}/redeliver`)).status).toBe(202);
    await waitFor(async () => (await list()).find((d) => d.id === dead.id)?.state === 'delivered', 10_000, 'redelivered');
  });
});

describe('a callbackUrl that points inside the network', () => {
  const send = (url: string, allowPrivate: boolean) => postCallback(url, { 'content-type': 'application/json' }, '{}', { timeoutMs: 2000, allowPrivate });

  it('is refused by default, by address or by a name that resolves to one, and the receiver gets nothing', async () => {
    const before = receiver.received.length;
    const port = new URL(receiver.url).port;
    for (const url of [receiver.url, `http://localhost:${port}/codecall`, `http://[::1]:${port}/codecall`, 'http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/x']) {
      await expect(send(url, false), url).rejects.toThrow(/private/);
    }
    expect(receiver.received.length).toBe(before);
  });

  it('is delivered when CALLBACK_ALLOW_PRIVATE is set', async () => {
    receiver.status = () => 204;
    expect(await send(receiver.url, true)).toBe(204);
  });
});
