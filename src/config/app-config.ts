import { Transform, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsSecretKey } from '../common/crypto/is-secret-key.validator.js';
import { decodeSecretKey } from '../common/crypto/secret-box.js';
import {
  BooleanFlag,
  CommaSeparatedList,
  DurationMs,
  IsDurationMs,
} from './config.validators.js';
import { NatsConfig } from './nats-config.js';
import { GrpcConfig } from './grpc-config.js';

// The shape of config.yaml. Each key's default lives here so a partial file still boots;
// config.yaml documents every key next to its value.

export class CorsConfig {
  /**
   * Browser origins allowed to call the API (`https://app.example.com`), or `*` for any.
   * Empty: no CORS headers at all, so browsers refuse cross-origin calls.
   */
  @CommaSeparatedList()
  @IsArray()
  @IsString({ each: true })
  @Matches(/^(\*|https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)$/, {
    each: true,
    message:
      'cors.origins entries must be * or an origin such as https://app.example.com (scheme, host, optional port)',
  })
  origins: string[] = [];
}

export class ServerConfig {
  @IsString()
  @MinLength(1)
  host = '0.0.0.0';

  @IsInt()
  @Min(0)
  @Max(65535)
  port = 8080;

  /** Largest request body accepted, in bytes; larger ones get 413. */
  @IsInt()
  @Min(1024)
  body_limit = 1_048_576;

  /**
   * Behind a reverse proxy: take the client address from X-Forwarded-For (Fastify trustProxy).
   * Leave false when clients connect directly, or they could pick their own address.
   */
  @BooleanFlag()
  @IsBoolean()
  trust_proxy = false;

  @ValidateNested()
  @Type(() => CorsConfig)
  cors = new CorsConfig();

  /**
   * On SIGTERM, readiness fails at once and the listener keeps taking requests this long, so
   * load balancers stop sending before connections are refused; then the drain starts.
   */
  @DurationMs()
  @IsDurationMs()
  @Max(300_000)
  shutdown_delay = 5_000;
}

export class DatabaseConfig {
  /** SQLite file; its directory is created at start. */
  @IsString()
  @MinLength(1)
  path = 'data/events.db';

  /** PostgreSQL connection URL, used when event.store.driver is postgres. */
  @IsOptional()
  @IsString()
  url?: string;

  /** SQLite durability: full syncs the WAL on every commit (survives power loss), normal only at checkpoints. */
  @IsIn(['full', 'normal'])
  synchronous: 'full' | 'normal' = 'full';
}

export type PrettyLogs = 'auto' | boolean;

export class LogConfig {
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  level = 'info';

  /**
   * Human-readable console lines (pino-pretty, a development dependency) instead of JSON lines.
   * auto: pretty on a terminal outside production, JSON otherwise (pipes, files, containers).
   */
  @BooleanFlag()
  @IsIn(['auto', true, false], {
    message: 'pretty must be auto, true or false',
  })
  pretty: PrettyLogs = 'auto';
}

export class BusConfig {
  /** Events that may wait for commit at once; beyond it publishers wait and HTTP answers 503. */
  @IsInt()
  @Min(1)
  buffer_size = 1000;

  /** Subscriptions that may run their handlers at the same time. */
  @IsInt()
  @Min(1)
  @Max(1000)
  workers = 10;

  /**
   * Most events one request or unit may append at once (a CloudEvents batch, say); larger
   * batches get 413. At most buffer_size; unset: 1000, or buffer_size when that is smaller.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  max_batch?: number;

  /** Bytes of recently committed events kept in memory for caught-up subscriptions. */
  @IsInt()
  @Min(0)
  tail_bytes = 64 * 1024 * 1024;
}

export class StoreConfig {
  /** false keeps the whole database in a temporary file removed at shutdown (demos, experiments). */
  @BooleanFlag()
  @IsBoolean()
  enabled = true;

  @IsIn(['sqlite', 'postgres'])
  driver: 'sqlite' | 'postgres' = 'sqlite';

  /** Events older than this may be pruned; 0 keeps everything. */
  @IsInt()
  @Min(0)
  retention_days = 90;

