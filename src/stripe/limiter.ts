/**
 * The process-wide cap on Stripe calls in flight (`STRIPE_MAX_IN_FLIGHT`), shared fairly between callers.
 *
 * At most `max` calls run at once. The rest wait in one queue per caller (an admin key, a customer, an anonymous
 * address), and a freed slot goes to the callers in turn — round robin, one call each — so one caller's large request
 * (a page of 100 customers with their invoices: 101 calls) never holds another caller's one-call request behind its
 * whole backlog; within one caller, calls go first come first served. A finished call hands its slot straight to the
 * next in line, so nobody can slip past the queue.
 *
 * Each request waits with a `LimiterTicket`: its caller and its signal (aborted when the client goes away or the
 * request's deadline passes). A ticket listens to its signal once, however many of its calls wait, and an abort drops
 * every call of that request still waiting, without ever making it.
 */

/** One request's place in the queues: whose calls they are, and when to give up on them. */
export interface LimiterTicket {
  readonly caller: string;
  readonly signal: AbortSignal | undefined;
}

interface Waiter {
  ticket: TicketState;
  resolve(): void;
  reject(reason: unknown): void;
}

/** A ticket as the limiter keeps it: its calls still waiting, and whether it listens to its signal yet. */
interface TicketState extends LimiterTicket {
  waiting: Set<Waiter>;
  listening: boolean;
}

const ANONYMOUS_CALLER = '';

export class Limiter {
  private active = 0;
  private waitingCount = 0;
  /** Callers with calls waiting, in turn order: the next slot goes to the first; a caller served moves to the end. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(readonly max: number) {}

  /** Calls waiting for a slot, all callers together. */
  get queued(): number {
    return this.waitingCount;
  }

  /** Calls running now. */
  get running(): number {
    return this.active;
  }

  /** A ticket for one request's calls (`caller`: a stable name of who is calling; calls with none share one queue). */
  ticket(caller: string = ANONYMOUS_CALLER, signal?: AbortSignal): LimiterTicket {
    const state: TicketState = { caller, signal, waiting: new Set(), listening: false };
    return state;
  }

  async run<T>(task: () => Promise<T>, ticket: LimiterTicket = this.ticket()): Promise<T> {
    ticket.signal?.throwIfAborted();
    if (this.active >= this.max) await this.turn(ticket as TicketState);
    else this.active++;
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Hands the slot to the next caller in turn (the slot stays taken), or frees it. */
  private release(): void {
    for (const [caller, queue] of this.queues) {
      const next = queue.shift();
      this.queues.delete(caller);
      // Still waiting: to the back of the line, behind every other caller.
      if (queue.length > 0) this.queues.set(caller, queue);
      if (next === undefined) continue;
      this.waitingCount--;
      next.ticket.waiting.delete(next);
      next.resolve();
      return;
    }
    this.active--;
  }

  private turn(ticket: TicketState): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { ticket, resolve, reject };
      let queue = this.queues.get(ticket.caller);
      if (queue === undefined) {
        queue = [];
        this.queues.set(ticket.caller, queue);
      }
      queue.push(waiter);
      this.waitingCount++;
      ticket.waiting.add(waiter);
      if (ticket.signal !== undefined && !ticket.listening) {
        ticket.listening = true;
        ticket.signal.addEventListener('abort', () => this.drop(ticket), { once: true });
      }
    });
  }

  /** The request gave up: its waiting calls leave the queue, unmade. */
  private drop(ticket: TicketState): void {
    const queue = this.queues.get(ticket.caller);
    for (const waiter of ticket.waiting) {
      if (queue !== undefined) {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
      }
      this.waitingCount--;
      waiter.reject(ticket.signal?.reason);
    }
    ticket.waiting.clear();
    if (queue !== undefined && queue.length === 0) this.queues.delete(ticket.caller);
  }
}
