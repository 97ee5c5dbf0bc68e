import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';

/**
 * Makes `stream` capture `<prefix>.>`: created when missing (file storage, JetStream's default
 * duplicate window), or given the subject when it exists without it. Its other settings
 * belong to whoever runs NATS and are left alone.
 */
export async function ensureRelayStream(
  manager: JetStreamManager,
  stream: string,
  subjectPrefix: string,
): Promise<void> {
  const subject = `${subjectPrefix}.>`;
  let config: StreamConfig;
  try {
    config = (await manager.streams.info(stream)).config;
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.StreamNotFound)) throw error;
    await manager.streams.add({ name: stream, subjects: [subject] });
    return;
  }
  const subjects = config.subjects ?? [];
  if (subjects.includes(subject)) return;
  await manager.streams.update(stream, { subjects: [...subjects, subject] });
}

/** A JetStream API refusal with this code (stream or consumer not found). */
export function isNotFound(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}
