/**
 * The shared cache and the account's Stripe budget under the bench (`npm run bench -- --only cache`):
 *
 * - **page views**: the Stripe calls of one billing page view, counted in the local Stripe's request log — cold
 *   (nothing cached), warm (the same view again) and after a change (the customer renamed through Stripe's API, its
 *   event delivered to the gateway and acknowledged) — for the demo billing page's own query (`BillingPage`, its
 *   trusted document, a customer's token) and for the bench's billing page scenario (an admin, `customer(id:)`);
 * - **warm throughput**: warm views of the bench's billing page against the bare-SDK baseline (`bench/baseline.ts`,
 *   which calls Stripe for every view), at 0 and 50 ms injected latency, alternating, median of 3;
 * - **over budget**: billing page views of several customers offered at 10× what the account's Stripe budget allows
 *   (the budget set low, the local Stripe's rate limiter set to the same), every answer checked against the
 *   baseline's: `RATE_LIMITED` answers, the local Stripe's 429s, wrong answers.
 *
 * The gateway runs with webhooks verified (events forwarded by the local Stripe), so its cache is on in events mode.
 */
import { signDemoCustomerToken } from '../src/app.js';
import { DEMO } from '../src/local-stripe/seed.js';
import { budgetKind, type BudgetKind } from '../src/stripe/budget.js';
import { createStripeClient } from '../src/stripe/client.js';
import { documentIds } from '../load/workload.js';
import { startRedis } from '../test/support/redis.js';
import { side, type Side } from './gateway-vs-baseline.js';
import { BILLING_PAGE } from './scenario-billing-page.js';
import {
  BENCH_JWT_SECRET, body, clearLog, control, endpoint, HEADERS, LATENCY_MS, loadRun, logged, normalise, post, round,
  sameAnswer, setLatency, settle, start, STRIPE_KEY, type LoggedCall, type Servers, type StartOptions, type Target,
} from './servers.js';
import { load, type LoadResult } from './support.js';
import { maxInWindow, verdict, type Verdict } from './verdicts.js';

export interface CacheBenchOptions {
  durationSeconds: number;
  connections: number;
  /** The account's Stripe budget in the over-budget run, requests per second (reads, writes and searches alike). */
  budgetPerSecond: number;
  /** Cache and budget in a real `redis-server` (`REDIS_URL`, one empty Redis per phase) instead of in memory. */
  redis: boolean;
}

export interface PageViewCalls {
  page: string;
  customer: string;
  /** Requests that reached the local Stripe. */
  cold: number;
  warm: number;
  afterChange: number;
  /** The requests the view after the change made. */
  afterChangeRequests: string[];
  /** What the answers themselves report (`extensions.stripe.calls`, and `cacheHits` when the gateway reports it). */
  reported: { cold: unknown; warm: unknown; afterChange: unknown; warmHits: unknown };
  /** Whether the view after the change showed it. */
  changeShown: boolean;
}

export interface WarmThroughput {
  latencyMs: number;
  gateway: Side;
  baseline: Side;
  ratio: number;
  /** Stripe requests during the gateway's measured runs (all three). */
  gatewayStripeCalls: number;
  /** What the baseline's throughput costs Stripe: its views a second × the calls of one view. */
  baselineStripeCallsPerSecond: number;
}

export interface OverBudgetRun {
  budgetPerSecond: number;
  customers: number;
  /**
   * Stripe calls of one view with nothing cached (the baseline's: the same calls), on average over the customers, by
   * the budget's kinds (reads: GET; writes: POST, which the invoice preview is; searches).
   */
  coldCallsPerView: ByKind;
  /** Enough that the kind a view uses most is offered 10× its budget. */
  offeredViewsPerSecond: number;
  /** Offered views a second × cold calls per view ÷ budget, by kind. */
  offeredTimesBudget: ByKind;
  seconds: number;
  connections: number;
  answered: number;
  answeredPerSecond: number;
  verdicts: Record<Verdict, number>;
  /** autocannon's socket errors and timeouts. */
  noAnswer: number;
  stripeRequests: ByKind;
  stripe429s: number;
  /** The most requests of each kind the local Stripe saw in any one second. */
  maxStripeRequestsInASecond: ByKind;
  /** The first wrong or failed answer, cut short, when there is one. */
  firstBad: string | undefined;
}

