import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay between the app and PostgreSQL that can lose the answer to one COMMIT: once armed
 * with a marker, the COMMIT of the transaction that sent it reaches the server, and when the
 * server's answer comes back it is dropped and both connections are cut. The server has recorded the commit by then; the
 * client only sees its connection lost. That is the one case where a failed COMMIT committed.
 */
export interface AnswerCutter {
  /** postgres:// URL of `databaseUrl` through the relay. */
  url: string;
  /**
   * Cuts the answer to the COMMIT of the next transaction that sends `marker` (an event id) to
   * the server; resolves once that has happened. `thenRefuse`: at that moment every connection is
   * cut and new ones refused, until refuseConnections(false).
   */
  cutCommitOf(
    marker: string,
    options?: { thenRefuse?: boolean },
  ): Promise<void>;
  /** While true, every new connection is closed at once (the server seems unreachable). */
  refuseConnections(refuse: boolean): void;
  close(): Promise<void>;
}

const COMMIT_QUERY = Buffer.from('COMMIT\0', 'latin1');

/** A simple query "COMMIT", or an unnamed prepared one. */
function isCommit(type: string, body: Buffer): boolean {
  if (type === 'Q') return body.equals(COMMIT_QUERY);
  if (type === 'P')
    return (
      body[0] === 0 &&
      body.subarray(1, 1 + COMMIT_QUERY.length).equals(COMMIT_QUERY)
    );
  return false;
}

export async function startAnswerCutter(
  databaseUrl: string,
): Promise<AnswerCutter> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let armed:
    { marker: Buffer; done: () => void; thenRefuse: boolean } | undefined;
  let refusing = false;

  const server: Server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    // This connection's transaction wrote the marker: its COMMIT is the one to cut.
    let marked = false;
    let cutting: (() => void) | undefined;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      // Follows the message framing: one untyped startup message, then type byte + length.
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const header = started ? 5 : 4;
        if (pending.length < header) break;
        const length = pending.readInt32BE(started ? 1 : 0);
        const size = (started ? 1 : 0) + length;
        if (pending.length < size) break;
        const type = started ? String.fromCharCode(pending[0]) : '';
        const body = pending.subarray(header, size);
        pending = pending.subarray(size);
        started = true;
        if (armed && body.includes(armed.marker)) marked = true;
        else if (armed && marked && isCommit(type, body)) {
          const { done, thenRefuse } = armed;
          armed = undefined;
          cutting = () => {
            if (thenRefuse) {
              // Every other connection goes too, and no new one gets through.
              refusing = true;
              for (const socket of sockets) socket.destroy();
            }
            done();
          };
        }
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) {
        const done = cutting;
        cutting = undefined;
        cut();
        done();
        return;
      }
      client.write(chunk);
    });
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', () => {
      upstream.destroy();
      sockets.delete(client);
    });
    upstream.on('close', () => {
      client.destroy();
      sockets.delete(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cutCommitOf: (marker, { thenRefuse = false } = {}) =>
      new Promise<void>((resolve) => {
        armed = {
          marker: Buffer.from(marker, 'utf8'),
          done: resolve,
          thenRefuse,
        };
      }),
    refuseConnections(refuse) {
      refusing = refuse;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
