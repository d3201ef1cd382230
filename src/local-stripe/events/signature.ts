/**
 * How the local Stripe signs what it delivers, exactly as Stripe does: the `Stripe-Signature` header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint's secret>`, and a receiver checks
 * it with its SDK (`stripe.webhooks.constructEvent(rawBody, header, secret)`), on the raw bytes it received.
 *
 * Hand-written with `node:crypto` on purpose: the local Stripe is the signer, and the gateway verifies with the SDK's
 * own code, so a mistake here cannot hide behind the same library on both sides. Secrets (`whsec_…`) come from the
 * system's random source, never the account's id generator (which the demo seed makes deterministic).
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A new signing secret: `whsec_` and 32 random letters and digits, the shape Stripe's have. */
export function newWebhookSecret(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  // 62 × 4 = 248 ≤ 256: dropping bytes ≥ 248 keeps every character equally likely.
  let out = 'whsec_';
  while (out.length < 38) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < 38) out += alphabet[byte % 62];
    }
  }
  return out;
}

/** Whether `value` looks like a signing secret (`whsec_` and at least one more character, no spaces). */
export function isWebhookSecret(value: string): boolean {
  return /^whsec_\S+$/.test(value);
}

/** The `Stripe-Signature` header for `payload` (the exact bytes sent), signed at `timestampSeconds`. */
export function signatureHeader(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}
