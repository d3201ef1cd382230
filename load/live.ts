/**
 * The event stream's part of one run: subscribers open (`subscribers.ts`: for each of the chosen customers a stream
 * of each field, with that customer's token, and an admin's unfiltered stream of each field), the stream primed
 * until every subscriber has heard something (so that the window starts with every stream open — no waiting on a
 * clock), then changes at a steady rate for as long as the workload runs (`event-stream.ts`); after it, the books
 * (`event-ledger.ts`) fed with the events the gateway's process saw created, until every expected event was heard
 * or the settle time is over, and their figures and broken bounds.
 */
import { performance } from 'node:perf_hooks';
import type Stripe from 'stripe';
import type { DemoCustomer } from './fixture.js';
import { EventLedger, type LedgerFigures, type LiveKind, type StreamSpec } from './event-ledger.js';
import { EventStream, liveTargets, type EventStreamFigures, type LiveTarget } from './event-stream.js';
import type { GatewayProcess } from './gateway-process.js';
import { openSubscribers, type Subscribers } from './subscribers.js';

/** How long the books wait, after the stream stops, for what is still on its way. */
const SETTLE_MS = 15_000;
/** How long priming may take before the run gives up: a subscriber that never hears anything is broken. */
const PRIME_MS = 30_000;
const POLL_MS = 200;

export interface LiveOptions {
  eventsPerSecond: number;
  /** Customers with a stream of each field (the admin's three streams come on top). */
  subscriberCustomers: number;
}

export interface LiveFigures extends LedgerFigures {
  stream: EventStreamFigures;
  subscribers: number;
  /** The customers whose objects changed, and how many objects. */
  customers: number;
  objects: number;
  /** How long after the stream stopped the last expected event was heard (or the settle time, when some never were). */
  settleMs: number;
  /** Streams that ended or failed during the run (each reconnects, resuming with `Last-Event-ID`). */
  reconnects: number;
  /** Subscribers the gateway refused for good, and why. */
  refused: string[];
}

const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KINDS: readonly LiveKind[] = ['customer', 'invoice', 'subscription'];

/** One stream of each field per customer, then the admin's. */
export function streamSpecs(customers: readonly DemoCustomer[]): StreamSpec[] {
  const owners = [...customers.map((c) => c.id), undefined];
  return owners.flatMap((customerId, i) => KINDS.map((kind, k) => ({ index: i * KINDS.length + k, kind, customerId })));
}

/** A run's event stream, from its subscribers opening to its books closing. */
export class LiveRun {
  private windowStartMs = 0;
  private stream: EventStream | undefined;
  private eventsRead = 0;

  private constructor(
    private readonly gateway: GatewayProcess,
    private readonly ledger: EventLedger,
    private readonly subscribers: Subscribers,
    private readonly targets: readonly LiveTarget[],
    private readonly customers: readonly DemoCustomer[],
    private readonly stripe: Stripe,
    private readonly options: LiveOptions & { seed: number; firstSeq: number },
  ) {}

  /** Opens the subscribers and primes the stream; resolves when every subscriber has heard something. */
  static async open(
    gateway: GatewayProcess,
    stripe: Stripe,
    everyone: readonly DemoCustomer[],
    options: LiveOptions & { seed: number; firstSeq: number },
  ): Promise<LiveRun> {
    const { customers, targets } = await liveTargets(stripe, everyone, options.subscriberCustomers);
    const specs = streamSpecs(customers);
    const ledger = new EventLedger(specs);
    const subscribers = openSubscribers(gateway.ready, specs, customers, (receipt) => ledger.received(receipt));
    const run = new LiveRun(gateway, ledger, subscribers, targets, customers, stripe, options);
    try {
      await run.prime();
    } catch (error) {
      subscribers.close();
      throw error;
    }
    return run;
  }

