/** The CloudEvents media types (JSON format 3 and 4.2). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';
export const CLOUDEVENTS_BATCH_JSON = 'application/cloudevents-batch+json';

export interface MediaType {
  /** `type/subtype`, lower-cased: media types are case-insensitive (RFC 9110, 8.3.1). */
  essence: string;
  /** Parameter names lower-cased; values as sent, unquoted. */
  parameters: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a Content-Type value; undefined when it is absent or not `type/subtype`. */
export function parseMediaType(value: unknown): MediaType | undefined {
  if (typeof value !== 'string') return undefined;
  const [head, ...rest] = value.split(';');
  const essence = head.trim().toLowerCase();
  const [type, subtype, extra] = essence.split('/');
  if (
    extra !== undefined ||
    !TOKEN.test(type ?? '') ||
    !TOKEN.test(subtype ?? '')
  )
    return undefined;
  const parameters: Record<string, string> = {};
  for (const part of rest) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const name = part.slice(0, separator).trim().toLowerCase();
    let parameter = part.slice(separator + 1).trim();
    if (parameter.startsWith('"') && parameter.endsWith('"'))
      parameter = parameter.slice(1, -1);
    if (name) parameters[name] = parameter;
  }
  return { essence, parameters };
}

/** Whether a content type is syntactically a media type (RFC 2046), as datacontenttype must be. */
export function isMediaType(value: string): boolean {
  return parseMediaType(value) !== undefined;
}

/**
 * JSON format 3.1.1: a content type declares JSON data when, stripped of parameters, it has the
 * form `* /json` or `* /*+json`. An absent content type is treated as application/json.
 */
export function declaresJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const media = parseMediaType(contentType);
  if (!media) return false;
  const subtype = media.essence.slice(media.essence.indexOf('/') + 1);
  return subtype === 'json' || subtype.endsWith('+json');
}

/** Text that can travel as a JSON string: text/*, XML, or an explicit UTF-8/ASCII charset. */
export function declaresText(contentType: string | undefined): boolean {
  const media =
    contentType === undefined ? undefined : parseMediaType(contentType);
  if (!media) return false;
  const charset = media.parameters.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'us-ascii')
    return false;
  const subtype = media.essence.slice(media.essence.indexOf('/') + 1);
  return (
    media.essence.startsWith('text/') ||
    subtype === 'xml' ||
    subtype.endsWith('+xml') ||
    charset !== undefined
  );
}
