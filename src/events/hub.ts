/**
 * The event hub: accepted Stripe changes in, GraphQL subscription streams out. `publish` is called by the webhook
 * route after a delivery is acknowledged; every open stream whose filter matches gets the change's objects.
 *
 * - **Streams** (`open`): each has its own bounded, coalescing queue (`change-queue.ts`), so a slow consumer costs
 *   at most `maxPending` entries, never one per event; past that its stream ends with `QueueOverflow`.
 * - **Retention**: the last `retainCount` changes, none older than `retainMs`, are kept (ids and object references,
 *   never payloads) so that a stream opened `after` an event id first gets every retained change since that event
 *   that matches its filter — what a client reconnecting with `Last-Event-ID` missed. An id no longer retained (or
 *   never seen: another process, a restart) is refused with `ReplayUnavailable`: the client must read the current
 *   state again, then subscribe afresh.
 * - **Caps**: streams per caller and in all (`StreamLimitReached`).
 * - **Duplicates**: an event id already retained is not published again (defence in depth: the webhook route
 *   de-duplicates first).
 * - `close()` ends every stream (the app's stop) and refuses new ones.
 *
 * Listeners (`subscribe`) hear every matching change synchronously, for in-process observers (tests, the load run).
 */
import { ChangeQueue, type Delivery } from './change-queue.js';
import type { ObjectChange, StripeChange } from './changes.js';

export type { Delivery } from './change-queue.js';
export { QueueOverflow } from './change-queue.js';

/** Which changes a subscriber hears. */
export interface ChangeFilter {
  kinds: ReadonlySet<ObjectChange['kind']>;
  /** Only objects of this customer; undefined: every customer's (admins). */
  customerId: string | undefined;
}

export type ChangeListener = (change: StripeChange, object: ObjectChange) => void;

export interface HubOptions {
  /** Changes kept for replay, at most (default 1,000). */
  retainCount?: number;
  /** How long a change is kept for replay, in ms (default 5 minutes). */
  retainMs?: number;
  /** Objects one stream may have waiting before it is ended (default 1,000). */
  maxPending?: number;
  /** Streams one caller may have open (default 5). */
  maxStreamsPerCaller?: number;
  /** Streams open in all (default 1,000). */
  maxStreams?: number;
  /** The clock (ms). */
  now?: () => number;
}

export const DEFAULT_HUB_OPTIONS: Required<Omit<HubOptions, 'now'>> = {
  retainCount: 1_000,
  retainMs: 300_000,
  maxPending: 1_000,
  maxStreamsPerCaller: 5,
  maxStreams: 1_000,
};

/** A stream could not open: its caller (`caller`) or the process (`process`) has as many as allowed. */
export class StreamLimitReached extends Error {
  constructor(
    readonly scope: 'caller' | 'process',
    readonly max: number,
  ) {
    super(scope === 'caller' ? `this caller already has ${max} streams open` : `the gateway already has ${max} streams open`);
    this.name = 'StreamLimitReached';
  }
}

/** A stream asked to resume after an event the hub no longer retains (or never saw). */
export class ReplayUnavailable extends Error {
  constructor(readonly after: string) {
    super('the event to resume after is no longer retained');
    this.name = 'ReplayUnavailable';
  }
}

/** The hub is closed (the app is stopping). */
export class HubClosed extends Error {
  constructor() {
    super('the gateway is stopping');
    this.name = 'HubClosed';
  }
}

interface Retained {
  seq: number;
  at: number;
  change: StripeChange;
}

export interface StreamOptions {
  filter: ChangeFilter;
  /** Who opens it (`callerId`), for the per-caller cap. */
  caller: string;
  /** Resume after this event id (`Last-Event-ID`): retained changes since then come first. */
  after?: string | undefined;
}

/** One subscriber's stream of deliveries, in the hub's order; `return()` closes it. */
export class ChangeStream implements AsyncIterableIterator<Delivery> {
  constructor(
    private readonly queue: ChangeQueue,
    private readonly release: () => void,
    /** The latest event the hub had retained when the stream opened (after any replay): where a reconnect resumes. */
    readonly resumeFrom: string | undefined,
  ) {}

  /** Objects waiting for this stream. */
  get pending(): number {
    return this.queue.size;
  }

  /** Why the stream ended, if it ended with an error (`QueueOverflow`, `HubClosed`, or what `end` was given). */
  get error(): Error | undefined {
    return this.queue.error;
  }

  async next(): Promise<IteratorResult<Delivery>> {
    const delivery = await this.queue.take();
    if (delivery === undefined) {
      this.release();
      return { done: true, value: undefined };
    }
    return { done: false, value: delivery };
  }

  /** Ends the stream; `error` tells its consumer why (a token's expiry, …). */
  end(error?: Error): void {
    this.queue.end(error);
    this.release();
  }

