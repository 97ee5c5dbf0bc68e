import { randomUUID } from 'node:crypto';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** A test's own client of a NATS server: publishes, reads streams, deletes what it made. */
export interface TestNatsClient {
  connection: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Every message of `stream`, in sequence order (at most 200,000). */
  messages(stream: string): Promise<StreamMessage[]>;
  close(): Promise<void>;
}

export interface StreamMessage {
  subject: string;
  seq: number;
  msgId: string | undefined;
  json(): any;
}

/** Stream and subject names no other test (nor a previous run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
}

export async function natsClient(url: string): Promise<TestNatsClient> {
  const connection = await connect({ servers: url, timeout: 2000 });
  const jsm = await jetstreamManager(connection);
  return {
    connection,
    js: jetstream(connection),
    jsm,
    async messages(stream) {
      const { state } = await jsm.streams.info(stream);
      const found: StreamMessage[] = [];
      const last = Math.min(state.last_seq, 200_000);
      for (
        let seq = state.first_seq;
        seq <= last && state.messages > 0;
        seq++
      ) {
        const message = await jsm.streams.getMessage(stream, { seq });
        if (!message) continue;
        found.push({
          subject: message.subject,
          seq: message.seq,
          msgId: message.header?.get('Nats-Msg-Id') || undefined,
          json: () => message.json(),
        });
      }
      return found;
    },
    close: () => connection.close(),
  };
}
