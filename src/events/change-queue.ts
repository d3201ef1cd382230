/**
 * A subscriber's queue of changes not yet delivered, bounded by coalescing: a subscription re-reads each object when
 * it delivers it, so a second change of an object still waiting needs no second entry — the entry moves to the end,
 * under the newer event's id. Memory then grows with the objects waiting, not with the events; past `maxPending`
 * objects the queue ends with `QueueOverflow` (the stream's consumer is too slow; it reconnects with
 * `Last-Event-ID` and is replayed from the hub's retention).
 *
 * Entries leave in the order of their (latest) event, so the event ids a subscriber receives only ever move forward
 * in the hub's order: a reconnect "after the last id seen" can miss nothing still waiting here.
 */
import type { ObjectChange } from './changes.js';

/** One object to deliver: what changed, and the latest event that changed it. */
export interface Delivery {
  /** The latest event's id (`evt_…`): the SSE `id:` a reconnecting subscriber sends back. */
  eventId: string;
  /** That event's type, e.g. `invoice.paid`. */
  type: string;
  /** The hub's order of that event (increasing). */
  seq: number;
  object: ObjectChange;
}

/** The queue ended because its consumer fell too far behind. */
export class QueueOverflow extends Error {
  constructor(readonly maxPending: number) {
    super(`more than ${maxPending} objects waiting for one slow subscriber`);
    this.name = 'QueueOverflow';
  }
}

const keyOf = (object: ObjectChange) => `${object.kind}:${object.id}`;

export class ChangeQueue {
  /** Insertion order is delivery order (a Map keeps it; delete + set moves an entry to the end). */
  private readonly entries = new Map<string, Delivery>();
  private ended: { error: Error | undefined } | undefined;
  private waiter: ((delivery: Delivery | undefined) => void) | undefined;

  constructor(private readonly maxPending: number) {}

  /** Objects waiting (never more than `maxPending`). */
  get size(): number {
    return this.entries.size;
  }

  /** Why the queue ended, once it has (undefined: ended normally, or still open). */
  get error(): Error | undefined {
    return this.ended?.error;
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** Adds (or moves to the end, under the newer event) one object's change. */
  push(delivery: Delivery): void {
    if (this.ended !== undefined) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter(delivery);
      return;
    }
    const key = keyOf(delivery.object);
    this.entries.delete(key);
    this.entries.set(key, delivery);
    if (this.entries.size > this.maxPending) this.end(new QueueOverflow(this.maxPending));
  }

  /** The next delivery, waiting for one; undefined once the queue has ended (`error` says why). */
  take(): Promise<Delivery | undefined> {
    const first = this.entries.entries().next();
    if (!first.done) {
      this.entries.delete(first.value[0]);
      return Promise.resolve(first.value[1]);
    }
    if (this.ended !== undefined) return Promise.resolve(undefined);
    // One consumer per queue: a stream pulls one delivery at a time.
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Ends the queue: what waits is dropped (an error ends it at once; a normal end, too: the stream is over). */
  end(error?: Error): void {
    if (this.ended !== undefined) return;
    this.ended = { error };
    this.entries.clear();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }
}