  /** How often retention runs (when retention_days is not 0). */
  @DurationMs()
  @IsDurationMs()
  prune_interval = 3_600_000;
}

export class HandlersConfig {
  /** false: publish() resolves only after every matching durable handler has finished with the event. */
  @BooleanFlag()
  @IsBoolean()
  async = true;

  /** A handler running longer is aborted and the attempt counts as failed. */
  @DurationMs()
  @IsDurationMs()
  timeout = 30_000;

  /** Attempts per event (the first included) before it is parked as a dead letter. */
  @IsInt()
  @Min(1)
  @Max(100)
  retry_count = 3;

  /** First retry delay; it doubles per attempt, with jitter, up to retry_max_delay. */
  @DurationMs()
  @IsDurationMs()
  retry_delay = 200;

  @DurationMs()
  @IsDurationMs()
  retry_max_delay = 30_000;

  /** On shutdown, how long running handlers may take to finish before their events are left for the next start. */
  @DurationMs()
  @IsDurationMs()
  shutdown_grace = 10_000;
}

export class QueryConfig {
  /**
   * Bytes one page of events may hold in an answer (GET /events, GET /streams/:id); a page
   * that would exceed it ends early with its `next` cursor. One event is always sent.
   */
  @IsInt()
  @Min(1024)
  max_page_bytes = 4 * 1024 * 1024;
}

export class StreamConfig {
  /** Clients of GET /events/stream at once on this instance; one more gets 503. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  max_clients = 100;

  /** A comment line sent this often keeps proxies from closing an idle stream. */
  @DurationMs()
  @IsDurationMs()
  @Min(1000)
  @Max(300_000)
  heartbeat = 15_000;

  /**
   * Bytes of events waiting to be written to one client; a client that falls further behind is
   * disconnected (it resumes with Last-Event-ID) instead of growing memory.
   */
  @IsInt()
  @Min(65_536)
  @Max(64 * 1024 * 1024)
  buffer_bytes = 1024 * 1024;
}

export class ClusterConfig {
  /**
   * How this instance is named in leases, /events/stats and /health; default: host name,
   * process id and a random suffix, different at every start.
   */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/)
  instance_id?: string;

  /**
   * PostgreSQL: how long a lease on a subscription (or a job) lasts without renewal. Renewed
   * every third of it; a dead instance's subscriptions are taken over within about 5/3 of it.
   */
  @DurationMs()
  @IsDurationMs()
  @Min(1_000)
  @Max(60_000)
  lease_ttl = 5_000;
}

export class EventConfig {
  /** CloudEvents `source` of events this service publishes. */
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  source = '/nest-event-starter';

  @ValidateNested()
  @Type(() => BusConfig)
  bus = new BusConfig();

  @ValidateNested()
  @Type(() => StoreConfig)
  store = new StoreConfig();

  @ValidateNested()
  @Type(() => HandlersConfig)
  handlers = new HandlersConfig();

  @ValidateNested()
  @Type(() => QueryConfig)
  query = new QueryConfig();

  @ValidateNested()
  @Type(() => StreamConfig)
  stream = new StreamConfig();

  @ValidateNested()
  @Type(() => ClusterConfig)
  cluster = new ClusterConfig();
}

export class MetricsConfig {
  /**
   * Event types outside those the application declares (@DomainEvent) that get their own label
   * value in /metrics; later ones are counted under `other`, so label sets stay bounded.
   */
  @IsInt()
  @Min(0)
  @Max(10_000)
  max_types = 200;
}

export class HealthConfig {
  /** Readiness fails when a subscription that fails readiness on lag (the default; not webhooks) is more events behind than this. */
  @IsInt()
  @Min(1)
  max_lag = 10_000;

  /** Health fails when the data directory's disk is fuller than this fraction. */
  @IsNumber()
  @Min(0.01)
  @Max(1)
  disk_threshold = 0.95;
}

