import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import type { CheckedTarget } from './host-policy.js';

/**
 * An HTTP client for one delivery attempt whose every connection goes to the address that
 * passed the host check. The URL keeps its host name, so the Host header and the TLS server
 * name (SNI, certificate check) are the URL's; only the name-to-address step is replaced, by
 * an answer fixed in advance. A URL with an IP literal is never looked up at all.
 *
 * One agent per attempt: no pooled connection outlives the check it was made under.
 */
export function pinnedAgent(target: CheckedTarget): Agent {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    // net.connect asks for every address when it may race IPv4 against IPv6 (autoSelectFamily).
    if (options.all) {
      callback(null, [{ address: target.address, family: target.family }]);
    } else {
      callback(null, target.address, target.family);
    }
  };
  return new Agent({
    connect: { lookup },
    connections: 1,
    pipelining: 1,
  });
}
