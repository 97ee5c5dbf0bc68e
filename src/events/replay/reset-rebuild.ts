// A reset replays through the live runner itself: clear, rewind, then follow its progress.
import type { SubscriptionControl } from '../dispatch/subscription-control.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { SubscriptionDefinition } from '../dispatch/subscription-definition.js';
import { compareCursors, type LogCursor } from '../store/event-cursor.js';
import type { ReplayJob } from './replay-job.js';

/**
 * Clears the read model and rewinds the checkpoint in one transaction, then lets the live
 * runner rebuild up to `head`; progress is read off its counters. Returns once rewound.
 */
export async function rebuildFromReset(
  control: SubscriptionControl,
  dispatcher: Dispatcher,
  definition: SubscriptionDefinition,
  head: LogCursor,
  job: ReplayJob,
): Promise<void> {
  const rewound = await control.rewind(
    definition.name,
    definition.reset as NonNullable<SubscriptionDefinition['reset']>,
  );
  const runner = dispatcher.runner(definition.name);
  if (!runner) throw new Error(`subscription ${definition.name} stopped`);
  job.trackWith(() => ({
    done: runner.snapshot.processed - rewound.processed,
    failed: runner.snapshot.deadLettered - rewound.deadLettered,
  }));
  void runner.reached(head).then(() => {
    if (compareCursors(runner.checkpoint.cursor, head) >= 0)
      job.finish('completed');
    else
      job.finish(
        'cancelled',
        'the subscription stopped before the rebuild finished; it continues from its checkpoint at the next start',
      );
  });
}
