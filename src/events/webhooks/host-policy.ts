import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Address ranges that are not the public internet (RFC 6890 special-purpose registries). */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

export type HostVerdict =
  { allowed: true } | { allowed: false; reason: string };

/**
 * Where webhooks may deliver (config webhooks.allowed_hosts). `*` admits any host whose
 * addresses are all public; internal addresses (loopback, private, link-local, metadata
 * services...) must be listed explicitly, by name, wildcard, IP or CIDR range, so the app
 * cannot be turned against its own network unless the operator says so.
 */
export class HostPolicy {
  private readonly anyPublic: boolean;
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges = new BlockList();

  constructor(entries: readonly string[]) {
    this.anyPublic = entries.includes('*');
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '*') continue;
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      if (family !== 0) {
        const type = family === 4 ? 'ipv4' : 'ipv6';
        const bits = Number(prefix);
        if (prefix === undefined) this.ranges.addAddress(address, type);
        else if (
          Number.isInteger(bits) &&
          bits >= 0 &&
          bits <= (family === 4 ? 32 : 128)
        )
          this.ranges.addSubnet(address, bits, type);
        else
          throw new Error(
            `webhooks.allowed_hosts: ${raw} is not a valid CIDR range`,
          );
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1));
      } else {
        this.names.add(entry);
      }
    }
  }

  /** Checks a URL's host as written (names are resolved again before every delivery). */
  async check(url: URL): Promise<HostVerdict> {
    const host = hostOf(url);
    if (this.listsName(host)) return { allowed: true };
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      if (!this.anyPublic) {
        return refuse(`${host} is not in webhooks.allowed_hosts`);
      }
      addresses = (await lookup(host, { all: true, verbatim: true })).map(
        (entry) => entry.address,
      );
    }
    for (const address of addresses) {
      if (this.listsAddress(address)) continue;
      if (this.anyPublic && !isInternal(address)) continue;
      return refuse(
        this.anyPublic
          ? `${host} resolves to ${address}, an internal address; list it in webhooks.allowed_hosts to allow it`
          : `${host} (${address}) is not in webhooks.allowed_hosts`,
      );
    }
    return { allowed: true };
  }

  private listsName(host: string): boolean {
    return (
      this.names.has(host) ||
      this.suffixes.some((suffix) => host.endsWith(suffix))
    );
  }

  private listsAddress(address: string): boolean {
    const mapped = ipv4Mapped(address);
    if (mapped) return this.ranges.check(mapped, 'ipv4');
    return this.ranges.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}

function isInternal(address: string): boolean {
  const mapped = ipv4Mapped(address);
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  return INTERNAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** `::ffff:10.0.0.1` reaches 10.0.0.1: judge it as that IPv4 address. */
function ipv4Mapped(address: string): string | undefined {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1];
}

/** URL.hostname keeps IPv6 literals in brackets and names lower-cased. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function refuse(reason: string): HostVerdict {
  return { allowed: false, reason };
}
