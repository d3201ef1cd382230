/**
 * The gateway's Prometheus series (`METRICS_PORT`), on a registry of their own — never prom-client's global one,
 * so that two gateways in one process (tests) never mix their counts, and nothing a library registers globally
 * leaks onto the scrape.
 *
 * What an operator of a billing API watches: GraphQL requests by operation and outcome, their latency and errors
 * by code (`./metrics-graphql.ts` counts them), every HTTP request to Stripe by endpoint and status with its
 * latency (a tap on the Stripe client, below the SDK: retries one by one, as Stripe counts them), the calls in
 * flight and queued, the account budget's and the callers' refusals, the shared cache's hits and misses, webhook
 * deliveries by outcome, the subscription streams open, and prom-client's default process metrics.
 *
 * Labels are bounded by construction: operation names are capped (`LabelCap`), endpoints are templated
 * (`GET /v1/customers/{id}`), and no id, path with an id, caller or secret is ever a label value. What the app
 * already counts (the cache, the webhooks, the hub, the limiter) is read at scrape time rather than counted twice.
 *
 * prom-client is only ever imported (dynamically, by `app.ts`) when METRICS_PORT is set: a gateway without metrics
 * loads none of it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WebhookCounts } from '../http/webhook-stats.js';
import { WEBHOOK_OUTCOMES } from '../http/webhook-stats.js';
import type { StripeHttpTap } from '../stripe/budget-http.js';

export const METRICS_PREFIX = 'billing_gateway_';

/** Seconds: from a cache hit (~1 ms) to a request that waited on Stripe's retries (the 15 s deadline). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];
/** Stripe calls one GraphQL request made: none (a cache hit, a refusal) up to the default budget of 100. */
const CALLS_BUCKETS = [0, 1, 2, 3, 5, 10, 20, 50, 100];

/** What the app counts itself, read at each scrape (set once the app has built them). */
export interface MetricsSources {
  /** `Limiter`: Stripe calls running now, waiting for a slot, and the cap (`STRIPE_MAX_IN_FLIGHT`). */
  limiter?: { readonly running: number; readonly queued: number; readonly max: number };
  /** The shared cache's reads so far (undefined: the cache is off). */
  cache?: { stats(): { hits: number; misses: number } } | undefined;
  /** `app.webhooks.stats()`. */
  webhooks?: () => WebhookCounts;
  /** `EventHub.stats()`. */
  events?: { stats(): { streams: number } };
}

/**
 * A label's distinct values capped: the first `max` values seen are themselves, any later one is `other`, so that
 * a caller inventing operation names cannot grow the scrape without bound.
 */
export class LabelCap {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  /** `value` as a label: itself when already seen or (`admit`) there is room, else `other`. */
  label(value: string, admit: boolean): string {
    if (this.seen.has(value)) return value;
    if (!admit || this.seen.size >= this.max) return 'other';
    this.seen.add(value);
    return value;
  }
}

/** The GraphQL labels every per-operation series carries. */
type OperationLabel = 'operation_name' | 'operation_type';
const OPERATION_LABELS: OperationLabel[] = ['operation_name', 'operation_type'];

