/**
 * Object ids in Stripe's shapes (`cus_` + 14 characters, `in_` + 24, …). The generator is swappable so that the
 * demo seed produces the same ids on every run, while objects created over the API get random ones.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type RandomSource = () => number; // [0, 1)

/** Random bytes drawn 4 KiB at a time: one `randomBytes` call per id character made every id cost microseconds. */
let pool = randomBytes(4096);
let offset = 0;

const cryptoRandom: RandomSource = () => {
  if (offset + 4 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const value = pool.readUInt32BE(offset);
  offset += 4;
  return value / 0x1_0000_0000;
};

/** mulberry32: a tiny deterministic PRNG, good enough for ids and demo data. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

export class IdGenerator {
  constructor(private random: RandomSource = cryptoRandom) {}

  /** Runs `fn` with ids drawn from `source` (the demo seed's fixed ids), then goes back to the previous source. */
  using<T>(source: RandomSource, fn: () => T): T {
    const previous = this.random;
    this.random = source;
    try {
      return fn();
    } finally {
      this.random = previous;
    }
  }

  chars(length: number, alphabet = ALPHABET): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }

  /** `prefix_` + `length` alphanumerics. */
  id(prefix: string, length: number): string {
    return `${prefix}_${this.chars(length)}`;
  }

  /** Stripe-style request ids: `req_` + 14 characters. */
  requestId(): string {
    return this.id('req', 14);
  }

  /** Customer invoice prefixes: 8 upper-case hex-like characters. */
  invoicePrefix(): string {
    return this.chars(8, '0123456789ABCDEF');
  }
}
