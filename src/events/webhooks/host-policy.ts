import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { classifyAddress, parseAddress } from './address-classifier.js';
import type { DnsLookup } from './webhook-dns.js';

/** The one address a delivery attempt may connect to: it passed the check. */
export interface CheckedTarget {
  /** The URL's host as written (name or IP literal without brackets). */
  host: string;
  address: string;
  family: 4 | 6;
}

export type HostVerdict =
  { allowed: true; target: CheckedTarget } | { allowed: false; reason: string };

/** The host name did not resolve: retrying later may help, unlike a refusal. */
export class HostResolutionError extends Error {
  constructor(host: string, cause: unknown) {
    super(
      `cannot resolve ${host}: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = 'HostResolutionError';
  }
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Where webhooks may deliver (config webhooks.allowed_hosts). `*` admits any host whose
 * addresses are all public; internal addresses (loopback, private, link-local, metadata
 * services...) must be listed explicitly, by name, wildcard, IP or CIDR range, so the app
 * cannot be turned against its own network unless the operator says so.
 *
 * check() resolves the host once and answers with the address to connect to: the caller must
 * connect to that very address (see pinned-agent.ts), never resolve the name again, or a DNS
 * server answering differently the second time (rebinding) would get past the check.
 */
export class HostPolicy {
  private readonly anyPublic: boolean;
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: Range[] = [];

  constructor(
    entries: readonly string[],
    private readonly lookup: DnsLookup,
  ) {
    this.anyPublic = entries.includes('*');
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (entry === '*') continue;
      const [address] = entry.split('/');
      if (isIP(address) !== 0) {
        this.ranges.push(parseRange(entry, raw));
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1));
      } else {
        this.names.add(entry.replace(/\.$/, ''));
      }
    }
  }

  /** Throws HostResolutionError when a name does not resolve. */
  async check(url: URL): Promise<HostVerdict> {
    const host = hostOf(url);
    const literal = isIP(host) !== 0;
    const listedName = !literal && this.listsName(host);
    if (!literal && !listedName && !this.anyPublic) {
      return refuse(`${host} is not in webhooks.allowed_hosts`);
    }
    const addresses = literal ? [host] : await this.resolve(host);
    for (const address of addresses) {
      if (listedName || this.listsAddress(address)) continue;
      const verdict = classifyAddress(address);
      if (this.anyPublic && verdict.public) continue;
      if (!this.anyPublic) {
        return refuse(`${host} (${address}) is not in webhooks.allowed_hosts`);
      }
      const why = verdict.public ? '' : ` (${verdict.reason})`;
      return refuse(
        literal
          ? `${host} is an internal address${why}; list it in webhooks.allowed_hosts to allow it`
          : `${host} resolves to ${address}, an internal address${why}; list it in webhooks.allowed_hosts to allow it`,
      );
    }
    const [address] = addresses;
    return {
      allowed: true,
      target: { host, address, family: isIP(address) === 6 ? 6 : 4 },
    };
  }

  private async resolve(host: string): Promise<string[]> {
    let answers;
    try {
      answers = await this.lookup(host);
    } catch (error) {
      throw new HostResolutionError(host, error);
    }
    const addresses = answers.map((answer) => answer.address);
    if (addresses.length === 0) {
      throw new HostResolutionError(host, new Error('no addresses'));
    }
    return addresses;
  }

  private listsName(host: string): boolean {
    return (
      this.names.has(host) ||
      this.suffixes.some((suffix) => host.endsWith(suffix))
    );
  }

  private listsAddress(text: string): boolean {
    const address = parseAddress(text);
    if (!address) return false;
    return this.ranges.some(
      (range) => range[0].kind() === address.kind() && address.match(range),
    );
  }
}

function parseRange(entry: string, raw: string): Range {
  if (!entry.includes('/')) {
    const address = ipaddr.process(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  let range: Range;
  try {
    range = ipaddr.parseCIDR(entry);
  } catch {
    throw new Error(`webhooks.allowed_hosts: ${raw} is not a valid CIDR range`);
  }
  // Addresses are judged with IPv4-mapped IPv6 turned into IPv4; ranges written that way too.
  const [address, bits] = range;
  if (
    address.kind() === 'ipv6' &&
    (address as ipaddr.IPv6).isIPv4MappedAddress() &&
    bits >= 96
  ) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return range;
}

/** URL.hostname keeps IPv6 literals in brackets and names lower-cased. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function refuse(reason: string): HostVerdict {
  return { allowed: false, reason };
}
