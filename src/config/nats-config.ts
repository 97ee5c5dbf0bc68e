import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { BooleanFlag, CommaSeparatedList } from './config.validators.js';

// JetStream names: no spaces, dots, wildcards or path separators (ADR-6 of nats-architecture-and-design).
const JETSTREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const JETSTREAM_NAME_RULE =
  'must be 1-64 letters, digits, dashes or underscores (a JetStream name)';

/** The outbound relay: committed events published to JetStream as CloudEvents. */
export class NatsRelayConfig {
  @BooleanFlag()
  @IsBoolean()
  enabled = false;

  /** Stream the relay creates (or updates) at start to capture `<subject_prefix>.>`. */
  @IsString()
  @Matches(JETSTREAM_NAME, { message: `stream ${JETSTREAM_NAME_RULE}` })
  stream = 'EVENTS';

  /** Each event goes to `<subject_prefix>.<type>`. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/, {
    message:
      'subject_prefix must be 1-8 dot-separated tokens of letters, digits, dashes or underscores, without wildcards',
  })
  subject_prefix = 'events';

  /** Event types or patterns (`order.*`, `**`) to relay. Environment: a,b. */
  @CommaSeparatedList()
  @IsArray()
  @IsString({ each: true })
  @Matches(/^[a-z0-9*._-]{1,255}$/, {
    each: true,
    message:
      'types entries must be event types or patterns such as user.* or ** (lower case, dots, * and **)',
  })
  types: string[] = ['**'];
}

/** The inbound consumer: CloudEvents of other services, stored as integration events. */
export class NatsConsumerConfig {
  @BooleanFlag()
  @IsBoolean()
  enabled = false;

  /** Stream to read (it must exist; the consumer waits for it). */
  @IsString()
  @Matches(JETSTREAM_NAME, { message: `stream ${JETSTREAM_NAME_RULE}` })
  stream = 'INBOUND';

  /** Durable consumer name: JetStream keeps its place across restarts. */
  @IsString()
  @Matches(JETSTREAM_NAME, { message: `durable ${JETSTREAM_NAME_RULE}` })
  durable = 'nest-event-starter';

  /** Subjects of the stream to read (wildcards allowed); empty: all of them. Environment: a,b. */
  @CommaSeparatedList()
  @IsArray()
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_*>-]{1,64}(\.[A-Za-z0-9_*>-]{1,64}){0,15}$/, {
    each: true,
    message:
      'subjects entries must be NATS subjects (dot-separated tokens; * and > wildcards)',
  })
  subjects: string[] = [];

  /**
   * CloudEvents sources the stream may bring; empty: any source but this service's own.
   * Environment: a,b.
   */
  @CommaSeparatedList()
  @IsArray()
  @IsString({ each: true })
  @Matches(/^\S{1,255}$/, {
    each: true,
    message: 'sources entries must be 1-255 characters without spaces',
  })
  sources: string[] = [];
}

export class NatsConfig {
  /** Server URL(s), comma-separated for a cluster. */
  @IsString()
  @Matches(
    /^(nats|tls):\/\/[^\s,]{1,255}(,(nats|tls):\/\/[^\s,]{1,255}){0,15}$/,
    {
      message:
        'url must be nats://host:port (or tls://), several separated by commas',
    },
  )
  url = 'nats://127.0.0.1:4222';

  @ValidateNested()
  @Type(() => NatsRelayConfig)
  relay = new NatsRelayConfig();

  @ValidateNested()
  @Type(() => NatsConsumerConfig)
  consumer = new NatsConsumerConfig();
}