  private async prime(): Promise<void> {
    const started = performance.now();
    const primer = new EventStream(this.stripe, this.targets, { perSecond: 0, seed: this.options.seed, firstSeq: this.options.firstSeq });
    // Until each subscriber has heard a message: changes again now and then, for a stream that opened late.
    for (;;) {
      await primer.prime(this.customers);
      const deadline = performance.now() + 2_000;
      while (performance.now() < deadline && !this.everyoneHeard()) await sleep(50);
      if (this.everyoneHeard()) break;
      if (performance.now() - started > PRIME_MS) {
        const deaf = this.ledger.streams.filter((s) => this.ledger.messagesOf(s.index) === 0).map((s) => `${s.kind}/${s.customerId ?? 'admin'}`);
        const refused = this.subscribers.refused();
        throw new Error(
          `event stream: ${deaf.length} subscriber(s) heard nothing in ${PRIME_MS / 1000} s of priming: ${deaf.slice(0, 5).join(', ')}` +
            (refused.length > 0 ? `; refused: ${refused.slice(0, 3).join('; ')}` : ''),
        );
      }
    }
    this.windowStartMs = wallNow();
    this.stream = new EventStream(this.stripe, this.targets, { perSecond: this.options.eventsPerSecond, seed: this.options.seed, firstSeq: primer.nextSeq });
  }

  private everyoneHeard(): boolean {
    return this.ledger.streams.every((s) => this.ledger.messagesOf(s.index) > 0);
  }

  /** Starts the steady changes (the workload starts beside them). */
  start(): void {
    this.stream!.start();
  }

  /** The marker after this run's last (the next run starts there). */
  get nextSeq(): number {
    return this.stream?.nextSeq ?? this.options.firstSeq;
  }

  private async readEvents(): Promise<void> {
    const reply = await this.gateway.ask({ type: 'events', from: this.eventsRead });
    const events = reply.events ?? [];
    this.eventsRead += events.length;
    this.ledger.created(events);
  }

  /** Stops the changes, waits until every expected event was heard (or the settle time passed), closes the books. */
  async stop(): Promise<LiveFigures> {
    const streamFigures = await this.stream!.stop();
    const stopped = performance.now();
    for (;;) {
      await this.readEvents();
      if (this.ledger.unheard(this.windowStartMs) === 0 || performance.now() - stopped > SETTLE_MS) break;
      await sleep(POLL_MS);
    }
    const settleMs = Math.round(performance.now() - stopped);
    const reconnects = this.subscribers.reconnects();
    const refused = this.subscribers.refused();
    this.subscribers.close();
    return {
      ...this.ledger.figures(this.windowStartMs),
      stream: streamFigures,
      subscribers: this.ledger.streams.length,
      customers: this.customers.length,
      objects: this.targets.length,
      settleMs,
      reconnects,
      refused,
    };
  }
}

/** The bounds: nothing lost, nothing twice; errors only under faults, and only the fault codes; no subscriber refused. */
export function liveViolations(figures: LiveFigures, faults: boolean, allowedCodes: ReadonlySet<string>): string[] {
  const violations: string[] = figures.refused.map((r) => `event stream: a subscriber was refused: ${r}`);
  if (figures.stream.made === 0) violations.push('event stream: no change was made');
  if (figures.expected === 0) violations.push('event stream: no event was expected by any subscriber');
  if (figures.lost > 0) {
    const examples = figures.lostExamples.map((e) => `${e.type} ${e.eventId} → subscriber #${e.stream}`).join(', ');
    violations.push(`event stream: ${figures.lost} of ${figures.expected} (subscriber, event) pairs lost (${examples})`);
  }
  if (figures.duplicates > 0) violations.push(`event stream: ${figures.duplicates} duplicate messages delivered to subscribers`);
  if (figures.errors > 0 && !faults) violations.push(`event stream: ${figures.errors} events told with an error only, without faults`);
  const other = Object.keys(figures.errorsByCode).filter((code) => !allowedCodes.has(code));
  if (other.length > 0) violations.push(`event stream: payload error codes other than the faults': ${other.join(', ')}`);
  return violations;
}
