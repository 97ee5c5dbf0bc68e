import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 ids (RFC 9562: 48-bit Unix milliseconds, then a counter seeded at random each
 * millisecond, then random bits), generated in the same layout and order as `uuid`'s v7(), for
 * every id the application makes: each request's id, each event that brings none, rows. Every
 * published event and every request needs one, and the library's version cost about as much as
 * preparing the rest of the event: a 16-byte slice of its random pool, a byte array and some
 * twenty string concatenations per id. Here random bytes are drawn 1,024 ids at a time and each
 * id is written as ASCII into one buffer and read out as one flat string. Ids from one process
 * are strictly increasing, whatever they identify.
 */
const RANDOM_BYTES_PER_ID = 10;
const IDS_PER_REFILL = 1_024;
const random = Buffer.allocUnsafe(RANDOM_BYTES_PER_ID * IDS_PER_REFILL);
let randomOffset = random.length;

const text = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
for (const dash of [8, 13, 18, 23]) text[dash] = 0x2d; // '-'

// The counter within the current millisecond, as uuid keeps it: 31 random bits at the start of
// each millisecond, then +1 per id; when it wraps, the timestamp moves on by one.
let lastMs = Number.NEGATIVE_INFINITY;
let sequence = 0;

export function uuidv7(): string {
  if (randomOffset === random.length) {
    randomFillSync(random);
    randomOffset = 0;
  }
  const r = randomOffset;
  randomOffset += RANDOM_BYTES_PER_ID;

  const now = Date.now();
  if (now > lastMs) {
    sequence =
      (random[r] << 23) |
      (random[r + 1] << 16) |
      (random[r + 2] << 8) |
      random[r + 3];
    lastMs = now;
  } else {
    sequence = (sequence + 1) | 0;
    if (sequence === 0) lastMs++;
  }
  const ms = lastMs;

  at = 0;
  hexByte((ms / 0x10000000000) & 0xff);
  hexByte((ms / 0x100000000) & 0xff);
  hexByte((ms / 0x1000000) & 0xff);
  hexByte((ms / 0x10000) & 0xff);
  hexByte((ms / 0x100) & 0xff);
  hexByte(ms & 0xff);
  hexByte(0x70 | ((sequence >>> 28) & 0x0f));
  hexByte((sequence >>> 20) & 0xff);
  hexByte(0x80 | ((sequence >>> 14) & 0x3f));
  hexByte((sequence >>> 6) & 0xff);
  hexByte(((sequence << 2) & 0xff) | (random[r + 4] & 0x03));
  for (let i = 5; i < RANDOM_BYTES_PER_ID; i++) hexByte(random[r + i]);
  return text.toString('latin1', 0, 36);
}

/** Where the next hex digit goes in `text`, skipping the dashes. */
let at = 0;

function hexByte(value: number): void {
  if (at === 8 || at === 13 || at === 18 || at === 23) at++;
  text[at++] = HEX[(value >>> 4) & 0x0f];
  text[at++] = HEX[value & 0x0f];
}
