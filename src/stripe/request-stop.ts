/**
 * When a request's Stripe calls stop: its client went away, or its deadline (`REQUEST_TIMEOUT_MS`) passed.
 *
 * `RequestStop.signal` aborts on either. The deadline's timer runs only while the request has calls in progress
 * (`enter`/`leave` around each), so a finished request leaves no timer holding it in memory for the rest of its
 * deadline. (Not `AbortSignal.any` nor `AbortSignal.timeout`: on Node 20 a signal made by `any` stays reachable from
 * its sources for good, and a timeout signal for its whole delay — a request's worth of memory per request.)
 */
export class RequestStop {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private busy = 0;

  constructor(
    private readonly client: AbortSignal | undefined,
    /** Epoch milliseconds; undefined: no deadline. */
    private readonly deadline: number | undefined,
  ) {
    if (client !== undefined) {
      if (client.aborted) this.controller.abort(client.reason);
      else client.addEventListener('abort', () => this.abort(client.reason), { once: true });
    }
  }

  /** Undefined when neither a client signal nor a deadline can stop the calls. */
  get signal(): AbortSignal | undefined {
    return this.client === undefined && this.deadline === undefined ? undefined : this.controller.signal;
  }

  /** Whether the client went away (rather than the deadline passing). */
  get clientGone(): boolean {
    return this.client?.aborted ?? false;
  }

  /** Whether the deadline's timer is running (only while calls are in progress). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** A call starts: the deadline's timer runs while any is in progress. */
  enter(): void {
    if (this.busy++ > 0 || this.deadline === undefined || this.controller.signal.aborted) return;
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) this.abort(new Error('deadline'));
    else {
      this.timer = setTimeout(() => this.abort(new Error('deadline')), remaining);
      this.timer.unref();
    }
  }

  /** A call ended. */
  leave(): void {
    if (--this.busy === 0) this.clear();
  }

  private abort(reason: unknown): void {
    this.clear();
    this.controller.abort(reason);
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Waits for promises, or gives up on all of them at once when `signal` aborts (what they were doing goes on, but
 * nobody waits for it). One listener on the signal however many calls of the request are pending.
 */
export class AbortableWaits {
  private readonly pending = new Set<(reason: unknown) => void>();
  private listening = false;

  constructor(private readonly signal: AbortSignal | undefined) {}

  wait<T>(promise: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal === undefined) return promise;
    if (signal.aborted) {
      // Nobody waits for it, but it must not be an unhandled rejection (which ends the process).
      promise.catch(() => undefined);
      return Promise.reject(signal.reason);
    }
    if (!this.listening) {
      this.listening = true;
      signal.addEventListener(
        'abort',
        () => {
          for (const reject of this.pending) reject(signal.reason);
          this.pending.clear();
        },
        { once: true },
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      promise.then(
        (value) => {
          this.pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(reject);
          reject(error);
        },
      );
    });
  }
}
