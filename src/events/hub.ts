/**
 * The event hub: accepted Stripe changes in, GraphQL subscription streams out. `publish` is called by the webhook
 * route after a delivery is acknowledged; every subscriber whose filter matches hears the change.
 *
 * (Foundation: plain in-process fan-out. Retention for `Last-Event-ID`, bounded per-subscriber queues and the
 * per-caller caps are built on this interface.)
 */
import type { ObjectChange, StripeChange } from './changes.js';

/** Which changes a subscriber hears. */
export interface ChangeFilter {
  kinds: ReadonlySet<ObjectChange['kind']>;
  /** Only objects of this customer; undefined: every customer's (admins). */
  customerId: string | undefined;
}

export type ChangeListener = (change: StripeChange, object: ObjectChange) => void;

export class EventHub {
  private readonly subscribers = new Set<{ filter: ChangeFilter; listener: ChangeListener }>();

  /** Fans a change out: each matching (subscriber, object) pair once. */
  publish(change: StripeChange): void {
    for (const subscriber of this.subscribers) {
      for (const object of change.changes) {
        if (!subscriber.filter.kinds.has(object.kind)) continue;
        if (subscriber.filter.customerId !== undefined && object.customerId !== subscriber.filter.customerId) continue;
        subscriber.listener(change, object);
      }
    }
  }

  /** Adds a subscriber; returns its removal. */
  subscribe(filter: ChangeFilter, listener: ChangeListener): () => void {
    const entry = { filter, listener };
    this.subscribers.add(entry);
    return () => {
      this.subscribers.delete(entry);
    };
  }

  get size(): number {
    return this.subscribers.size;
  }
}