export interface CacheBench {
  store: 'memory' | 'redis';
  pageViews: PageViewCalls[];
  warmThroughput: WarmThroughput[];
  overBudget: OverBudgetRun;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type ByKind = Record<BudgetKind, number>;
const KINDS: readonly BudgetKind[] = ['read', 'write', 'search'];
const byKind = (value: (kind: BudgetKind) => number): ByKind =>
  Object.fromEntries(KINDS.map((kind) => [kind, value(kind)])) as ByKind;
const ofKind = (log: readonly LoggedCall[], kind: BudgetKind) => log.filter((call) => budgetKind(call.method, call.path) === kind);

/** The servers with webhooks forwarded (the cache on), on an empty Redis of their own when `options.redis`. */
async function withServers<T>(options: CacheBenchOptions, extra: StartOptions, work: (servers: Servers) => Promise<T>): Promise<T> {
  const redis = options.redis ? await startRedis() : undefined;
  try {
    const servers = await start({
      ...extra,
      webhooks: true,
      fixture: false,
      gatewayEnv: { ...extra.gatewayEnv, ...(redis !== undefined ? { REDIS_URL: redis.url } : {}) },
    });
    try {
      return await work(servers);
    } finally {
      await Promise.all([servers.gateway.stop(), servers.baseline.stop()]);
      await servers.stripe.stop();
    }
  } finally {
    await redis?.stop();
  }
}

/** One way of viewing a billing page: where it is sent, as whom, and the customer it shows. */
interface PageView {
  page: string;
  customer: string;
  url: string;
  headers: Record<string, string>;
  payload: string;
}

function stripeReport(text: string): { calls?: unknown; cacheHits?: unknown } {
  return (JSON.parse(text) as { extensions?: { stripe?: { calls?: unknown; cacheHits?: unknown } } }).extensions?.stripe ?? {};
}

/** Waits until the local Stripe has delivered `eventId` to the gateway and had a 2xx (the gateway's acknowledgement). */
async function acknowledged(servers: Servers, eventId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { data } = (await control(servers, 'GET', '/_local/webhooks/deliveries')) as { data: Array<{ eventId: string; delivered: boolean }> };
    if (data.some((d) => d.eventId === eventId && d.delivered)) return;
    await sleep(100);
  }
  throw new Error(`the gateway never acknowledged ${eventId} within 10 s`);
}

/** A view, answered without errors, and the Stripe requests it made (counted after the local Stripe went quiet). */
async function view(servers: Servers, page: PageView): Promise<{ calls: LoggedCall[]; text: string }> {
  await settle(servers);
  const answer = await post(page.url, page.payload, page.headers);
  if (answer.status !== 200 || (JSON.parse(answer.text) as { errors?: unknown }).errors !== undefined) {
    throw new Error(`${page.page}: ${answer.status} ${answer.text.slice(0, 400)}`);
  }
  return { calls: await logged(servers), text: answer.text };
}

/** Cold, warm, then renamed through Stripe's API (the event acknowledged) and viewed again. */
async function pageViewCalls(servers: Servers, page: PageView): Promise<PageViewCalls> {
  const cold = await view(servers, page);
  const warm = await view(servers, page);
  // An invoice preview's lines get fresh ids each time Stripe renders it (as Stripe's do): those may differ.
  const comparable = (text: string) => JSON.stringify(normalise(text.replace(/"il_[A-Za-z0-9]+"/g, '"il_*"')));
  if (comparable(warm.text) !== comparable(cold.text)) {
    throw new Error(`${page.page}: the warm view answers differently from the cold one`);
  }
  const stripe = createStripeClient({ secretKey: STRIPE_KEY, apiBase: new URL(servers.stripe.url), maxNetworkRetries: 0 });
  const name = `Renamed by the bench ${Date.now()}`;
  await stripe.customers.update(page.customer, { name });
  const [event] = (await stripe.events.list({ type: 'customer.updated', limit: 1 })).data;
  if (event === undefined) throw new Error(`${page.page}: no customer.updated event for ${page.customer}`);
  await acknowledged(servers, event.id);
  const after = await view(servers, page);
  return {
    page: page.page,
    customer: page.customer,
    cold: cold.calls.length,
    warm: warm.calls.length,
    afterChange: after.calls.length,
    afterChangeRequests: after.calls.map((call) => `${call.method} ${call.path}`),
    reported: {
      cold: stripeReport(cold.text).calls,
      warm: stripeReport(warm.text).calls,
      afterChange: stripeReport(after.text).calls,
      warmHits: stripeReport(warm.text).cacheHits,
    },
    changeShown: after.text.includes(JSON.stringify(name)),
  };
}

