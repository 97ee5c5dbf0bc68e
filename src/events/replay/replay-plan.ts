// Resolves a replay request against the subscription and the log: what would be delivered, before
// anything runs (shared by the preview and the start).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import {
  matchesAny,
  type SubscriptionDefinition,
} from '../dispatch/subscription-definition.js';
import { SubscriptionNotFoundError } from '../errors/not-found.errors.js';
import {
  NoResetHookError,
  NotReplayableError,
  ResetElsewhereError,
} from '../errors/replay.errors.js';
import { EventPattern } from '../patterns/event-pattern.js';
import type { EventRange } from '../store/event-range.js';
import type { EventStore } from '../store/event-store.js';
import type { ReplaySelection } from './replay-job.js';
import {
  assertRangeConsistent,
  assertResetAlone,
  type ReplayRequest,
} from './replay-request.js';

export interface ReplayPlan {
  definition: SubscriptionDefinition;
  range: EventRange;
  types: EventPattern[] | undefined;
  selection: ReplaySelection;
}

export async function planReplay(
  request: ReplayRequest,
  dispatcher: Dispatcher,
  store: EventStore,
): Promise<ReplayPlan> {
  const definition = dispatcher.definition(request.subscription);
  if (!definition) throw new SubscriptionNotFoundError(request.subscription);
  if (!definition.replayable) throw new NotReplayableError(definition.name);
  if (request.reset) {
    assertResetAlone(request);
    if (!definition.reset) throw new NoResetHookError(definition.name);
    if (!dispatcher.runner(definition.name))
      throw new ResetElsewhereError(definition.name);
  }
  assertRangeConsistent(request);
  const head = await store.head();
  const toPosition = Math.min(request.toPosition ?? head, head);
  const types = request.types?.map((type) => EventPattern.parse(type));
  return {
    definition,
    types,
    range: {
      afterPosition: (request.fromPosition ?? 1) - 1,
      toPosition,
      since: request.since,
      until: request.until,
      streamId: request.aggregateId,
    },
    selection: {
      fromPosition: request.fromPosition,
      toPosition,
      since: request.since,
      until: request.until,
      types: request.types,
      aggregateId: request.aggregateId,
    },
  };
}

/** Events the plan would deliver, per type: the subscription's own patterns, narrowed by `types`. */
export async function countReplay(
  { definition, range, types }: ReplayPlan,
  store: EventStore,
): Promise<Map<string, number>> {
  const counts = await store.countRangeByType(range);
  let examined = 0;
  for (const type of counts.keys()) {
    // A range may hold many distinct types, each matched against up to 50 patterns.
    if (++examined % 1_000 === 0) await yieldToEventLoop();
    const selected =
      matchesAny(definition, type) &&
      (types === undefined || types.some((pattern) => pattern.matches(type)));
    if (!selected) counts.delete(type);
  }
  return counts;
}
