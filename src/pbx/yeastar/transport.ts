import http from 'node:http';
import https from 'node:https';
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
 * may have been acted on (PbxOutcomeUnknownError: timeout or cut after sending).
 */
export function postJson(url: URL, body: unknown, opts: TransportOptions): Promise<unknown> {
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
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length, connection: 'close' },
        agent: false,
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
