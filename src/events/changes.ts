/**
 * What the gateway keeps of a verified Stripe event: its identity and the objects it says changed — the one place
 * where an event becomes "changed" signals. The webhook route (`src/http/webhooks.ts`) builds a `StripeChange` for
 * every accepted delivery; the event hub (`hub.ts`) fans it out to GraphQL subscriptions, and the next level (the
 * shared cache) drops what those objects can change. Nothing here decides who may see what: a change names objects;
 * whoever delivers it checks the caller before any object is read.
 */

/** The kinds of object the gateway's schema shows, as Stripe names them in `data.object.object`. */
export type ChangedKind = 'customer' | 'invoice' | 'subscription' | 'payment_method' | 'invoiceitem' | 'product' | 'price' | 'billing_portal.configuration' | 'billing_portal.session';

/** One object an event says changed. */
export interface ObjectChange {
  kind: ChangedKind;
  id: string;
  /** The customer the object belongs to (its own id for a customer); null when it belongs to none (catalog). */
  customerId: string | null;
  /** The event deleted the object (`*.deleted`). */
  deleted: boolean;
}

/** A verified event, reduced to what the gateway acts on (never its payload: nothing of it is logged or kept). */
export interface StripeChange {
  /** `evt_…`: de-duplication, and the SSE `id:` a reconnecting subscriber sends back as `Last-Event-ID`. */
  eventId: string;
  type: string;
  /** Unix seconds (Stripe's `created`). */
  created: number;
  /** A connected account's id, or null for the platform's own events. */
  account: string | null;
  livemode: boolean;
  changes: ObjectChange[];
}
