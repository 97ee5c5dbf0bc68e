import { lookup } from 'node:dns/promises';

/** One resolved address, as `dns.promises.lookup(name, { all: true })` returns it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has. */
export type DnsLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Injection token of the resolver webhooks use. Optional: without a provider the system
 * resolver is used. An application may provide its own (a DNS-over-HTTPS client, say) from a
 * global module; tests provide a scripted one.
 */
export const WEBHOOK_DNS_LOOKUP = Symbol('WEBHOOK_DNS_LOOKUP');

export const systemLookup: DnsLookup = (hostname) =>
  lookup(hostname, { all: true, verbatim: true });
