import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What the receiver answered ('hang': nothing). */
  status?: number | 'hang';
}

export type Answer = (request: Received, index: number) => number | 'hang';

/** Every reply body carries this, so a test can show no byte of it travels back. */
export const REPLY_MARKER = 'receiver-private-reply';

/** A real HTTP server on 127.0.0.1 that records every request and answers per `answer`. */
export class Receiver {
  readonly requests: Received[] = [];
  answer: Answer = () => 204;
  /** Location header of 3xx answers. */
  location: string | undefined;
  private server: Server | undefined;

  /** Starts listening; returns the URL `http://127.0.0.1:<port>/hook`. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: Received = {
          headers: request.headers,
          body: Buffer.concat(chunks),
        };
        this.requests.push(received);
        received.status = this.answer(received, this.requests.length - 1);
        this.reply(response, received.status);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(0, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${this.port}/hook`;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  /** Requests carrying the event with this id (structured or binary mode). */
  forEvent(id: string): Received[] {
    return this.requests.filter((request) => eventIdOf(request) === id);
  }

  ids(): string[] {
    return this.requests.map(eventIdOf);
  }

  /** Ids of the deliveries answered with 2xx, in arrival order. */
  accepted(): string[] {
    return this.requests
      .filter(
        (request) => typeof request.status === 'number' && request.status < 300,
      )
      .map(eventIdOf);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private reply(response: ServerResponse, status: number | 'hang'): void {
    if (status === 'hang') return; // closeAllConnections() ends it
    response.statusCode = status;
    if (status >= 300 && status < 400 && this.location) {
      response.setHeader('location', this.location);
    }
    response.end(status === 204 ? undefined : `${REPLY_MARKER} ${status}`);
  }
}

export function eventIdOf(request: Received): string {
  const header = request.headers['ce-id'];
  if (typeof header === 'string') return header;
  return (JSON.parse(request.body.toString('utf8')) as { id: string }).id;
}
