/**
 * The Stripe account's request budget (`STRIPE_READS_PER_SECOND`, `STRIPE_WRITES_PER_SECOND`,
 * `STRIPE_SEARCHES_PER_SECOND`): one token bucket per kind of request and per Stripe key, so that the gateway
 * itself never sends Stripe more than the account may take, instead of finding out from Stripe's 429s.
 *
 * Every HTTP request to Stripe (the SDK's own retries included: `./budget-http.ts` sits below the SDK) takes a token
 * first: a GET takes a read, a POST or DELETE a write, a search a search token and a read. When none is left it
 * waits for one — a reservation, first come first served, so nobody is starved — but only as long as its request's
 * deadline allows: a wait that would outlast the deadline is refused at once (`BudgetRefusal`), never started.
 *
 * The buckets are GCRA ("generic cell rate algorithm", the token bucket as a single timestamp per bucket): a bucket
 * of rate r and burst b lets b requests go at once after a quiet spell and r a second after that. The burst is half
 * a second's worth (`BUDGET_BURST_SECONDS`), so that bursts the network bunches up on the way still fit inside
 * Stripe's own one-second bucket. The buckets live in memory (`MemoryBudgetStore`, one process) or in Redis
 * (`./budget-redis.ts`, every replica sharing one bucket on Redis's clock).
 */
import { createHash } from 'node:crypto';
import type { StripeBudgetSettings } from '../config-replicas.js';

export type BudgetKind = 'read' | 'write' | 'search';

/** A burst of half a second's worth of requests after a quiet spell (at least one). */
export const BUDGET_BURST_SECONDS = 0.5;
/** What a call needs left of its deadline, once its token comes, to be worth starting. */
export const BUDGET_CALL_MARGIN_MS = 100;
/** A wait that ends this much after its token's moment books again (at most twice). */
export const BUDGET_OVERSLEPT_MS = 200;
/** The longest wait for a token when the request has no deadline. */
export const BUDGET_MAX_WAIT_MS = 30_000;

/** One bucket: its name within the account, its rate and its burst. */
export interface BucketSpec {
  name: BudgetKind;
  /** Requests per second. */
  rate: number;
  /** Requests that may go at once after a quiet spell. */
  burst: number;
}

/** A store's answer: the token is reserved `waitMs` from now, or (not granted) the earliest one is that far. */
export interface Reservation {
  granted: boolean;
  waitMs: number;
}

/** Where the buckets live. `reserve` takes a token from every bucket named, or from none. */
export interface BudgetStore {
  reserve(account: string, buckets: readonly BucketSpec[], maxWaitMs: number): Promise<Reservation>;
  close?(): void;
}

/** Why a request to Stripe was not made: the budget's next token comes after the request's deadline. */
export interface BudgetRefusal {
  kind: BudgetKind;
  /** When a token would be available. */
  retryAfterMs: number;
}

/** GCRA on one timestamp per bucket ("theoretical arrival time"), in any unit of time. */
export function gcraWait(tat: number, now: number, tolerance: number): number {
  return Math.max(0, tat - tolerance - now);
}

/** Interval (time per request) and tolerance (how far ahead of now a bucket may be booked) in milliseconds. */
export function gcraParams(bucket: BucketSpec): { interval: number; tolerance: number } {
  const interval = 1000 / bucket.rate;
  return { interval, tolerance: interval * (bucket.burst - 1) };
}

/** The buckets in this process's memory (one replica, or the fallback while Redis is down). */
export class MemoryBudgetStore implements BudgetStore {
  private readonly tats = new Map<string, number>();

  reserve(account: string, buckets: readonly BucketSpec[], maxWaitMs: number): Promise<Reservation> {
    return Promise.resolve(this.reserveNow(account, buckets, maxWaitMs));
  }

