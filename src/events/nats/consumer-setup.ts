import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { isNotFound } from './relay-stream.js';

// Longer than a commit under load; a message not acked by then is delivered again.
const ACK_WAIT_NS = 30_000_000_000;
// Messages JetStream hands out before earlier ones are acked.
const MAX_ACK_PENDING = 256;

/**
 * Creates the durable pull consumer on first start, or brings its filter subjects in line with
 * the configuration; its place in the stream is JetStream's to keep.
 * One subject uses `filter_subject`, which every JetStream server knows; several need
 * `filter_subjects` (NATS server 2.10 or later).
 */
export async function ensureDurableConsumer(
  manager: JetStreamManager,
  stream: string,
  durable: string,
  subjects: readonly string[],
): Promise<void> {
  const filter: Partial<ConsumerConfig> =
    subjects.length > 1
      ? { filter_subjects: [...subjects] }
      : subjects.length === 1
        ? { filter_subject: subjects[0] }
        : {};
  let current: ConsumerConfig;
  try {
    current = (await manager.consumers.info(stream, durable)).config;
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
    await manager.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ACK_WAIT_NS,
      max_ack_pending: MAX_ACK_PENDING,
      ...filter,
    });
    return;
  }
  const wanted = [...subjects].sort().join(' ');
  const has = [
    ...(current.filter_subjects ?? []),
    ...(current.filter_subject ? [current.filter_subject] : []),
  ]
    .sort()
    .join(' ');
  if (wanted === has) return;
  await manager.consumers.update(stream, durable, {
    filter_subject: subjects.length === 1 ? subjects[0] : '',
    ...(subjects.length > 1 ? { filter_subjects: [...subjects] } : {}),
  });
}
