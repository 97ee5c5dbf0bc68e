/** A client of GET /events/stream over real HTTP, reading the body with fetch() as a browser page does. */

export interface SseMessage {
  id?: string;
  data: string;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Waits for `count` more messages (comments excluded); rejects after `timeoutMs`. */
  take(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Waits for a comment line starting with `text`. */
  comment(text: string, timeoutMs?: number): Promise<void>;
  /** The body as received so far (for a refusal: the JSON error). */
  text(): string;
  close(): void;
}

export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let raw = '';
  let pending = '';
  let taken = 0;
  let wake: () => void = () => undefined;
  let ended = false;

  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        raw += text;
        pending += text;
        let boundary: number;
        while ((boundary = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          const message: SseMessage = { data: '' };
          let isMessage = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) {
              message.id = line.slice(4);
              isMessage = true;
            } else if (line.startsWith('data: ')) {
              message.data += line.slice(6);
              isMessage = true;
            }
          }
          if (isMessage) messages.push(message);
        }
        wake();
      }
    } catch {
      // Aborted by close(), or the server ended the stream.
    } finally {
      ended = true;
      wake();
    }
  })();

  const waitFor = async (
    ready: () => boolean,
    timeoutMs: number,
    what: string,
  ) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (ended)
        throw new Error(`the stream ended before ${what}; received:\n${raw}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; received:\n${raw}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  return {
    status: response.status,
    headers: response.headers,
    async take(count, timeoutMs = 10_000) {
      await waitFor(
        () => messages.length >= taken + count,
        timeoutMs,
        `${count} message(s)`,
      );
      const batch = messages.slice(taken, taken + count);
      taken += count;
      return batch;
    },
    async comment(text, timeoutMs = 10_000) {
      await waitFor(
        () => comments.some((comment) => comment.startsWith(text)),
        timeoutMs,
        `the comment ${text}`,
      );
    },
    text: () => raw,
    close: () => controller.abort(),
  };
}