export class WebhooksConfig {
  /**
   * Hosts webhook URLs may name. `*`: any host that resolves to public addresses only.
   * A name (`hooks.example.com`), a wildcard (`*.example.com`), an IP or a CIDR range
   * (`10.0.0.0/8`) allows that host even on a private, loopback or link-local address.
   * An environment variable takes a comma-separated list.
   */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
      : value,
  )
  @IsArray()
  @IsString({ each: true })
  @Matches(
    /^(\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/,
    {
      each: true,
      message:
        'allowed_hosts entries must be *, a host name, *.domain, an IP address or a CIDR range',
    },
  )
  allowed_hosts: string[] = ['*'];

  /** A delivery taking longer is aborted and retried like any failed attempt. */
  @DurationMs()
  @IsDurationMs()
  timeout = 10_000;

  /** Webhook subscriptions that may exist at once; creating one more answers 409. */
  @IsInt()
  @Min(0)
  @Max(100_000)
  max_subscriptions = 100;
}

export const API_KEY_ROLES = ['reader', 'publisher', 'admin'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** One API key: its name, the SHA-256 of the key (never the key itself) and what it may do. */
export class ApiKeyConfig {
  /** Who holds the key; recorded as the actor of the events it publishes. */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'name must be 1-64 letters, digits, dots, dashes or underscores',
  })
  name: string;

  @IsString()
  @Matches(/^[0-9a-fA-F]{64}$/, {
    message:
      'key_sha256 must be the SHA-256 of the key as 64 hexadecimal characters (npm run key prints it)',
  })
  key_sha256: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(API_KEY_ROLES, {
    each: true,
    message: `roles must be among ${API_KEY_ROLES.join(', ')}`,
  })
  roles: ApiKeyRole[];

  /** CloudEvents sources this key may publish under (besides its own /keys/<name>). */
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @Matches(/^\S{1,255}$/, {
    each: true,
    message: 'sources entries must be 1-255 characters without spaces',
  })
  sources?: string[];
}

export class SecurityConfig {
  /**
   * Keys that may call the API. Empty: the API is open (refused when NODE_ENV=production).
   * The environment takes the same list as JSON in SECURITY__API_KEYS.
   */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ApiKeyConfig)
  api_keys: ApiKeyConfig[] = [];

  /** Serve /docs without a key. Unset: true, except when NODE_ENV=production. */
  @IsOptional()
  @BooleanFlag()
  @IsBoolean()
  docs_public?: boolean;

  /**
   * Base64 of 32 random bytes (`openssl rand -base64 32`): the AES-256-GCM key that encrypts
   * webhook signing secrets at rest. Required in production once a webhook has a secret;
   * elsewhere a key is generated next to the SQLite file (secret.key) when absent.
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    // An empty variable (SECURITY__SECRET_KEY=) means no key.
    if (value.trim() === '') return undefined;
    // An invalid key is not echoed in the error message: it may be a real key with a typo.
    return decodeSecretKey(value)
      ? value.trim()
      : `[hidden, ${value.length} characters]`;
  })
  @IsString()
  @IsSecretKey()
  secret_key?: string;
}

export class RateLimitConfig {
  /** Requests one API key (or, without keys, one client address) may make per ttl; 0: no limit. */
  @IsInt()
  @Min(0)
  limit = 1000;

  @DurationMs()
  @IsDurationMs()
  @Min(1)
  ttl = 60_000;
}

export class AppConfig {
  @ValidateNested()
  @Type(() => ServerConfig)
  server = new ServerConfig();

  @ValidateNested()
  @Type(() => DatabaseConfig)
  database = new DatabaseConfig();

  @ValidateNested()
  @Type(() => LogConfig)
  log = new LogConfig();

  @ValidateNested()
  @Type(() => EventConfig)
  event = new EventConfig();

  @ValidateNested()
  @Type(() => HealthConfig)
  health = new HealthConfig();

  @ValidateNested()
  @Type(() => WebhooksConfig)
  webhooks = new WebhooksConfig();

  @ValidateNested()
  @Type(() => SecurityConfig)
  security = new SecurityConfig();

  @ValidateNested()
  @Type(() => RateLimitConfig)
  rate_limit = new RateLimitConfig();

  @ValidateNested()
  @Type(() => NatsConfig)
  nats = new NatsConfig();

  @ValidateNested()
  @Type(() => MetricsConfig)
  metrics = new MetricsConfig();

  @ValidateNested()
  @Type(() => GrpcConfig)
  grpc = new GrpcConfig();
}
