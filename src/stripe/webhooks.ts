/**
 * Webhook signature verification, with the SDK's own `Stripe.webhooks.constructEvent` (no HMAC of ours in the
 * gateway): the raw body and the `Stripe-Signature` header, checked against every configured endpoint secret in turn
 * (rotation: while Stripe signs with an expiring secret and its successor, either verifies). The SDK refuses a
 * signature older than the tolerance but accepts any in the future; a delivery signed further ahead than the tolerance
 * is refused here too, so that a captured request cannot be "pre-dated" to outlive the replay window.
 *
 * A refusal says why in a short, fixed phrase (never the header, the payload or a secret) and names an outcome that
 * the webhook route counts.
 */
import Stripe from 'stripe';

/** Why a delivery was refused; each is counted (`src/http/webhook-stats.ts`). */
export type SignatureRefusal =
  | 'missing_signature'
  | 'malformed_signature'
  | 'no_v1_signature'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'malformed_json'
  | 'not_an_event';

export type Verification =
  | { ok: true; event: Stripe.Event }
  | { ok: false; outcome: SignatureRefusal; reason: string };

export interface WebhookVerifierOptions {
  /** `whsec_…` endpoint secrets, newest or oldest first: each is tried. */
  secrets: readonly string[];
  /** Seconds a signature's timestamp may be off ours, either way (Stripe's default: 300). */
  toleranceSeconds: number;
}

export interface WebhookVerifier {
  /** Verifies one delivery received at `receivedAtMs` (default now). */
  verify(rawBody: Uint8Array, header: string | undefined, receivedAtMs?: number): Verification;
}

const REASONS: Record<SignatureRefusal, string> = {
  missing_signature: 'no Stripe-Signature header',
  malformed_signature: 'the Stripe-Signature header has no timestamp',
  no_v1_signature: 'the Stripe-Signature header has no v1 signature',
  bad_signature: 'no signature matches the payload with any configured secret',
  stale_timestamp: 'the signature timestamp is older than the tolerance',
  future_timestamp: 'the signature timestamp is further in the future than the tolerance',
  malformed_json: 'the payload is not JSON',
  not_an_event: 'the payload is not a Stripe event',
};

const refusal = (outcome: SignatureRefusal): Verification => ({ ok: false, outcome, reason: REASONS[outcome] });

/**
 * What the SDK's `StripeSignatureVerificationError` says, as an outcome. The messages are the pinned SDK's
 * (`stripe/esm/Webhooks.js`); `test/gateway/webhooks.test.ts` pins each, so an upgrade that rewords one fails there.
 */
function outcomeOf(error: Stripe.errors.StripeSignatureVerificationError): SignatureRefusal {
  const message = error.message;
  if (message.startsWith('No stripe-signature header')) return 'missing_signature';
  if (message.startsWith('Unable to extract timestamp')) return 'malformed_signature';
  if (message.startsWith('No signatures found with expected scheme')) return 'no_v1_signature';
  if (message.startsWith('Timestamp outside the tolerance zone')) return 'stale_timestamp';
  return 'bad_signature';
}

/**
 * The signed timestamp, read the way the SDK reads it (the last `t=` element wins). Only called once the SDK has
 * verified the signature, which covers this very timestamp.
 */
function signedTimestamp(header: string): number {
  let timestamp = Number.NaN;
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') timestamp = Number.parseInt(value ?? '', 10);
  }
  return timestamp;
}

/** The minimum an event must carry for the gateway to act on it (the SDK's `constructEvent` only parses JSON). */
function isEvent(value: unknown): value is Stripe.Event {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  const data = event['data'] as Record<string, unknown> | null | undefined;
  return (
    event['object'] === 'event' &&
    typeof event['id'] === 'string' &&
    /^evt_[A-Za-z0-9_]{1,250}$/.test(event['id']) &&
    typeof event['type'] === 'string' &&
    typeof event['created'] === 'number' &&
    typeof data === 'object' &&
    data !== null &&
    typeof data['object'] === 'object' &&
    data['object'] !== null
  );
}

export function createWebhookVerifier(options: WebhookVerifierOptions): WebhookVerifier {
  const { secrets, toleranceSeconds } = options;
  if (secrets.length === 0) throw new Error('createWebhookVerifier: at least one secret is needed');
  if (!(toleranceSeconds >= 1)) throw new Error('createWebhookVerifier: the tolerance must be at least a second');

  return {
    verify(rawBody, header, receivedAtMs = Date.now()) {
      if (header === undefined || header.trim() === '') return refusal('missing_signature');
      let stale = false;
      let first: SignatureRefusal | undefined;
      for (const secret of secrets) {
        let event: unknown;
        try {
          // The SDK decodes the bytes as UTF-8 and checks the HMAC of `${t}.${text}`: the raw body, never a re-parse.
          event = Stripe.webhooks.constructEvent(rawBody, header, secret, toleranceSeconds, undefined, receivedAtMs);
        } catch (error) {
          if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
            const outcome = outcomeOf(error);
            // A stale timestamp means this secret's signature matched: say so, whatever the other secrets said.
            if (outcome === 'stale_timestamp') stale = true;
            first ??= outcome;
            continue;
          }
          // Verified, but the SDK's JSON.parse (or its thin-event check) refused the payload.
          return refusal(error instanceof SyntaxError ? 'malformed_json' : 'not_an_event');
        }
        if (signedTimestamp(header) * 1000 > receivedAtMs + toleranceSeconds * 1000) return refusal('future_timestamp');
        return isEvent(event) ? { ok: true, event } : refusal('not_an_event');
      }
      return refusal(stale ? 'stale_timestamp' : (first ?? 'bad_signature'));
    },
  };
}