const WARM_UP_SECONDS = 3;

/** Warm views of the bench's billing page, gateway and baseline alternating (median of 3), after a warm-up of both. */
async function warmThroughput(servers: Servers, latencyMs: number, callsPerView: number, options: CacheBenchOptions): Promise<WarmThroughput> {
  await setLatency(servers, latencyMs);
  // Long enough for V8 to optimise the warm path (graphql-jit's compiled query, the cache's lookups): a short
  // warm-up measured the first latency's gateway at half its later rate.
  for (const target of ['gateway', 'baseline'] as const) await loadRun(servers, target, BILLING_PAGE, options.connections, WARM_UP_SECONDS);
  const runs: Record<Target, LoadResult[]> = { gateway: [], baseline: [] };
  let gatewayStripeCalls = 0;
  for (let i = 0; i < 3; i++) {
    for (const target of ['gateway', 'baseline'] as const) {
      await settle(servers);
      const result = await loadRun(servers, target, BILLING_PAGE, options.connections, options.durationSeconds);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`warm billing page (${target}): ${result.non2xx} non-2xx, ${result.errors} errors`);
      if (target === 'gateway') gatewayStripeCalls += (await logged(servers)).length;
      runs[target].push(result);
    }
  }
  const gateway = side(runs.gateway);
  const baseline = side(runs.baseline);
  return {
    latencyMs,
    gateway,
    baseline,
    ratio: round(gateway.requestsPerSecond / baseline.requestsPerSecond, 1),
    gatewayStripeCalls,
    baselineStripeCallsPerSecond: baseline.requestsPerSecond * callsPerView,
  };
}

async function pageViewsAndThroughput(options: CacheBenchOptions, progress: (line: string) => void) {
  return withServers(options, {}, async (servers) => {
    // The bench's billing page shows Acme (a business on invoices); the demo page, signed in, Ada (the demo's own).
    servers.ids = { ...servers.ids, subscriber: DEMO.businessCustomer };
    const jwt = { customerClaim: 'stripe_customer_id', issuer: undefined, audience: undefined };
    const token = await signDemoCustomerToken(jwt, BENCH_JWT_SECRET, DEMO.customer, 3600);
    const demoPage: PageView = {
      page: 'demo billing page (BillingPage, customer token)',
      customer: DEMO.customer,
      url: endpoint(servers, 'gateway'),
      headers: { ...HEADERS, authorization: `Bearer ${token}` },
      payload: JSON.stringify({ documentId: documentIds().get('BillingPage'), operationName: 'BillingPage', variables: { first: 10 } }),
    };
    const benchPage: PageView = {
      page: 'bench billing page (BillingPageBench, admin)',
      customer: DEMO.businessCustomer,
      url: endpoint(servers, 'gateway'),
      headers: HEADERS,
      payload: body(BILLING_PAGE, servers.ids),
    };
    const pageViews = [await pageViewCalls(servers, demoPage), await pageViewCalls(servers, benchPage)];
    progress('page views: done');
    // Warm, and the same answer as the baseline's (which asks Stripe), before and after the runs.
    await sameAnswer(servers, BILLING_PAGE);
    await settle(servers);
    await post(endpoint(servers, 'baseline'), body(BILLING_PAGE, servers.ids));
    const callsPerView = (await logged(servers)).length;
    const warm: WarmThroughput[] = [];
    for (const latency of [0, LATENCY_MS]) warm.push(await warmThroughput(servers, latency, callsPerView, options));
    await setLatency(servers, 0);
    await sameAnswer(servers, BILLING_PAGE);
    progress('warm throughput: done');
    return { pageViews, warm };
  });
}

/**
 * The reference answers, from the baseline (Stripe every time), paced so as to stay well within the local Stripe's
 * limiter; and the calls each view cost.
 */
async function references(servers: Servers, customers: string[], perSecond: number): Promise<Array<{ expected: string; calls: LoggedCall[] }>> {
  const out: Array<{ expected: string; calls: LoggedCall[] }> = [];
  for (const id of customers) {
    await clearLog(servers);
    const answer = await post(endpoint(servers, 'baseline'), body(BILLING_PAGE, servers.ids, { id }));
    if (answer.status !== 200) throw new Error(`baseline reference for ${id}: ${answer.status} ${answer.text.slice(0, 300)}`);
    const calls = await logged(servers);
    out.push({ expected: JSON.stringify(normalise(answer.text)), calls });
    await sleep(((calls.length * 2) / perSecond) * 1000);
  }
  return out;
}

