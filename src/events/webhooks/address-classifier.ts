import ipaddr from 'ipaddr.js';

export type AddressVerdict =
  { public: true } | { public: false; reason: string };

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Whether an IP address is on the public internet, the only place `*` in webhooks.allowed_hosts
 * lets a webhook connect to. Public means ipaddr.js's `unicast` range (everything not in an
 * IANA special-purpose registry: loopback, private, link-local, CGNAT, benchmarking,
 * documentation, 6to4 relay anycast 192.88.99.0/24, multicast, broadcast...).
 *
 * IPv6 forms that carry an IPv4 address reach that address, so they are judged by it:
 * IPv4-mapped `::ffff:a.b.c.d`, 6to4 `2002:AABB:CCDD::/16`, Teredo `2001::/32` (server and
 * obfuscated client) and NAT64 `64:ff9b::/96`. The deprecated IPv4-compatible `::a.b.c.d`
 * (`::/96`) and the rest of `::/8` are refused outright: some stacks route them to IPv4.
 */
export function classifyAddress(text: string): AddressVerdict {
  const literal = text.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(literal)) {
    return { public: false, reason: `${text} is not an IP address` };
  }
  return classify(ipaddr.process(literal), text);
}

/** Parses an address the way classifyAddress judges it (IPv4-mapped IPv6 becomes IPv4). */
export function parseAddress(text: string): Address | undefined {
  const literal = text.replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(literal) ? ipaddr.process(literal) : undefined;
}

function classify(address: Address, shown: string): AddressVerdict {
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return range === 'unicast'
      ? { public: true }
      : { public: false, reason: `${shown} is a ${describe(range)} address` };
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  switch (range) {
    case 'unicast':
      return v6.parts[0] >> 8 === 0
        ? {
            public: false,
            reason: `${shown} is in ::/8 (reserved, IPv4-compatible)`,
          }
        : { public: true };
    case '6to4':
      return embedded(shown, '6to4', [ipv4(v6.parts[1], v6.parts[2])]);
    case 'teredo':
      return embedded(shown, 'Teredo', [
        ipv4(v6.parts[2], v6.parts[3]),
        ipv4(v6.parts[6] ^ 0xffff, v6.parts[7] ^ 0xffff),
      ]);
    case 'rfc6052':
      // Only the well-known prefix has a fixed layout; 64:ff9b:1::/48 is for local use.
      return v6.parts
        .slice(1, 6)
        .every((part, i) => part === [0xff9b, 0, 0, 0, 0][i])
        ? embedded(shown, 'NAT64', [ipv4(v6.parts[6], v6.parts[7])])
        : { public: false, reason: `${shown} is a local-use NAT64 address` };
    default:
      return {
        public: false,
        reason: `${shown} is a ${describe(range)} address`,
      };
  }
}

function embedded(
  shown: string,
  form: string,
  addresses: ipaddr.IPv4[],
): AddressVerdict {
  for (const address of addresses) {
    const verdict = classify(address, address.toString());
    if (!verdict.public) {
      return {
        public: false,
        reason: `${shown} is a ${form} address embedding ${address.toString()}, which is not public`,
      };
    }
  }
  return { public: true };
}

function ipv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique local (private)',
  benchmarking: 'benchmarking',
  rfc6145: 'IPv4-translated',
};

function describe(range: string): string {
  return RANGE_NAMES[range] ?? `special-purpose (${range})`;
}
