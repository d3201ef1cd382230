/**
 * What became of each delivery to `POST /webhooks/stripe`, counted by outcome: accepted, duplicate, ignored (an
 * event about nothing the gateway shows), failed (a "changed" hook threw; Stripe retries), unavailable (replicas'
 * Redis unreachable: 503, Stripe retries), and every reason a delivery is refused. `app.webhooks.stats()` reads the
 * counts; the metrics of a later issue export them.
 */
import type { SignatureRefusal } from '../stripe/webhooks.js';

/** A refusal of the request itself, before any signature is looked at. */
export type RequestRefusal = 'method_not_allowed' | 'unsupported_media_type' | 'too_large' | 'not_configured';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | 'failed' | 'unavailable' | RequestRefusal | SignatureRefusal;

export const WEBHOOK_OUTCOMES: readonly WebhookOutcome[] = [
  'accepted',
  'duplicate',
  'ignored',
  'failed',
  'unavailable',
  'method_not_allowed',
  'unsupported_media_type',
  'too_large',
  'not_configured',
  'missing_signature',
  'malformed_signature',
  'no_v1_signature',
  'bad_signature',
  'stale_timestamp',
  'future_timestamp',
  'malformed_json',
  'not_an_event',
];

/** Every outcome's count (zeros included), and their sum. */
export type WebhookCounts = Record<WebhookOutcome, number> & { total: number };

export class WebhookStats {
  private readonly counts = new Map<WebhookOutcome, number>();

  count(outcome: WebhookOutcome): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  /** A snapshot: later deliveries do not change it. */
  snapshot(): WebhookCounts {
    let total = 0;
    const out = {} as WebhookCounts;
    for (const outcome of WEBHOOK_OUTCOMES) {
      const n = this.counts.get(outcome) ?? 0;
      out[outcome] = n;
      total += n;
    }
    out.total = total;
    return out;
  }
}
