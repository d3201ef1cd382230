/**
 * Webhook test helpers: events as the local Stripe makes them, signed with the SDK's own
 * `stripe.webhooks.generateTestHeaderString`, POSTed over real HTTP to a gateway's `/webhooks/stripe`; and a
 * recorder of what the gateway's event hub publishes.
 */
import Stripe from 'stripe';
import type { App } from '../../src/app.js';
import { CHANGED_KINDS, type ChangedKind, type StripeChange } from '../../src/events/changes.js';
import type { LocalStripe } from '../../src/local-stripe/index.js';
import type { NewEvent } from '../../src/local-stripe/events/event-log.js';

export const SECRET_A = 'whsec_testSecretAaaaaaaaaaaaaaaaaaaaaaaaa';
export const SECRET_B = 'whsec_testSecretBbbbbbbbbbbbbbbbbbbbbbbbb';

/** Every kind the gateway shows: a recorder that hears them all. */
export const ALL_KINDS: ReadonlySet<ChangedKind> = CHANGED_KINDS;

/** A real event of the local Stripe (its own id, shape and `api_version`), appended to its platform account's log. */
export function localEvent(local: LocalStripe, event: NewEvent): Stripe.Event {
  return local.store.events.append(event);
}

/** The JSON Stripe sends: pretty-printed, as its deliveries are. */
export const payloadOf = (event: unknown) => JSON.stringify(event, null, 2);

export interface SignOptions {
  secret?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  scheme?: string;
}

/** `Stripe-Signature` for `payload`, made by the SDK. */
export function signatureFor(payload: string, options: SignOptions = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? SECRET_A,
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
    ...(options.scheme !== undefined ? { scheme: options.scheme } : {}),
  });
}

export interface Delivery {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** POSTs `payload` to the app's webhook URL: `header` as `Stripe-Signature` (null: none), JSON unless told. */
export async function deliver(
  app: { webhooks: { url: string } },
  payload: string,
  header: string | null,
  init: { contentType?: string; method?: string } = {},
): Promise<Delivery> {
  const response = await fetch(app.webhooks.url, {
    method: init.method ?? 'POST',
    headers: {
      ...(init.contentType !== '' ? { 'content-type': init.contentType ?? 'application/json; charset=utf-8' } : {}),
      ...(header !== null ? { 'stripe-signature': header } : {}),
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    ...(init.method === 'GET' || init.method === 'HEAD' ? {} : { body: payload }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

/** Signs `event` (pretty-printed) and delivers it. */
export function deliverEvent(app: { webhooks: { url: string } }, event: Stripe.Event, options: SignOptions = {}): Promise<Delivery> {
  const payload = payloadOf(event);
  return deliver(app, payload, signatureFor(payload, options));
}

/** Everything the app's hub publishes, in order. */
export function recordChanges(app: App): { changes: StripeChange[]; stop(): void; waitFor(eventId: string): Promise<StripeChange> } {
  const changes: StripeChange[] = [];
  const seen = new Set<StripeChange>();
  const stop = app.events.subscribe({ kinds: ALL_KINDS, customerId: undefined }, (change) => {
    // The hub calls a listener once per matching object: keep each change once.
    if (!seen.has(change)) {
      seen.add(change);
      changes.push(change);
    }
  });
  return {
    changes,
    stop,
    async waitFor(eventId) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = changes.find((change) => change.eventId === eventId);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`the hub did not publish ${eventId} within 10 s (heard: ${changes.map((c) => c.eventId).join(', ') || 'nothing'})`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
