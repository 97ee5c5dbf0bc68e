import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeSecretKey, SecretBox, SecretBoxError } from './secret-box.js';

describe('SecretBox', () => {
  const key = randomBytes(32);
  const box = new SecretBox(key);
  const secret = Buffer.from('the signing key bytes');

  it('seals to a versioned v1:<iv>:<tag>:<ciphertext> text that opens in the same context', () => {
    const sealed = box.seal(secret, 'webhook.billing');

    expect(sealed).toMatch(
      /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/,
    );
    expect(sealed).not.toContain(secret.toString('base64'));
    expect(box.open(sealed, 'webhook.billing')).toEqual(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal(secret, 'a')).not.toBe(box.seal(secret, 'a'));
  });

  it('refuses another context, another key and any altered part', () => {
    const sealed = box.seal(secret, 'webhook.billing');
    const [version, iv, tag, ciphertext] = sealed.split(':');
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64');
      bytes[0] ^= 1;
      return bytes.toString('base64');
    };

    expect(() => box.open(sealed, 'webhook.other')).toThrow(SecretBoxError);
    expect(() =>
      new SecretBox(randomBytes(32)).open(sealed, 'webhook.billing'),
    ).toThrow(SecretBoxError);
    for (const altered of [
      [version, flip(iv), tag, ciphertext],
      [version, iv, flip(tag), ciphertext],
      [version, iv, tag, flip(ciphertext)],
      ['v2', iv, tag, ciphertext],
      [version, iv, tag],
    ]) {
      expect(() => box.open(altered.join(':'), 'webhook.billing')).toThrow(
        SecretBoxError,
      );
    }
  });

  it('takes a 32-byte key only', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(SecretBoxError);
  });
});

describe('decodeSecretKey', () => {
  it('accepts the canonical base64 of exactly 32 bytes', () => {
    const key = randomBytes(32);
    expect(decodeSecretKey(key.toString('base64'))).toEqual(key);
    expect(decodeSecretKey(` ${key.toString('base64')}\n`)).toEqual(key);
  });

  it.each([
    [randomBytes(31).toString('base64')],
    [randomBytes(33).toString('base64')],
    [randomBytes(32).toString('hex')],
    [randomBytes(32).toString('base64url')],
    [''],
  ])('refuses %s', (text) => {
    expect(decodeSecretKey(text)).toBeUndefined();
  });
});
