import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PbxUnavailableError } from '../../src/pbx/pbx-errors.js';
import { createLogger } from '../../src/logger.js';
import { postJson, Preconnections, type TransportOptions } from '../../src/pbx/yeastar/transport.js';
import { YeastarApi } from '../../src/pbx/yeastar/yeastar-api.js';
import { selfSignedCert } from '../support/self-signed.js';

/** A PBX-like server: one answer per connection, then `Connection: close`; it keeps what it saw. */
async function pbxServer(tlsCert?: { key: string; cert: string }) {
  const accepted: Socket[] = [];
  const closed: Socket[] = [];
  const requests: { socket: Socket; body: string }[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      requests.push({ socket: req.socket, body });
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(req.url?.includes('/login') ? { status: 'Success', token: 'token-1' } : { status: 'Success' }));
    });
  };
  const server = tlsCert ? https.createServer(tlsCert, handler) : http.createServer(handler);
  const refused: Error[] = [];
  server.on('tlsClientError', (err: Error) => refused.push(err));
  server.on(tlsCert ? 'secureConnection' : 'connection', (s: Socket) => {
    accepted.push(s);
    s.once('close', () => closed.push(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`${tlsCert ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1.1.0/outbound/transfer_number`);
  return {
    url,
    accepted,
    closed,
    requests,
    refused,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const until = async (what: string, ok: () => boolean) => {
  for (const end = Date.now() + 3_000; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(opts: { tls?: { key: string; cert: string }; transport?: Partial<TransportOptions>; max?: number; ttlMs?: number } = {}) {
  const server = await pbxServer(opts.tls);
  const transport: TransportOptions = { timeoutMs: 2_000, ...opts.transport };
  const ahead = new Preconnections(server.url, transport, opts.max ?? 8, opts.ttlMs ?? 1_000);
  cleanup.push(server.close, async () => ahead.close());
  const post = (body: object) => postJson(server.url, body, transport, ahead);
  return { server, ahead, post };
}

describe('connections to the PBX opened ahead of a request', () => {
  it('carry the next request, so it waits for no handshake, and no other connection is opened', async () => {
    const { server, ahead, post } = await setup();
    ahead.open();
    await until('the connection opened ahead', () => server.accepted.length === 1);
    expect(server.requests).toEqual([]);
    await expect(post({ outboundid: '42', number: '6502' })).resolves.toEqual({ status: 'Success' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.socket).toBe(server.accepted[0]);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ outboundid: '42', number: '6502' });
    expect(server.accepted).toHaveLength(1);
    // Used once: the next request opens a connection of its own.
    await post({ outboundid: '43', number: '6503' });
    expect(server.accepted).toHaveLength(2);
    expect(server.requests[1]!.socket).toBe(server.accepted[1]);
  });

  it('over HTTPS, have the TLS handshake done before the request, with the certificate checked as for any request', async () => {
    const cert = selfSignedCert();
    const trusted = await setup({ tls: cert, transport: { ca: cert.cert } });
    trusted.ahead.open();
    await until('the TLS handshake done ahead', () => trusted.server.accepted.length === 1);
    await expect(trusted.post({ outboundid: '42', number: '6502' })).resolves.toEqual({ status: 'Success' });
    expect(trusted.server.requests[0]!.socket).toBe(trusted.server.accepted[0]);

    // Not trusted: the connection opened ahead fails its handshake and is not used; the
    // request is refused as it would be without it, before anything is sent.
    const untrusted = await setup({ tls: cert });
    untrusted.ahead.open();
    await until('the handshake refused', () => untrusted.server.refused.length === 1);
    const err = await untrusted.post({ outboundid: '42', number: '6502' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PbxUnavailableError);
    expect(untrusted.server.requests).toEqual([]);
  });

  it('are closed when not used in time, and at most `max` wait', async () => {
    const { server, ahead } = await setup({ max: 2, ttlMs: 150 });
    for (let i = 0; i < 5; i++) ahead.open();
    await until('two connections opened ahead', () => server.accepted.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.accepted).toHaveLength(2);
    await until('both closed unused', () => server.closed.length === 2);
    expect(server.requests).toEqual([]);
    expect(ahead.take()).toBeUndefined();
  });

  it('carry only the requests that asked for one (transfers and hang-ups), not dials or queries', async () => {
    const server = await pbxServer();
    cleanup.push(server.close);
    const api = new YeastarApi({
      baseUrl: new URL(server.url.origin),
      username: 'api',
      password: 'password',
      reportTarget: { port: '8260', url: 'pbx/reports/x', urltag: '0' },
      transport: { timeoutMs: 2_000 },
      log: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => api.logout());
    await api.getToken();
    api.openAhead();
    await until('the connection opened ahead', () => server.accepted.length === 2);
    await api.request('ivr/dial_outbound', { ivrid: '6500', outto: '13800000000', fromext: '1000' });
    expect(server.requests.at(-1)!.socket).toBe(server.accepted[2]);
    await api.request('outbound/transfer_number', { outboundid: '42', number: '6502', fromext: '1000' }, { ahead: true });
    expect(server.requests.at(-1)!.socket).toBe(server.accepted[1]);
    expect(server.accepted).toHaveLength(3);
  });

  it('are not used once the PBX has closed them: the request opens its own', async () => {
    const { server, ahead, post } = await setup();
    ahead.open();
    await until('the connection opened ahead', () => server.accepted.length === 1);
    server.accepted[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expect(post({ outboundid: '42', number: '6502' })).resolves.toEqual({ status: 'Success' });
    expect(server.accepted).toHaveLength(2);
    expect(server.requests[0]!.socket).toBe(server.accepted[1]);
  });
});
