import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a callback must not reach unless allowed: a campaign's callbackUrl is given by an
 * API client, and must not turn codecall into a way into its own network (databases, the PBX,
 * cloud metadata).
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4) return PRIVATE.check(v4, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Resolves as usual, then refuses private addresses: checked on the address connected to, so DNS tricks do not get around it. */
const publicOnly: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as unknown as { address: string; family: number }[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked) return callback(Object.assign(new Error(`callback address ${blocked.address} is private (set CALLBACK_ALLOW_PRIVATE=true to allow)`), { code: 'EPRIVATE' }), '', 0);
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

/** POSTs a callback; resolves with the status. No redirects are followed. */
export function postCallback(url: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<number> {
  const target = new URL(url);
  const literal = isIP(target.hostname.replace(/^\[|\]$/g, ''));
  if (!opts.allowPrivate && literal && isPrivateAddress(target.hostname.replace(/^\[|\]$/g, ''))) {
    return Promise.reject(new Error(`callback address ${target.hostname} is private (set CALLBACK_ALLOW_PRIVATE=true to allow)`));
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: opts.timeoutMs, ...(opts.allowPrivate ? {} : { lookup: publicOnly }) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
