import { CLOUDEVENTS_BATCH_JSON, CLOUDEVENTS_JSON } from './media-type.js';

export const CLOUDEVENT_CONTENT_TYPE = `${CLOUDEVENTS_JSON}; charset=utf-8`;
export const CLOUDEVENT_BATCH_CONTENT_TYPE = `${CLOUDEVENTS_BATCH_JSON}; charset=utf-8`;

/**
 * Whether an Accept header names `mediaType` explicitly with a non-zero quality. Wildcards do
 * not count: clients that just take JSON keep getting application/json.
 */
export function accepts(accept: unknown, mediaType: string): boolean {
  if (typeof accept !== 'string') return false;
  return accept.split(',').some((range) => {
    const [type, ...parameters] = range.split(';');
    if (type.trim().toLowerCase() !== mediaType) return false;
    const quality = parameters
      .map((parameter) => parameter.trim().toLowerCase())
      .find((parameter) => parameter.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

export function acceptsCloudEvent(accept: unknown): boolean {
  return accepts(accept, CLOUDEVENTS_JSON);
}

export function acceptsCloudEventBatch(accept: unknown): boolean {
  return accepts(accept, CLOUDEVENTS_BATCH_JSON);
}
