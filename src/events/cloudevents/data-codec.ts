import { InvalidInputError } from '../../common/errors/domain-error.js';
import { checkJsonText } from '../../common/json/json-text.js';
import { declaresJson, declaresText } from './media-type.js';

/** An event's data as the store keeps it: a JSON value, or base64 text of raw bytes. */
export interface EventData {
  /** Absent: the event has no data (distinct from a JSON null payload). */
  data?: unknown;
  dataBase64?: true;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// RFC 4648 section 4, padded: what data_base64 must hold.
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Binary mode (HTTP binding 3.1.2): the body is the data's bytes, typed by Content-Type. JSON
 * content is kept as its JSON value, UTF-8 text as a string, anything else as base64 bytes,
 * so GET renders it as `data_base64` (JSON format 3.1.1). An empty body means no data.
 */
export function dataFromBody(
  body: Buffer,
  contentType: string | undefined,
  field: string,
): EventData {
  if (body.length === 0) return {};
  if (contentType !== undefined && declaresJson(contentType)) {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      throw new InvalidInputError(field, `${field} is not valid UTF-8 JSON`);
    }
    checkJsonText(text, field);
    try {
      return { data: JSON.parse(text) as unknown };
    } catch {
      throw new InvalidInputError(
        field,
        `${field} is not valid JSON although the content type ${contentType} declares JSON`,
      );
    }
  }
  if (declaresText(contentType)) {
    try {
      return { data: utf8.decode(body) };
    } catch {
      // Not UTF-8 after all: keep the exact bytes.
    }
  }
  return { data: body.toString('base64'), dataBase64: true };
}

/**
 * Structured mode (JSON format 3.1.2): `data_base64` holds base64 bytes; `data` holds a JSON
 * value when datacontenttype declares JSON (or is absent), otherwise the data as a string.
 * The two members are mutually exclusive; `data: null` is an explicit null payload.
 */
export function dataFromJsonMembers(
  members: { data?: { value: unknown }; dataBase64?: unknown },
  contentType: string | undefined,
  at: (name: string) => string,
): EventData {
  const { data, dataBase64 } = members;
  if (dataBase64 !== undefined) {
    if (data !== undefined) {
      throw new InvalidInputError(
        at('data_base64'),
        `${at('data')} and ${at('data_base64')} are mutually exclusive (JSON format 3.1.1)`,
      );
    }
    if (typeof dataBase64 !== 'string' || !BASE64.test(dataBase64)) {
      throw new InvalidInputError(
        at('data_base64'),
        `${at('data_base64')} must be a padded base64 string (RFC 4648, JSON format 3.1.1)`,
      );
    }
    return { data: dataBase64, dataBase64: true };
  }
  if (data === undefined) return {};
  if (
    !declaresJson(contentType) &&
    data.value !== null &&
    typeof data.value !== 'string'
  ) {
    throw new InvalidInputError(
      at('data'),
      `${at('data')} must be a string when datacontenttype (${contentType}) does not declare JSON; send bytes as data_base64 (JSON format 3.1.2)`,
    );
  }
  return { data: data.value };
}

/** The HTTP body of a binary-mode message for stored data (the inverse of dataFromBody). */
export function bodyFromData(
  data: unknown,
  dataBase64: boolean,
  contentType: string | undefined,
): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  if (dataBase64) return Buffer.from(data as string, 'base64');
  if (typeof data === 'string' && !declaresJson(contentType)) {
    return Buffer.from(data, 'utf8');
  }
  // A JSON string payload travels quoted: `"text"`, never bare `text`.
  return Buffer.from(JSON.stringify(data), 'utf8');
}