async function overBudget(options: CacheBenchOptions, progress: (line: string) => void): Promise<OverBudgetRun> {
  const budget = options.budgetPerSecond;
  const limits: StartOptions = {
    stripeArgs: ['--read-limit', String(budget), '--write-limit', String(budget), '--search-limit', String(budget)],
    gatewayEnv: {
      STRIPE_READS_PER_SECOND: String(budget),
      STRIPE_WRITES_PER_SECOND: String(budget),
      STRIPE_SEARCHES_PER_SECOND: String(budget),
      // The in-flight cap as it follows from the budget (STRIPE_MAX_IN_FLIGHT unset), not the bench's fixed one.
      STRIPE_MAX_IN_FLIGHT: '',
    },
  };
  return withServers(options, limits, async (servers) => {
    const listed = (await fetch(`${servers.stripe.url}/v1/customers?limit=8`, { headers: { authorization: `Bearer ${STRIPE_KEY}` } }).then((r) =>
      r.json(),
    )) as { data: Array<{ id: string }> };
    const customers = listed.data.map((c) => c.id);
    await sleep(1000);
    const refs = await references(servers, customers, budget);
    const coldCallsPerView = byKind((kind) => round(refs.reduce((sum, r) => sum + ofKind(r.calls, kind).length, 0) / refs.length, 2));
    const offeredViewsPerSecond = Math.ceil((10 * budget) / Math.max(...Object.values(coldCallsPerView)));
    const seconds = Math.max(6, options.durationSeconds * 6);
    const verdicts: Record<Verdict, number> = { correct: 0, wrong: 0, rateLimitedByStripe: 0, rateLimitedByCaller: 0, error: 0 };
    let firstBad: string | undefined;
    const payloads = customers.map((id) => body(BILLING_PAGE, servers.ids, { id }));
    let next = 0;
    // The limiter's bucket full again, and its log empty: everything it records from now on is the run's.
    await sleep(1500);
    await clearLog(servers);
    progress(`over budget: ${customers.length} customers, ${offeredViewsPerSecond} views/s offered for ${seconds} s`);
    const result = await load({
      url: endpoint(servers, 'gateway'),
      method: 'POST',
      headers: HEADERS,
      connections: options.connections,
      overallRate: offeredViewsPerSecond,
      duration: seconds,
      // Customers in turn across all connections (not each connection from the first customer, in lockstep): views
      // of many customers' pages, as their own visits would be.
      requests: [
        {
          method: 'POST' as const,
          headers: HEADERS,
          setupRequest: (request, context) => {
            const turn = next++ % customers.length;
            (context as { turn?: number }).turn = turn;
            return { ...request, body: payloads[turn]! };
          },
          onResponse: (status, text, context) => {
            const turn = (context as { turn?: number }).turn ?? 0;
            const v = verdict(status, text, refs[turn]!.expected, normalise);
            verdicts[v]++;
            if (v !== 'correct') firstBad ??= `${customers[turn]}: ${status} ${text.slice(0, 300)}`;
          },
        },
      ],
    });
    await sleep(500);
    const log = await logged(servers);
    const answered = Object.values(verdicts).reduce((a, b) => a + b, 0);
    return {
      budgetPerSecond: budget,
      customers: customers.length,
      coldCallsPerView,
      offeredViewsPerSecond,
      offeredTimesBudget: byKind((kind) => round((offeredViewsPerSecond * coldCallsPerView[kind]) / budget, 1)),
      seconds,
      connections: options.connections,
      answered,
      answeredPerSecond: round(answered / seconds, 1),
      verdicts,
      noAnswer: result.errors,
      stripeRequests: byKind((kind) => ofKind(log, kind).length),
      stripe429s: log.filter((entry) => entry.status === 429).length,
      maxStripeRequestsInASecond: byKind((kind) =>
        maxInWindow(
          ofKind(log, kind).map((call) => call.at),
          1000,
        ),
      ),
      firstBad,
    };
  });
}

export async function benchCache(options: CacheBenchOptions, progress: (line: string) => void): Promise<CacheBench> {
  const { pageViews, warm } = await pageViewsAndThroughput(options, progress);
  const run = await overBudget(options, progress);
  progress('over budget: done');
  return { store: options.redis ? 'redis' : 'memory', pageViews, warmThroughput: warm, overBudget: run };
}
