/**
 * Event de-duplication: Stripe delivers an event at least once (a retry after a timeout, the same event to two
 * endpoints, a replay), so the webhook route claims each event id before acting on it, and acts only on the first
 * claim. A claim that could not be acted on (a "changed" hook failed, so the delivery is answered 500 and Stripe
 * retries) is released, so that the retry is not taken for a duplicate.
 *
 * The interface is asynchronous so that a shared store (Redis, the next issues') can sit behind it; the in-memory
 * one here serves one process. It remembers ids for as long as Stripe retries (3 days) and at most `maxEvents` of
 * them, forgetting the oldest first: memory stays bounded whatever arrives.
 */

export interface EventDedup {
  /** True for the first claim of `eventId` within the window; false while it is remembered. */
  claim(eventId: string): Promise<boolean>;
  /** Forgets a claim (its work failed; the retry must be acted on). */
  release(eventId: string): Promise<void>;
}

/** Stripe retries a failed delivery for up to three days. */
export const STRIPE_RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** Ids remembered at most (about 100 bytes each: some 10 MB at the cap). */
export const DEFAULT_DEDUP_MAX_EVENTS = 100_000;

export interface MemoryEventDedupOptions {
  /** How long an id is remembered. Default three days (`STRIPE_RETRY_WINDOW_MS`). */
  windowMs?: number;
  /** How many ids are remembered at most. Default 100,000. */
  maxEvents?: number;
  /** Milliseconds now (tests pass a clock of their own). */
  now?: () => number;
}

export class MemoryEventDedup implements EventDedup {
  /** Id → when it was claimed; a Map iterates in insertion order, so the oldest claim comes first. */
  private readonly claimed = new Map<string, number>();
  private readonly windowMs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;

  constructor(options: MemoryEventDedupOptions = {}) {
    this.windowMs = options.windowMs ?? STRIPE_RETRY_WINDOW_MS;
    this.maxEvents = options.maxEvents ?? DEFAULT_DEDUP_MAX_EVENTS;
    this.now = options.now ?? Date.now;
  }

  claim(eventId: string): Promise<boolean> {
    const now = this.now();
    this.forgetExpired(now);
    if (this.claimed.has(eventId)) return Promise.resolve(false);
    this.claimed.set(eventId, now);
    while (this.claimed.size > this.maxEvents) this.claimed.delete(this.claimed.keys().next().value!);
    return Promise.resolve(true);
  }

  release(eventId: string): Promise<void> {
    this.claimed.delete(eventId);
    return Promise.resolve();
  }

  /** Ids remembered now. */
  get size(): number {
    return this.claimed.size;
  }

  private forgetExpired(now: number): void {
    for (const [id, at] of this.claimed) {
      if (now - at < this.windowMs) break;
      this.claimed.delete(id);
    }
  }
}
