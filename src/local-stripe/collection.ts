/**
 * A collection of one kind of Stripe object, kept in Stripe's list order, and cursor pagination over it.
 *
 * Stripe lists newest first. Objects created in the same second keep their creation order (newer first), so
 * every object gets a sequence number at insertion; `(created, seq)` is the total order cursors refer to.
 * A cursor names an object by id; it must exist, but need not match the list's filters (Stripe uses its
 * position in the order), exactly like `starting_after` on real Stripe.
 */
import { invalidParam, resourceMissing } from './errors.js';

export interface Stored {
  id: string;
  created: number;
}

/**
 * Told when a collection's objects are looked up, inserted or removed: how the change journal
 * (`events/journal.ts`) learns, while a request is being handled, which objects it may change.
 */
export interface CollectionWatcher<T> {
  /** The object was found by id (or `touch`ed): it may change from here on. */
  seen(item: T): void;
  inserted(item: T): void;
  /** The object is about to leave the collection. */
  removing(item: T): void;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export interface CursorParams {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

export class Collection<T extends Stored> {
  private readonly byId = new Map<string, T>();
  private readonly seqOf = new Map<string, number>();
  /** Ascending by (created, seq); iterate backwards for newest first. */
  private readonly ordered: T[] = [];
  private nextSeq = 0;

  /** Set by the change journal for the kinds of object that have events (`Journal.watch`). */
  watcher: CollectionWatcher<T> | undefined;

  /** The noun Stripe uses in "No such …" messages. */
  constructor(readonly noun: string) {}

  get size(): number {
    return this.ordered.length;
  }

  get(id: string): T | undefined {
    const found = this.byId.get(id);
    if (found !== undefined) this.watcher?.seen(found);
    return found;
  }

  /** Returns the object or throws Stripe's `resource_missing` for `param`. */
  require(id: string, param = 'id'): T {
    const found = this.get(id);
    if (found === undefined) throw resourceMissing(this.noun, id, param);
    return found;
  }

  /**
   * Says that `item`, found by iterating (`newestFirst`), is about to be changed: iteration itself tells the
   * journal nothing (a load run's thousands of objects are never copied), so code that changes what it iterated
   * touches it first.
   */
  touch(item: T): T {
    this.watcher?.seen(item);
    return item;
  }

  insert(item: T): T {
    if (this.byId.has(item.id)) throw new Error(`duplicate id ${item.id}`);
    this.watcher?.inserted(item);
    const seq = this.nextSeq++;
    this.byId.set(item.id, item);
    this.seqOf.set(item.id, seq);
    // New objects are almost always the newest: scan from the end.
    let i = this.ordered.length;
    while (i > 0 && this.compare(this.ordered[i - 1] as T, item) > 0) i--;
    this.ordered.splice(i, 0, item);
    return item;
  }

  remove(id: string): void {
    const item = this.byId.get(id);
    if (item === undefined) return;
    this.watcher?.removing(item);
    this.byId.delete(id);
    this.ordered.splice(this.ordered.indexOf(item), 1);
  }

  /** Newest first. */
  *newestFirst(): IterableIterator<T> {
    for (let i = this.ordered.length - 1; i >= 0; i--) yield this.ordered[i] as T;
  }

  /** Insertion order (used for invoice lines, which Stripe lists in the order they were added). */
  *inInsertionOrder(): IterableIterator<T> {
    const items = [...this.ordered].sort((a, b) => (this.seqOf.get(a.id) ?? 0) - (this.seqOf.get(b.id) ?? 0));
    yield* items;
  }

  private compare(a: T, b: T): number {
    if (a.created !== b.created) return a.created - b.created;
    return (this.seqOf.get(a.id) ?? 0) - (this.seqOf.get(b.id) ?? 0);
  }

  /** One page of `filter`ed objects, newest first, with Stripe's `starting_after` / `ending_before` semantics. */
  page(params: CursorParams, filter: (item: T) => boolean = () => true): Page<T> {
    const limit = params.limit ?? 10;
    checkSingleCursor(params);
    if (params.starting_after !== undefined) {
      const cursor = this.require(params.starting_after, 'starting_after');
      const data: T[] = [];
      for (let i = this.ordered.length - 1; i >= 0; i--) {
        const item = this.ordered[i] as T;
        if (this.compare(item, cursor) >= 0 || !filter(item)) continue;
        if (data.length === limit) return { data, hasMore: true };
        data.push(item);
      }
      return { data, hasMore: false };
    }
    if (params.ending_before !== undefined) {
      const cursor = this.require(params.ending_before, 'ending_before');
      // The page just before the cursor: the `limit` newer objects closest to it, still newest first.
      const newer: T[] = [];
      for (let i = 0; i < this.ordered.length; i++) {
        const item = this.ordered[i] as T;
        if (this.compare(item, cursor) <= 0 || !filter(item)) continue;
        newer.push(item);
        if (newer.length > limit) break;
      }
      const hasMore = newer.length > limit;
      return { data: newer.slice(0, limit).reverse(), hasMore };
    }
    const data: T[] = [];
    for (let i = this.ordered.length - 1; i >= 0; i--) {
      const item = this.ordered[i] as T;
      if (!filter(item)) continue;
      if (data.length === limit) return { data, hasMore: true };
      data.push(item);
    }
    return { data, hasMore: false };
  }
}

export function checkSingleCursor(params: CursorParams): void {
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw invalidParam(
      'ending_before',
      'You may only specify one of these parameters: ending_before, starting_after.',
    );
  }
}

/**
 * Pages an array that is already in list order (oldest first, e.g. invoice lines). `starting_after` moves
 * forward, `ending_before` backward; a cursor must be one of the items.
 */
export function pageArray<T extends { id: string }>(
  items: readonly T[],
  params: CursorParams,
  noun: string,
): Page<T> {
  const limit = params.limit ?? 10;
  checkSingleCursor(params);
  const indexOf = (id: string, param: string): number => {
    const i = items.findIndex((item) => item.id === id);
    if (i === -1) throw resourceMissing(noun, id, param);
    return i;
  };
  if (params.starting_after !== undefined) {
    const start = indexOf(params.starting_after, 'starting_after') + 1;
    return { data: items.slice(start, start + limit), hasMore: items.length > start + limit };
  }
  if (params.ending_before !== undefined) {
    const end = indexOf(params.ending_before, 'ending_before');
    const start = Math.max(0, end - limit);
    return { data: items.slice(start, end), hasMore: start > 0 };
  }
  return { data: items.slice(0, limit), hasMore: items.length > limit };
}
