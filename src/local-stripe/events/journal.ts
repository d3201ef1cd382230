/**
 * The change journal: the one place where the local Stripe's state changes become Stripe events.
 *
 * Every state-changing unit of work runs inside a transaction of its account's journal (`run`): each `/v1` POST and
 * DELETE (`server.ts`, with `request { id: req_…, idempotency_key }`), each hosted-page request (its own `req_…` id,
 * no idempotency key), and each due step of the clock (`subscription-clock.ts`, `request: null` ids, at the step's
 * own time). While one is open, the account's watched collections (`watch`) report the objects the work looks up
 * (`get`, `require`, or `touch` for objects found by iterating), inserts and removes; the journal renders each object
 * the first time it is seen, exactly as the API renders it, and keeps that JSON. At commit, each object whose
 * rendering changed, was created or was removed yields its events (`derive.ts`: types, `previous_attributes`), in
 * Stripe's order — creations, then changes (in the order the objects were first seen), then deletions — and they are
 * appended to the account's `EventLog`, whose listeners (webhook deliveries) hear them at once. `data.object` is the
 * object's rendering at the end of the unit of work.
 *
 * Facts that no field shows (an invoice sent, a trial about to end, a portal session, which lives in no collection)
 * are `notice`d by the code that knows them.
 *
 * Cost: nothing outside a transaction; inside one, a rendering per object the work looks up (never the whole store:
 * iteration tells the journal nothing). Work done without a transaction — the seed, tests arranging `local.store`
 * directly — makes no events.
 */
import type Stripe from 'stripe';
import type { Collection, Stored } from '../collection.js';
import { renderObject } from '../expand.js';
import type { Store } from '../store.js';
import { deriveEvents, Phase } from './derive.js';
import type { EventLog, EventRequest } from './event-log.js';

type Json = Record<string, unknown>;

interface Entry {
  kind: string;
  item: unknown;
  /** The rendering's JSON when first seen; null when created in this unit of work. */
  before: string | null;
  /** The rendering's JSON just before the object was removed; undefined while it is in its collection. */
  removed?: string | undefined;
  order: number;
}

interface Notice {
  type: Stripe.Event.Type;
  kind: string;
  object: unknown;
  order: number;
}

interface Transaction {
  request: EventRequest | null;
  /** By kind and id, in the order first seen. */
  entries: Map<string, Entry>;
  notices: Notice[];
  next: number;
}

interface Pending {
  phase: Phase;
  order: number;
  type: Stripe.Event.Type;
  object: Json;
  previousAttributes?: Json | undefined;
}

/** Expired events are pruned from the log every this many transactions. */
const PRUNE_EVERY = 1000;

export class Journal {
  private tx: Transaction | undefined;
  private rendering = false;
  private commits = 0;
  /** Base URL of the server, for renderings (`hosted_invoice_url`); set when the server starts. */
  baseUrl: () => string = () => '';
  /** A connected account's id, put on its events (Stripe's `account`); undefined for the platform. */
  account: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: EventLog,
  ) {}

  /** Reports `collection`'s lookups, inserts and removes, objects of `kind` (its name in `expand.ts`). */
  watch<T extends Stored>(collection: Collection<T>, kind: string): void {
    collection.watcher = {
      seen: (item) => this.seen(kind, item),
      inserted: (item) => this.inserted(kind, item),
      removing: (item) => this.removing(kind, item),
    };
  }

  /** Whether a unit of work is open. */
  get open(): boolean {
    return this.tx !== undefined;
  }

  /**
   * Runs `fn` as one unit of work and commits its events (also when it throws: what it changed before failing did
   * change, like a declined payment's attempt). Inside an open unit, `fn` joins it.
   */
  run<T>(request: EventRequest | null, fn: () => T): T {
    if (this.tx !== undefined) return fn();
    this.tx = { request, entries: new Map(), notices: [], next: 0 };
    let result: T;
    try {
      result = fn();
    } finally {
      this.commit();
    }
    return result;
  }

  /** An event that no field change shows; ignored outside a unit of work (the seed). */
  notice(type: Stripe.Event.Type, kind: string, object: unknown): void {
    const tx = this.tx;
    if (tx === undefined) return;
    tx.notices.push({ type, kind, object, order: tx.next++ });
  }

  /** The object as the API sends it, as JSON text (what is compared, and what the event carries). */
  private render(kind: string, item: unknown): string {
    const previous = this.rendering;
    this.rendering = true;
    try {
      return JSON.stringify(renderObject(kind, item, { store: this.store, baseUrl: this.baseUrl() }));
    } finally {
      this.rendering = previous;
    }
  }

  private seen(kind: string, item: Stored): void {
    const tx = this.tx;
    if (tx === undefined || this.rendering) return;
    const key = `${kind}\u0000${item.id}`;
    if (tx.entries.has(key)) return;
    tx.entries.set(key, { kind, item, before: this.render(kind, item), order: tx.next++ });
  }

  private inserted(kind: string, item: Stored): void {
    const tx = this.tx;
    if (tx === undefined) return;
    const key = `${kind}\u0000${item.id}`;
    const entry = tx.entries.get(key);
    if (entry === undefined) tx.entries.set(key, { kind, item, before: null, order: tx.next++ });
    else {
      // Removed and put back (a replacement): a change of the object that was there.
      entry.item = item;
      entry.removed = undefined;
    }
  }

  private removing(kind: string, item: Stored): void {
    const tx = this.tx;
    if (tx === undefined) return;
    const key = `${kind}\u0000${item.id}`;
    const entry = tx.entries.get(key);
    const rendered = this.render(kind, item);
    if (entry === undefined) tx.entries.set(key, { kind, item, before: rendered, removed: rendered, order: tx.next++ });
    else entry.removed = rendered;
  }

  private commit(): void {
    const tx = this.tx;
    this.tx = undefined;
    if (tx === undefined) return;
    const pending: Pending[] = [];
    for (const entry of tx.entries.values()) {
      if (entry.removed !== undefined) {
        if (entry.before === null) continue; // created and removed again: nothing happened
        const object = JSON.parse(entry.removed) as Json;
        for (const derived of deriveEvents(entry.kind, object, null)) pending.push({ ...derived, order: entry.order, object });
        continue;
      }
      const json = this.render(entry.kind, entry.item);
      if (json === entry.before) continue;
      const after = JSON.parse(json) as Json;
      const before = entry.before === null ? null : (JSON.parse(entry.before) as Json);
      for (const derived of deriveEvents(entry.kind, before, after)) pending.push({ ...derived, order: entry.order, object: after });
    }
    for (const notice of tx.notices) {
      const object = JSON.parse(this.render(notice.kind, notice.object)) as Json;
      pending.push({ phase: Phase.Changed, order: notice.order, type: notice.type, object });
    }
    // Stable: events of one object keep the order `deriveEvents` gave them.
    pending.sort((a, b) => a.phase - b.phase || a.order - b.order);
    for (const event of pending) {
      this.log.append({
        type: event.type,
        object: event.object,
        previousAttributes: event.previousAttributes,
        request: tx.request ?? undefined,
        account: this.account,
      });
    }
    if (++this.commits % PRUNE_EVERY === 0) this.log.prune();
  }
}
