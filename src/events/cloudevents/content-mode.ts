import type { IncomingHttpHeaders } from 'node:http';
import { parseMediaType } from './media-type.js';

/**
 * How a request carries CloudEvents (HTTP binding 3): `structured` and `batch` by the
 * Content-Type's media type, `binary` when ce-* headers carry the attributes, `none` for the
 * application's own JSON body.
 */
export type ContentMode = 'structured' | 'batch' | 'binary' | 'none';

export const CE_HEADER_PREFIX = 'ce-';

/** Node lower-cases header names, so one prefix check covers `CE-Id`, `Ce-Id`... */
export function hasCloudEventHeaders(headers: IncomingHttpHeaders): boolean {
  for (const name in headers)
    if (name.startsWith(CE_HEADER_PREFIX)) return true;
  return false;
}

/**
 * HTTP binding 3: "If the value is prefixed with the CloudEvents media type
 * application/cloudevents, the receiver uses structured mode. If prefixed with
 * application/cloudevents-batch, batched mode. Otherwise binary mode." The comparison is
 * case-insensitive (the SDK's is not). Without ce-* headers a plain JSON body is the
 * application's own format, not a binary-mode event.
 */
export function contentModeOf(headers: IncomingHttpHeaders): ContentMode {
  const media = parseMediaType(headers['content-type']);
  if (media?.essence.startsWith('application/cloudevents-batch'))
    return 'batch';
  if (media?.essence.startsWith('application/cloudevents')) return 'structured';
  return hasCloudEventHeaders(headers) ? 'binary' : 'none';
}
