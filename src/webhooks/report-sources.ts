import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The addresses PBX reports may come from: the given IPs and subnets, or the addresses the
 * PBX's host name resolves to (reports come from the PBX itself unless a proxy sits between).
 * The name is resolved when first needed, and again (at most once a minute) when a report
 * comes from an address not on the list, so a PBX that is not up yet or changes its address
 * is followed.
 */
export class ReportSources {
  private list: BlockList | null = null;
  /** Addresses the current list allows: every report asks, and a set answers cheaper than the list. */
  private allowed = new Set<string>();
  private resolvedAt = 0;

  constructor(
    private readonly given: string[] | 'pbx-host',
    private readonly pbxUrl: URL,
  ) {}

  async allows(remote: string | undefined): Promise<boolean> {
    if (!remote) return false;
    if (this.allowed.has(remote)) return true;
    if (this.list && check(this.list, remote)) return this.remember(remote);
    if (this.given !== 'pbx-host' && this.list) return false;
    if (this.list && Date.now() - this.resolvedAt < 60_000) return false;
    this.list = await this.build();
    this.allowed = new Set();
    this.resolvedAt = Date.now();
    return check(this.list, remote) && this.remember(remote);
  }

  private remember(remote: string): true {
    this.allowed.add(remote);
    return true;
  }

  private async build(): Promise<BlockList> {
    const list = new BlockList();
    const entries = this.given === 'pbx-host' ? (await lookup(this.pbxUrl.hostname.replace(/^\[|\]$/g, ''), { all: true })).map((a) => a.address) : this.given;
    for (const entry of entries) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(address, type);
      else list.addSubnet(address, Number(bits), type);
    }
    return list;
  }
}

/** IPv4 addresses seen through an IPv6 socket count as IPv4. */
function check(list: BlockList, remote: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)?.[1];
  if (v4) return list.check(v4, 'ipv4');
  return list.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4');
}
