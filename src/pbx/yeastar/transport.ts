import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { PbxOutcomeUnknownError, PbxUnavailableError } from '../pbx-errors.js';

export interface TransportOptions {
  timeoutMs: number;
  /** PEM of the CA that signed the PBX's certificate (its self-signed one, usually). */
  ca?: string;
  /** Skip certificate verification: only ever set by an explicit PBX_TLS_INSECURE=true. */
  insecure?: boolean;
}

/**
 * POSTs JSON and parses the JSON answer. Tells apart a request that surely never reached
 * the PBX (PbxUnavailableError: refused, DNS, reset before the body was sent) from one that
 * may have been acted on (PbxOutcomeUnknownError: timeout or cut after sending). Goes over a
 * connection opened `ahead` when one is ready, else over a new one.
 */
export function postJson(url: URL, body: unknown, opts: TransportOptions, ahead?: Preconnections): Promise<unknown> {
  const payload = Buffer.from(body === undefined ? '' : JSON.stringify(body));
  const isHttps = url.protocol === 'https:';
  const lib = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    let sent = false;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      const what = `${url.pathname}: ${err.message}`;
      reject(sent ? new PbxOutcomeUnknownError(`no answer from PBX for ${what}`, { cause: err }) : new PbxUnavailableError(`PBX unreachable for ${what}`, { cause: err }));
    };
    const connection = ahead?.take();
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length, connection: 'close' },
        // One request per connection: the PBX closes it after its answer.
        ...(connection ? { createConnection: () => connection } : { agent: false }),
        ...(isHttps ? { ca: opts.ca, rejectUnauthorized: !opts.insecure } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return fail(new Error(`HTTP ${res.statusCode}`));
          try {
            settled = true;
            resolve(JSON.parse(text));
          } catch {
            settled = false;
            fail(new Error(`answer is not JSON: ${text.slice(0, 80)}`));
          }
        });
      },
    );
    req.setTimeout(opts.timeoutMs, () => {
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A TLS failure happens before any byte of the body goes out.
      if (err.code?.startsWith('ERR_TLS') || err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || err.code === 'SELF_SIGNED_CERT_IN_CHAIN' || err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
        sent = false;
      }
      fail(err);
    });
    req.on('finish', () => {
      sent = true;
    });
    req.end(payload);
  });
}

/**
 * Connections to the PBX opened ahead of a request that is expected soon. The PBX takes one
 * request per connection, so each request otherwise waits for a TCP handshake, and over
 * HTTPS (the PBX's default) a TLS one too, before its bytes leave; opened while a caller's
 * code is being decided, the connection is ready when the transfer is. Each is used once;
 * one not used within `ttlMs` is closed, since a PBX may drop idle connections itself.
 */
export class Preconnections {
  private readonly ready: { socket: Socket; forget: () => void }[] = [];

  constructor(
    private readonly origin: URL,
    private readonly opts: TransportOptions,
    private readonly max = 8,
    private readonly ttlMs = 1_000,
  ) {}

  /** Opens one more connection, unless `max` wait unused already. */
  open(): void {
    if (this.ready.length >= this.max) return;
    const port = Number(this.origin.port) || (this.origin.protocol === 'https:' ? 443 : 80);
    const host = this.origin.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket =
      this.origin.protocol === 'https:'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: this.opts.ca, rejectUnauthorized: !this.opts.insecure })
        : net.connect({ host, port });
    const expiry = setTimeout(() => socket.destroy(), this.ttlMs).unref();
    // One that fails or is closed before it is taken is dropped: its request opens its own.
    const forget = () => {
      clearTimeout(expiry);
      socket.off('error', forget).off('close', forget);
      const i = this.ready.indexOf(entry);
      if (i >= 0) this.ready.splice(i, 1);
    };
    const entry = { socket, forget };
    socket.on('error', forget).on('close', forget);
    this.ready.push(entry);
  }

  /** The oldest connection opened ahead and still usable, now the caller's; or none. */
  take(): Socket | undefined {
    for (let entry = this.ready[0]; entry; entry = this.ready[0]) {
      entry.forget();
      // Not when the PBX has closed its side, though its close has not been seen yet.
      if (!entry.socket.destroyed && (entry.socket.readyState === 'open' || entry.socket.readyState === 'opening')) return entry.socket;
      entry.socket.destroy();
    }
    return undefined;
  }

  /** Closes the connections not used (at shutdown). */
  close(): void {
    for (let s = this.take(); s; s = this.take()) s.destroy();
  }
}
