import type { Logger } from '@nestjs/common';
import type { GroupCommitWriter } from '../bus/writer/group-commit-writer.js';
import type { WebhookSecretVault } from './webhook-secret-vault.js';
import { SECRET_KEY_SETTING } from './webhook-secret-vault.js';
import type { WebhookStore } from './webhook-store.js';

/**
 * Start-up step, before any webhook runs. In production without security.secret_key the
 * service must not start once a webhook has a secret: it could neither open sealed secrets
 * nor seal plain ones. Then the secrets an older version stored in plain text are sealed, and
 * their plain text removed, in one transaction.
 *
 * A plain-text secret was an HMAC key used as its UTF-8 bytes, so the sealed key is those
 * bytes: receivers keep the same secret (see docs/webhooks.md for its `whsec_` spelling).
 */
export async function sealPlaintextSecrets(
  store: WebhookStore,
  vault: WebhookSecretVault,
  writer: GroupCommitWriter,
  logger: Logger,
): Promise<void> {
  if (vault.keyMissing) {
    const count = await store.countSecrets();
    if (count > 0) {
      throw new Error(
        `${SECRET_KEY_SETTING} is required in production: ${count} webhook subscription(s) have a signing secret. Set ${SECRET_KEY_SETTING} (the base64 of 32 random bytes) and start again.`,
      );
    }
    return;
  }
  const plain = await store.listPlaintextSecrets();
  if (plain.length === 0) return;
  const sealed = plain.map(({ name, secret }) => ({
    name,
    sealed: vault.seal(name, Buffer.from(secret, 'utf8')),
  }));
  await writer.runUnit(async (tx) => {
    for (const { name, sealed: value } of sealed) {
      await store.sealPlaintextSecret(tx.queryRunner, name, value);
    }
  });
  logger.log(
    `encrypted the plain-text signing secret of ${plain.length} webhook subscription(s): ${plain.map((p) => p.name).join(', ')}`,
  );
}
