/**
 * What the gateway keeps of a verified Stripe event: its identity and the objects it says changed — the one place
 * where an event becomes "changed" signals. The webhook route (`src/http/webhooks.ts`) builds a `StripeChange` for
 * every accepted delivery; the event hub (`hub.ts`) fans it out to GraphQL subscriptions, and the next level (the
 * shared cache) drops what those objects can change. Nothing here decides who may see what: a change names objects;
 * whoever delivers it checks the caller before any object is read.
 */
import type Stripe from 'stripe';

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

/** A hook run on every accepted change before the delivery is answered (the shared cache's invalidation goes here). */
export type ChangedHook = (change: StripeChange) => void | Promise<void>;

/** Every kind of object the gateway shows, as `ChangedKind` names them. */
export const CHANGED_KINDS: ReadonlySet<ChangedKind> = new Set<ChangedKind>([
  'customer',
  'invoice',
  'subscription',
  'payment_method',
  'invoiceitem',
  'product',
  'price',
  'billing_portal.configuration',
  'billing_portal.session',
]);

const KINDS: ReadonlySet<string> = CHANGED_KINDS;

const isKind = (value: unknown): value is ChangedKind => typeof value === 'string' && KINDS.has(value);

/** An expandable field's id (`cus_…`, or an expanded object's `id`); null when absent. */
function idIn(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}

/**
 * The customer an event's object belongs to. A detached payment method no longer names its customer: the one it was
 * detached from is in `previous_attributes`.
 */
function customerOf(kind: ChangedKind, object: Record<string, unknown>, previous: Record<string, unknown> | undefined): string | null {
  switch (kind) {
    case 'customer':
      return idIn(object['id']);
    case 'product':
    case 'price':
    case 'billing_portal.configuration':
      return null;
    default:
      return idIn(object['customer']) ?? idIn(previous?.['customer']);
  }
}

/**
 * A verified event as the objects it changed: its `data.object` (deleted on `*.deleted`, except a subscription,
 * which `customer.subscription.deleted` cancels and which stays readable), and for an invoice item the invoice it is
 * on (that invoice's lines changed). Events about objects the gateway does not show (charges, payment intents, …)
 * change nothing here. Only ids are taken from the payload: whoever acts on a change reads the objects themselves.
 */
export function changesOf(event: Stripe.Event): StripeChange {
  const object = event.data.object as unknown as Record<string, unknown>;
  const previous = event.data.previous_attributes as Record<string, unknown> | undefined;
  const kind = object['object'];
  const id = idIn(object['id']);
  const changes: ObjectChange[] = [];
  if (isKind(kind) && id !== null) {
    const customerId = customerOf(kind, object, previous);
    changes.push({ kind, id, customerId, deleted: event.type.endsWith('.deleted') && kind !== 'subscription' });
    const invoice = kind === 'invoiceitem' ? idIn(object['invoice']) : null;
    if (invoice !== null) changes.push({ kind: 'invoice', id: invoice, customerId, deleted: false });
  }
  return {
    eventId: event.id,
    type: event.type,
    created: event.created,
    account: typeof event.account === 'string' ? event.account : null,
    livemode: event.livemode,
    changes,
  };
}
