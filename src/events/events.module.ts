import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import { OwnedStreams } from './bus/owned-streams.js';
import { EventsCoreModule } from './events-core.module.js';
import type { EventsOptions } from './options/events.options.js';

/** What a feature module declares about the events it owns. */
export interface EventsFeature {
  /** Who owns the streams (a name for error messages), usually the module's name. */
  owner?: string;
  /**
   * Stream prefixes of the module's aggregates (`user-`): their events are written by the
   * module's own code alone, never through POST /events.
   */
  streams?: string[];
}

const FEATURE = Symbol('EVENTS_FEATURE');

@Injectable()
class EventsFeatureClaims implements OnModuleInit {
  constructor(
    @Inject(FEATURE) private readonly feature: EventsFeature,
    private readonly owned: OwnedStreams,
  ) {}

  onModuleInit(): void {
    for (const prefix of this.feature.streams ?? [])
      this.owned.claim(prefix, this.feature.owner ?? 'a feature module');
  }
}

/**
 * The event platform. The application imports `EventsModule.forRoot(options)` once; each
 * feature module imports `EventsModule.forFeature({...})` to publish (EventBus, UnitOfWork),
 * subscribe (@OnDomainEvent) and claim its aggregates' streams.
 */
@Module({})
export class EventsModule {
  static forRoot(options: EventsOptions): DynamicModule {
    return {
      module: EventsModule,
      imports: [EventsCoreModule.create(options)],
    };
  }

  static forFeature(feature: EventsFeature = {}): DynamicModule {
    return {
      module: EventsModule,
      providers: [
        { provide: FEATURE, useValue: feature },
        { provide: EventsFeatureClaims, useClass: EventsFeatureClaims },
      ],
    };
  }
}