  async return(): Promise<IteratorResult<Delivery>> {
    this.end();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

const matches = (filter: ChangeFilter, object: ObjectChange) =>
  filter.kinds.has(object.kind) && (filter.customerId === undefined || object.customerId === filter.customerId);

export class EventHub {
  private readonly listeners = new Set<{ filter: ChangeFilter; listener: ChangeListener }>();
  private readonly streams = new Set<{ filter: ChangeFilter; queue: ChangeQueue; release: () => void }>();
  private readonly perCaller = new Map<string, number>();
  /** Oldest first. */
  private readonly retained: Retained[] = [];
  private readonly retainedIds = new Map<string, number>();
  private readonly options: Required<Omit<HubOptions, 'now'>>;
  private readonly now: () => number;
  private seq = 0;
  private closed = false;

  constructor(options: HubOptions = {}) {
    const { now, ...rest } = options;
    this.options = { ...DEFAULT_HUB_OPTIONS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    this.now = now ?? Date.now;
  }

  /** Fans a change out: each matching (subscriber, object) pair once. A retained event id is not published twice. */
  publish(change: StripeChange): void {
    if (this.closed || this.retainedIds.has(change.eventId)) return;
    const entry: Retained = { seq: ++this.seq, at: this.now(), change };
    this.retained.push(entry);
    this.retainedIds.set(change.eventId, entry.seq);
    this.prune();
    for (const object of change.changes) {
      for (const stream of this.streams) {
        if (!matches(stream.filter, object)) continue;
        stream.queue.push(deliveryOf(entry, object));
        // Overflowed: it no longer counts against the caps, and hears nothing more.
        if (stream.queue.isEnded) stream.release();
      }
      for (const { filter, listener } of this.listeners) if (matches(filter, object)) listener(change, object);
    }
  }

  /** Adds a listener; returns its removal. */
  subscribe(filter: ChangeFilter, listener: ChangeListener): () => void {
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /**
   * Opens a stream: refused over the caps (`StreamLimitReached`), after `close` (`HubClosed`), or when `after` is
   * not retained (`ReplayUnavailable`).
   */
  open(options: StreamOptions): ChangeStream {
    if (this.closed) throw new HubClosed();
    const { maxStreams, maxStreamsPerCaller, maxPending } = this.options;
    if (this.streams.size >= maxStreams) throw new StreamLimitReached('process', maxStreams);
    const callerStreams = this.perCaller.get(options.caller) ?? 0;
    if (callerStreams >= maxStreamsPerCaller) throw new StreamLimitReached('caller', maxStreamsPerCaller);
    this.prune();
    const queue = new ChangeQueue(maxPending);
    if (options.after !== undefined) {
      const after = this.retainedIds.get(options.after);
      if (after === undefined) throw new ReplayUnavailable(options.after);
      for (const entry of this.retained) {
        if (entry.seq <= after) continue;
        for (const object of entry.change.changes) if (matches(options.filter, object)) queue.push(deliveryOf(entry, object));
      }
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.streams.delete(stream);
      const left = (this.perCaller.get(options.caller) ?? 1) - 1;
      if (left > 0) this.perCaller.set(options.caller, left);
      else this.perCaller.delete(options.caller);
    };
    const stream = { filter: options.filter, queue, release };
    this.streams.add(stream);
    this.perCaller.set(options.caller, callerStreams + 1);
    return new ChangeStream(queue, release, this.retained.at(-1)?.change.eventId);
  }

  /** Ends every stream (with `HubClosed`) and refuses new ones and new changes: the app is stopping. */
  close(): void {
    this.closed = true;
    for (const stream of [...this.streams]) stream.queue.end(new HubClosed());
    this.streams.clear();
    this.perCaller.clear();
  }

  /** Listeners. */
  get size(): number {
    return this.listeners.size;
  }

  /** What the hub holds: open streams, objects waiting in them (the largest queue too), changes retained. */
  stats(): { streams: number; pending: number; maxPending: number; retained: number } {
    let pending = 0;
    let maxPending = 0;
    for (const { queue } of this.streams) {
      pending += queue.size;
      maxPending = Math.max(maxPending, queue.size);
    }
    return { streams: this.streams.size, pending, maxPending, retained: this.retained.length };
  }

  /** Drops changes past the count or older than the retention time. */
  private prune(): void {
    const oldest = this.now() - this.options.retainMs;
    while (this.retained.length > 0 && (this.retained.length > this.options.retainCount || this.retained[0]!.at < oldest)) {
      const dropped = this.retained.shift()!;
      this.retainedIds.delete(dropped.change.eventId);
    }
  }
}

const deliveryOf = (entry: Retained, object: ObjectChange): Delivery => ({
  eventId: entry.change.eventId,
  type: entry.change.type,
  seq: entry.seq,
  object,
});
