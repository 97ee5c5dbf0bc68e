import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** A sealed value could not be opened: another key, another context, or altered. */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/**
 * Authenticated encryption of small secrets at rest: AES-256-GCM with a random 96-bit IV
 * per value, sealed as `v1:<iv>:<tag>:<ciphertext>` (base64 parts). The version prefix leaves
 * room for another algorithm or key later. `context` is bound as additional authenticated
 * data (e.g. the owning row's name), so a sealed value copied to another row does not open.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) {
      throw new SecretBoxError(
        `a secret box key is ${SECRET_KEY_BYTES} bytes (got ${key.length})`,
      );
    }
    this.key = Buffer.from(key);
  }

  seal(plaintext: Buffer, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([
      cipher.update(plaintext),
      cipher.final(),
    ]);
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      ciphertext.toString('base64'),
    ].join(':');
  }

  /** @throws SecretBoxError when `sealed` was not sealed by this key for this context. */
  open(sealed: string, context: string): Buffer {
    const [version, iv, tag, ciphertext, ...rest] = sealed.split(':');
    if (version !== VERSION || ciphertext === undefined || rest.length > 0) {
      throw new SecretBoxError('not a sealed value of a known version');
    }
    const ivBytes = Buffer.from(iv, 'base64');
    const tagBytes = Buffer.from(tag, 'base64');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new SecretBoxError('malformed sealed value');
    }
    const decipher = createDecipheriv(ALGORITHM, this.key, ivBytes, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64')),
        decipher.final(),
      ]);
    } catch {
      throw new SecretBoxError(
        'the sealed value does not open with this key (wrong key, or altered)',
      );
    }
  }
}

/** The key a base64 text stands for, when it is exactly SECRET_KEY_BYTES bytes, canonically encoded. */
export function decodeSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== SECRET_KEY_BYTES || key.toString('base64') !== trimmed) {
    return undefined;
  }
  return key;
}
