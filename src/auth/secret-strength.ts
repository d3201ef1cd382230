/**
 * How hard a configured secret (the HS256 secret, a gateway API key) would be to guess, roughly: its length times
 * the Shannon entropy of its characters (how evenly it uses the characters it uses). It cannot prove a secret
 * random — `0123456789abcdef…` scores well — but it tells what a person typed (`changeme-changeme…`, 32 × `a`) from
 * what a generator made, which is the mistake that reaches production: `openssl rand -base64 32` scores about 200
 * bits, a 16-byte hex key about 115.
 */

/** The estimate production requires of the JWT secret and of each API key. */
export const MIN_SECRET_BITS = 100;

/** How to make a secret that passes. */
export const MAKE_A_SECRET = '`openssl rand -base64 32`';

export function estimatedEntropyBits(secret: string): number {
  const characters = [...secret];
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    perCharacter -= p * Math.log2(p);
  }
  return characters.length * perCharacter;
}

export const strongEnough = (secret: string) => estimatedEntropyBits(secret) >= MIN_SECRET_BITS;
