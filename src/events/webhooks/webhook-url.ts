// A webhook's URL is checked once at creation so a bad one is refused with a 400 naming `url`.
import { InvalidInputError } from '../../common/errors/domain-error.js';
import type { HostPolicy } from './host-policy.js';

/** http(s) only, and a host webhooks.allowed_hosts admits. */
export async function checkWebhookUrl(
  text: string,
  hosts: HostPolicy,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError('url', 'url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(
      'url',
      `url must use http or https (got ${url.protocol.replace(/:$/, '')})`,
    );
  }
  let verdict;
  try {
    verdict = await hosts.check(url);
  } catch {
    // Not resolvable yet: every delivery checks the host again before connecting.
    return url;
  }
  if (!verdict.allowed) {
    throw new InvalidInputError('url', `url refused: ${verdict.reason}`);
  }
  return url;
}
