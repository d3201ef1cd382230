/**
 * The load run's steady event stream: changes made through the local Stripe's own API (the real `stripe` SDK, as
 * any integration would make them) at a fixed rate beside the query workload, each one an event that the local
 * Stripe delivers to the gateway's `/webhooks/stripe` and the gateway fans out to its GraphQL subscribers.
 *
 * Each change writes a load marker, `description: "load <seq>"` (`seq` counts up across the whole run), into one of
 * the subscribed customers' objects: the customer itself (`customer.updated`), one of its invoices
 * (`invoice.updated`) or one of its current subscriptions (`customer.subscription.updated`). The subscribers select
 * `description`, so every payload says which change it shows (`event-ledger.ts`). One change per object at a time,
 * so that an object's markers are committed in the order they count up.
 */
import { performance } from 'node:perf_hooks';
import Stripe from 'stripe';
import { seededRandom } from '../src/local-stripe/ids.js';
import type { DemoCustomer } from './fixture.js';
import { marker, type LiveKind } from './event-ledger.js';

/** An object the stream changes. */
export interface LiveTarget {
  kind: LiveKind;
  id: string;
  customerId: string;
}

/** Invoices per subscribed customer that the stream changes (their newest). */
const INVOICES_PER_CUSTOMER = 3;
/** Attempts at each priming change before the run gives up. */
const PRIME_TRIES = 10;
/** How often the stream looks whether a change is due (the rate is kept from elapsed time, not by this). */
const TICK_MS = 10;

/** An SDK client for the local Stripe: no retries of its own beyond the SDK's default two, no telemetry. */
export function localStripeClient(stripeUrl: string, secretKey: string): Stripe {
  const url = new URL(stripeUrl);
  return new Stripe(secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 2,
    telemetry: false,
  });
}

/**
 * The customers whose objects the stream changes: the first `count` demo customers with a current subscription and
 * an invoice, and their objects — the customer, its newest invoices, its current subscriptions.
 */
export async function liveTargets(stripe: Stripe, customers: readonly DemoCustomer[], count: number): Promise<{ customers: DemoCustomer[]; targets: LiveTarget[] }> {
  const chosen: DemoCustomer[] = [];
  const targets: LiveTarget[] = [];
  for (const customer of customers) {
    if (chosen.length >= count) break;
    if (customer.invoices.length === 0) continue;
    // Stripe's default list: every subscription but the canceled ones (whose description can no longer change).
    const subscriptions = await stripe.subscriptions.list({ customer: customer.id, limit: 10 });
    const current = subscriptions.data.filter((s) => s.status !== 'incomplete_expired');
    if (current.length === 0) continue;
    chosen.push(customer);
    targets.push({ kind: 'customer', id: customer.id, customerId: customer.id });
    for (const invoice of customer.invoices.slice(0, INVOICES_PER_CUSTOMER)) targets.push({ kind: 'invoice', id: invoice.id, customerId: customer.id });
    for (const subscription of current) targets.push({ kind: 'subscription', id: subscription.id, customerId: customer.id });
  }
  if (chosen.length < count) throw new Error(`only ${chosen.length} demo customers have a current subscription and an invoice (asked for ${count})`);
  return { customers: chosen, targets };
}

export interface EventStreamFigures {
  perSecond: number;
  /** Changes sent, made (answered 200) and failed (an error from the local Stripe, e.g. an injected fault). */
  sent: number;
  made: number;
  failed: number;
  /** Changes that were due while every object had one in flight (none is sent twice at once). */
  skipped: number;
}

export class EventStream {
  private seq: number;
  private readonly random: () => number;
  private readonly inFlight = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private due = 0;
  readonly figuresSoFar: EventStreamFigures;

  constructor(
    private readonly stripe: Stripe,
    private readonly targets: readonly LiveTarget[],
    options: { perSecond: number; seed: number; firstSeq?: number },
  ) {
    this.seq = options.firstSeq ?? 0;
    this.random = seededRandom(options.seed);
    this.figuresSoFar = { perSecond: options.perSecond, sent: 0, made: 0, failed: 0, skipped: 0 };
  }

  /** The next marker number (markers of a later stream should start here). */
  get nextSeq(): number {
    return this.seq + 1;
  }

  /** Writes the next marker into `target`; resolves whether the local Stripe made the change. */
  async change(target: LiveTarget): Promise<boolean> {
    const description = marker(++this.seq);
    this.inFlight.add(target.id);
    this.figuresSoFar.sent++;
    try {
      if (target.kind === 'customer') await this.stripe.customers.update(target.id, { description });
      else if (target.kind === 'invoice') await this.stripe.invoices.update(target.id, { description });
      else await this.stripe.subscriptions.update(target.id, { description });
      this.figuresSoFar.made++;
      return true;
    } catch {
      this.figuresSoFar.failed++;
      return false;
    } finally {
      this.inFlight.delete(target.id);
    }
  }

  /** One change of each kind for each customer: every subscriber (its own and the admin's) has something to hear. */
  async prime(customers: readonly DemoCustomer[]): Promise<void> {
    const firsts: LiveTarget[] = [];
    for (const customer of customers) {
      for (const kind of ['customer', 'invoice', 'subscription'] as const) {
        const target = this.targets.find((t) => t.customerId === customer.id && t.kind === kind);
        if (target !== undefined) firsts.push(target);
      }
    }
    const made = await Promise.all(firsts.map((target) => this.change(target)));
    const failed = firsts.filter((_, i) => !made[i]);
    // A failed priming change (an injected fault) is tried again, a few times.
    for (const target of failed) {
      let tries = 1;
      while (!(await this.change(target))) {
        if (++tries > PRIME_TRIES) throw new Error(`the local Stripe refused ${PRIME_TRIES} changes of ${target.id} in a row`);
      }
    }
  }

  /** Starts changing objects at `perSecond`, chosen at random among those with no change in flight. */
  start(): void {
    this.started = performance.now();
    this.due = 0;
    const { perSecond } = this.figuresSoFar;
    this.timer = setInterval(() => {
      const shouldHaveSent = Math.floor(((performance.now() - this.started) / 1000) * perSecond);
      while (this.due < shouldHaveSent) {
        this.due++;
        const free = this.targets.filter((t) => !this.inFlight.has(t.id));
        if (free.length === 0) {
          this.figuresSoFar.skipped++;
          continue;
        }
        const target = free[Math.floor(this.random() * free.length)]!;
        const change = this.change(target).then(() => undefined);
        this.pending.add(change);
        void change.finally(() => this.pending.delete(change));
      }
    }, TICK_MS);
  }

  /** Stops making changes; resolves once those in flight are answered. */
  async stop(): Promise<EventStreamFigures> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.pending]);
    return { ...this.figuresSoFar };
  }
}
