import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The addresses PBX reports may come from: the given IPs and subnets, or with 'pbx-host' the
 * addresses the PBX's host name resolves to (reports come from the PBX itself unless a proxy
 * sits between). null: any address.
 */
export async function reportSources(given: string[] | 'pbx-host' | null, pbxUrl: URL): Promise<BlockList | null> {
  if (given === null) return null;
  const list = new BlockList();
  const entries = given === 'pbx-host' ? (await lookup(pbxUrl.hostname.replace(/^\[|\]$/g, ''), { all: true })).map((a) => a.address) : given;
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** Whether a socket's remote address is on the list; IPv4 addresses seen through IPv6 count as IPv4. */
export function isAllowedSource(list: BlockList, remote: string | undefined): boolean {
  if (!remote) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
  if (v4) return list.check(v4, 'ipv4');
  return list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
}