export class GatewayMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources = {};
  /** At most 100 operation names; the rest are `other`. */
  readonly operationNames = new LabelCap(100);

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name: `${METRICS_PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name: `${METRICS_PREFIX}${name}`, help, labelNames, buckets, registers: [this.registry] });
  }

  readonly graphqlRequests = this.counter(
    'graphql_requests_total',
    'GraphQL requests answered, by operation name (unnamed: anonymous; past 100 names: other), type and outcome (ok, client_error, rate_limited, upstream_error, internal_error).',
    [...OPERATION_LABELS, 'outcome'],
  );
  readonly graphqlDuration = this.histogram(
    'graphql_request_duration_seconds',
    'From a GraphQL request’s arrival to its response (subscriptions excluded: a stream’s life is no latency).',
    OPERATION_LABELS,
    LATENCY_BUCKETS,
  );
  readonly graphqlErrors = this.counter(
    'graphql_errors_total',
    'Errors in GraphQL responses, by extensions.code and, for limits and rate limits, extensions.limit.',
    ['code', 'limit'],
  );
  readonly subscriptionEvents = this.counter(
    'subscription_events_total',
    'Payloads sent on GraphQL subscription streams, by operation and outcome (as graphql_requests_total); their errors are in graphql_errors_total.',
    [...OPERATION_LABELS, 'outcome'],
  );
  readonly rateLimitRefusals = this.counter(
    'rate_limit_refusals_total',
    'RATE_LIMITED answers, by limit: requests (RATE_LIMIT_PER_MINUTE), callerStripeCalls, stripeBudget, streams.',
    ['limit'],
  );
  readonly stripeCallsPerRequest = this.histogram(
    'graphql_request_stripe_calls',
    'Stripe calls one GraphQL request made (extensions.stripe.calls, retries included), by operation.',
    OPERATION_LABELS,
    CALLS_BUCKETS,
  );
  readonly stripeCalls = this.counter(
    'stripe_calls_total',
    'HTTP requests sent to Stripe (every retry counted), by endpoint as Stripe’s reference names it, method and status (error: no response).',
    ['endpoint', 'method', 'status'],
  );
  readonly stripeDuration = this.histogram(
    'stripe_call_duration_seconds',
    'From sending an HTTP request to Stripe to its response’s headers (or its failure), by endpoint.',
    ['endpoint'],
    LATENCY_BUCKETS,
  );
  readonly budgetRefusals = this.counter(
    'stripe_budget_refusals_total',
    'Requests to Stripe never sent because the account’s budget (STRIPE_*_PER_SECOND) had no token before the request’s deadline, by kind.',
    ['kind'],
  );

  constructor() {
    const registers = [this.registry];
    const sources = () => this.sources;
    const gauges: Array<[name: string, help: string, read: (s: MetricsSources) => number | undefined]> = [
      ['stripe_calls_in_flight', 'Stripe calls running now.', (s) => s.limiter?.running],
      ['stripe_calls_queued', 'Stripe calls waiting for a slot under STRIPE_MAX_IN_FLIGHT.', (s) => s.limiter?.queued],
      ['stripe_max_in_flight', 'STRIPE_MAX_IN_FLIGHT: the most Stripe calls that run at once.', (s) => s.limiter?.max],
      ['subscription_streams_open', 'GraphQL subscription streams open now.', (s) => s.events?.stats().streams],
    ];
    for (const [name, help, read] of gauges) {
      new Gauge({
        name: `${METRICS_PREFIX}${name}`,
        help,
        registers,
        collect() {
          this.set(read(sources()) ?? 0);
        },
      });
    }
    for (const [result, help] of [
      ['hits', 'Reads the shared cache answered instead of Stripe (joined misses included).'],
      ['misses', 'Reads the shared cache sent on to Stripe.'],
    ] as const) {
      new Counter({
        name: `${METRICS_PREFIX}cache_${result}_total`,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(sources().cache?.stats()[result] ?? 0);
        },
      });
    }
    new Counter({
      name: `${METRICS_PREFIX}webhook_deliveries_total`,
      help: 'Deliveries to POST /webhooks/stripe, by outcome (accepted, duplicate, ignored, failed, unavailable, or why refused).',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        const counts = sources().webhooks?.();
        for (const outcome of WEBHOOK_OUTCOMES) this.inc({ outcome }, counts?.[outcome] ?? 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** What the app counts itself, for the scrape to read. */
  watch(sources: MetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** Every HTTP request to Stripe, and every one the budget kept back (`StripeHttpTaps`). */
  readonly stripeTap: StripeHttpTap = {
    sent: ({ endpoint, method }) => (outcome) => {
      this.stripeCalls.inc({ endpoint, method, status: outcome.status !== undefined ? String(outcome.status) : 'error' });
      this.stripeDuration.observe({ endpoint }, outcome.durationMs / 1000);
    },
    refused: (_request, refusal) => {
      this.budgetRefusals.inc({ kind: refusal.kind });
    },
  };

  /** The scrape: Prometheus's text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
