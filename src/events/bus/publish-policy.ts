import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { Injectable, Inject } from '@nestjs/common';
import { ForbiddenError } from '../../common/errors/domain-error.js';
import type { Principal } from '../../security/index.js';
import { eventClassFor } from './domain-event.decorator.js';
import { OwnedStreams } from './owned-streams.js';
import type { NewEvent } from '../store/new-event.js';

/** Names the request field of an event attribute (`type`, `[3].type`, `ce-type`...). */
export type AttributeField = (
  attribute: 'type' | 'source' | 'streamid',
) => string;

export interface ExternalEvent {
  event: NewEvent;
  at: AttributeField;
}

/**
 * What an external publisher (POST /events, in every content mode) may write, checked before
 * anything is queued, whatever the caller's role:
 * - not the application's own event types (@DomainEvent classes) nor the streams its modules
 *   own (OwnedStreams): those only the owning module writes, or a forged event would rewrite
 *   an aggregate's history;
 * - never under the service's own `source`; without one, the key's `/keys/<name>`, and only
 *   under sources the key may use, so no publisher can squat another's `id` + `source`.
 * One refused event refuses the whole request.
 */
@Injectable()
export class PublishPolicy {
  private readonly ownSource: string;

  constructor(
    @Inject(EVENTS_OPTIONS) options: EventsOptions,
    private readonly ownedStreams: OwnedStreams,
  ) {
    this.ownSource = options.source;
  }

  /** Throws ForbiddenError naming the field; fills in the default `source`. */
  admit(events: readonly ExternalEvent[], publisher: Principal): void {
    for (const { event, at } of events) {
      if (eventClassFor(event.type) !== undefined) {
        throw new ForbiddenError(
          at('type'),
          `${at('type')}: ${event.type} is an event type of this application; only the module that declares it publishes it`,
        );
      }
      const owner =
        event.streamId === undefined
          ? undefined
          : this.ownedStreams.ownerOf(event.streamId);
      if (owner !== undefined) {
        throw new ForbiddenError(
          at('streamid'),
          `${at('streamid')}: stream ${event.streamId} belongs to ${owner}; only its own code writes to it`,
        );
      }
      event.source ??= publisher.defaultSource;
      const refusal =
        event.source === this.ownSource
          ? `source ${event.source} is this service's own`
          : publisher.sourceRefusal(event.source);
      if (refusal !== undefined) {
        throw new ForbiddenError(at('source'), `${at('source')}: ${refusal}`);
      }
    }
  }
}
