import {
  EVENTS_OPTIONS,
  type EventsOptions,
} from '../options/events.options.js';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  readKeyFile,
  readOrCreateKeyFile,
} from '../../common/crypto/key-file.js';
import {
  decodeSecretKey,
  SecretBox,
  SecretBoxError,
} from '../../common/crypto/secret-box.js';
import { subscriptionNameOf } from './webhook.js';
import { SecretKeyRequiredError } from './webhook.errors.js';

export const SECRET_KEY_SETTING = 'security.secret_key';
const KEY_FILE = 'secret.key';

/**
 * Seals webhook signing keys for storage and opens them for delivery, with AES-256-GCM under
 * security.secret_key; the webhook's subscription name is bound to each sealed value.
 *
 * Without security.secret_key: in production (NODE_ENV=production) nothing can be sealed and
 * creating a signed webhook is refused; elsewhere the key lives in `secret.key` next to the
 * SQLite file (created with mode 0600 on first use), so `npm start` works out of the box.
 */
@Injectable()
export class WebhookSecretVault {
  private readonly logger = new Logger(WebhookSecretVault.name);
  private readonly configured: Buffer | undefined;
  private readonly keyFile: string;
  private readonly production: boolean;
  private box: SecretBox | undefined;

  constructor(@Inject(EVENTS_OPTIONS) { webhooks }: EventsOptions) {
    const text = webhooks.secretKey;
    this.production = webhooks.production;
    this.configured = text === undefined ? undefined : decodeSecretKey(text);
    this.keyFile = join(webhooks.keyFileDirectory, KEY_FILE);
    if (this.configured) this.box = new SecretBox(this.configured);
  }

  /** Production without a configured key: no secret may be sealed or opened. */
  get keyMissing(): boolean {
    return this.configured === undefined && this.production;
  }

  /** Says at start where the key comes from when it is not configured. */
  announce(): void {
    if (this.configured !== undefined || this.production) return;
    this.logger.warn(
      `${SECRET_KEY_SETTING} is not set: webhook secrets are encrypted with the key in ${this.keyFile} (created on first use). Set ${SECRET_KEY_SETTING} in production.`,
    );
  }

  /** @throws SecretKeyRequiredError in production without a configured key. */
  seal(webhookName: string, key: Buffer): string {
    return this.sealingBox().seal(key, subscriptionNameOf(webhookName));
  }

  /** @throws SecretBoxError when the value does not open with the key in use. */
  open(webhookName: string, sealed: string): Buffer {
    const box = this.openingBox();
    if (!box) {
      throw new SecretBoxError(
        this.keyMissing
          ? `${SECRET_KEY_SETTING} is not set`
          : `${SECRET_KEY_SETTING} is not set and ${this.keyFile} does not exist`,
      );
    }
    try {
      return box.open(sealed, subscriptionNameOf(webhookName));
    } catch (error) {
      throw new SecretBoxError(
        `${(error as Error).message}; is ${this.configured ? SECRET_KEY_SETTING : this.keyFile} the key it was sealed with?`,
      );
    }
  }

  private sealingBox(): SecretBox {
    if (this.box) return this.box;
    if (this.keyMissing) throw new SecretKeyRequiredError(SECRET_KEY_SETTING);
    this.box = new SecretBox(readOrCreateKeyFile(this.keyFile));
    return this.box;
  }

  /** Opening never creates a key: a new one could not open anything. */
  private openingBox(): SecretBox | undefined {
    if (this.box || this.keyMissing) return this.box;
    const key = readKeyFile(this.keyFile);
    if (key) this.box = new SecretBox(key);
    return this.box;
  }
}