  reserveNow(account: string, buckets: readonly BucketSpec[], maxWaitMs: number, now = Date.now()): Reservation {
    let wait = 0;
    for (const bucket of buckets) {
      const tat = this.tats.get(`${account}:${bucket.name}`) ?? 0;
      wait = Math.max(wait, gcraWait(tat, now, gcraParams(bucket).tolerance));
    }
    if (wait > maxWaitMs) return { granted: false, waitMs: wait };
    const at = now + wait;
    for (const bucket of buckets) {
      const key = `${account}:${bucket.name}`;
      this.tats.set(key, Math.max(this.tats.get(key) ?? 0, at) + gcraParams(bucket).interval);
    }
    this.sweep(now);
    return { granted: true, waitMs: wait };
  }

  /** Buckets whose time is past are the same as no bucket (a handful of keys per account; kept small anyway). */
  private sweep(now: number): void {
    if (this.tats.size < 64) return;
    for (const [key, tat] of this.tats) if (tat < now) this.tats.delete(key);
  }
}

/** The name an account's buckets go by: a hash of its Stripe key, never the key. */
export function budgetAccount(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex').slice(0, 16);
}

/** What an HTTP request to Stripe costs: `GET …/search` a search, any other GET a read, POST and DELETE a write. */
export function budgetKind(method: string, path: string): BudgetKind {
  if (method.toUpperCase() !== 'GET') return 'write';
  return /\/search(?:\?|$)/.test(path) ? 'search' : 'read';
}

/** The buckets one kind of request draws from, at `share` of the budget (1: all of it; ½: half, as one of two). */
export function bucketsFor(kind: BudgetKind, rates: StripeBudgetSettings, share = 1): BucketSpec[] {
  const spec = (name: BudgetKind, perSecond: number): BucketSpec => {
    const rate = Math.max(perSecond * share, 0.001);
    return { name, rate, burst: Math.max(1, Math.floor(rate * BUDGET_BURST_SECONDS)) };
  };
  const read = spec('read', rates.readsPerSecond);
  if (kind === 'read') return [read];
  if (kind === 'write') return [spec('write', rates.writesPerSecond)];
  return [spec('search', rates.searchesPerSecond), read];
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What one request to Stripe waits within: its deadline (epoch ms) and its signal. */
export interface BudgetWait {
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Counts of what the budget did, for tests, logs and metrics. */
export interface BudgetStats {
  granted: number;
  /** Of those, the ones that waited for their token. */
  waited: number;
  refused: number;
}

/** The account's budget: takes a token for each request to Stripe, or says why not. */
export class StripeBudget {
  readonly stats: BudgetStats = { granted: 0, waited: 0, refused: 0 };

  constructor(
    readonly rates: StripeBudgetSettings,
    private readonly account: string,
    private store: BudgetStore = new MemoryBudgetStore(),
  ) {}

  /** Moves the buckets to `store` (start-up: to Redis once its link exists, before any call is made). */
  useStore(store: BudgetStore): void {
    this.store.close?.();
    this.store = store;
  }

  /**
   * Waits for a token of `kind` (undefined), or refuses (a `BudgetRefusal`) when it would come past the deadline. A
   * token is good for its moment: a wait that overslept it (the process stalled) books again, so that requests held
   * up together do not reach Stripe together.
   */
  async acquire(kind: BudgetKind, wait: BudgetWait = {}): Promise<BudgetRefusal | undefined> {
    for (let booking = 0; ; booking++) {
      const remaining = wait.deadline !== undefined ? wait.deadline - Date.now() - BUDGET_CALL_MARGIN_MS : BUDGET_MAX_WAIT_MS;
      const reservation = await this.store.reserve(this.account, bucketsFor(kind, this.rates), Math.max(0, remaining));
      if (!reservation.granted) {
        this.stats.refused++;
        return { kind, retryAfterMs: reservation.waitMs };
      }
      if (reservation.waitMs <= 0) break;
      const due = Date.now() + reservation.waitMs;
      await abortableSleep(reservation.waitMs, wait.signal);
      if (Date.now() - due < BUDGET_OVERSLEPT_MS || booking >= 2) {
        this.stats.waited++;
        break;
      }
    }
    this.stats.granted++;
    return undefined;
  }

  close(): void {
    this.store.close?.();
  }
}
