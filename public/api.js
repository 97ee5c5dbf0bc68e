// Calls to the service from the live page. The key lives in this module only: it is sent as
// the X-Api-Key header, never put in a URL or stored by the browser.

let apiKey = '';

export function useKey(key) {
  apiKey = key.trim();
}

function headers(extra = {}) {
  return apiKey ? { ...extra, 'x-api-key': apiKey } : extra;
}

/** A JSON request; rejects with the service's error message on a non-2xx answer. */
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headers(
      body === undefined ? {} : { 'content-type': 'application/json' },
    ),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = new Error(
      parsed?.message ?? `${response.status} ${response.statusText}`,
    );
    error.status = response.status;
    throw error;
  }
  return parsed;
}

/**
 * Reads GET /events/stream with fetch() (an EventSource cannot send the key header) and calls
 * `onEvent(event, id)` per message. Resolves when the stream ends; `signal` stops it.
 */
export async function readStream({ after, signal, onOpen, onEvent }) {
  const response = await fetch('/events/stream', {
    headers: headers(after === undefined ? {} : { 'last-event-id': after }),
    signal,
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(
      body.message ?? `${response.status} ${response.statusText}`,
    );
  }
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value;
    let boundary;
    while ((boundary = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, boundary);
      pending = pending.slice(boundary + 2);
      let id;
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(JSON.parse(data), id);
    }
  }
}
