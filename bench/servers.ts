/**
 * The bench's processes and how it talks to them: the local Stripe, the gateway and the baseline as child processes
 * (`start`), the local Stripe's control API (latency, its request log), one request, a load run, the answers' own
 * report of their Stripe calls, and the check that gateway and baseline answer alike (`verify`).
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_STRIPE_MAX_IN_FLIGHT } from '../src/config.js';
import { freePort } from '../test/support/redis.js';
import { createFixture } from './fixture.js';
import { SCENARIOS, PORTAL_RETURN_URL, type BenchIds, type Scenario } from './scenarios.js';
import { load, startChild, type Child, type LoadResult } from './support.js';

export const STRIPE_KEY = 'sk_test_bench';
export const API_KEY = 'bench-admin-key-0123456789';
export const LATENCY_MS = 50;
/** Signs the customer tokens of the bench's demo billing page views (HS256, 32+ characters). */
export const BENCH_JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123';

const NO_IDS: BenchIds = { customer: '', longInvoice: '', deepCursor: '', subscriber: '', subscriberProducts: 0 };

export interface Servers {
  stripe: Child;
  gateway: Child;
  baseline: Child;
  ids: BenchIds;
  cap: number;
}

export type Target = 'gateway' | 'baseline';

export function endpoint(servers: Servers, target: Target): string {
  return target === 'gateway' ? `${servers.gateway.url}/graphql` : servers.baseline.url;
}

export function body(scenario: Scenario, ids: BenchIds, variables?: Record<string, unknown>): string {
  return JSON.stringify({ operationName: scenario.operationName, query: scenario.query, variables: variables ?? scenario.variables(ids) });
}

export const HEADERS = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', accept: 'application/json' };

export async function post(url: string, payload: string, headers: Record<string, string> = HEADERS): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body: payload });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

export async function control(servers: Servers, method: string, path: string, json?: unknown): Promise<unknown> {
  const response = await fetch(`${servers.stripe.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${STRIPE_KEY}`, 'content-type': 'application/json' },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  if (!response.ok) throw new Error(`local Stripe ${method} ${path}: ${response.status}`);
  return response.json();
}

export const setLatency = (servers: Servers, latencyMs: number) => control(servers, 'PUT', '/_local/faults', { latencyMs });
export const clearLog = (servers: Servers) => control(servers, 'DELETE', '/_local/requests');
/** The local Stripe's request log: every request since the last `clearLog`, with its status (429: refused) and arrival. */
export interface LoggedCall {
  method: string;
  path: string;
  status: number;
  /** Milliseconds since the epoch. */
  at: number;
}
export async function logged(servers: Servers): Promise<LoggedCall[]> {
  return ((await control(servers, 'GET', '/_local/requests')) as { data: LoggedCall[] }).data;
}

/**
 * Values that differ between two equal requests: portal session ids, URLs and creation times. And the gateway's
 * `extensions` (its Stripe call report), which the hand-written baseline has no reason to make: the answers compared
 * are `data` and `errors`.
 */
export function normalise(text: string): unknown {
  const { extensions: _report, ...answer } = JSON.parse(
    text
      .replace(/bps_[A-Za-z0-9]+/g, 'bps_*')
      .replace(/\/p\/session\/[A-Za-z0-9_-]+/g, '/p/session/*')
      .replace(/"createdAt":"[^"]+"/g, (match) => (text.includes('"createPortalSession"') ? '"createdAt":"*"' : match)),
  ) as Record<string, unknown>;
  return answer;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

export interface StartOptions {
  /** Extra flags for the local Stripe (e.g. `--rate-limit 10`). */
  stripeArgs?: string[];
  /** Settings for the gateway that replace or add to the bench's own. */
  gatewayEnv?: Record<string, string>;
  /**
   * Every event of the local Stripe forwarded to the gateway's webhook route, signed with a secret the gateway
   * verifies: what turns the shared cache on (events mode). The gateway then listens on a port chosen up front.
   */
  webhooks?: boolean;
  /** The bench's data (`bench/fixture.ts`); without it, only the demo seed (its ids left empty). Default true. */
  fixture?: boolean;
}

/**
 * The bench's gateway settings: production, one caller at hundreds of requests a second on purpose (the callers'
 * limits off), and an account budget far over anything the local Stripe is asked, so that the pass-through figures
 * measure the gateway, not Stripe's published limits (the over-budget run in `bench/cache.ts` sets its own).
 */
function gatewayEnv(stripeUrl: string, cap: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE: stripeUrl,
    STRIPE_MAX_IN_FLIGHT: String(cap),
    GATEWAY_API_KEYS: API_KEY,
    BENCH_API_KEY: API_KEY,
    PORTAL_RETURN_URL,
    RATE_LIMIT_PER_MINUTE: '0',
    CALLER_STRIPE_CALLS_PER_MINUTE: '0',
    STRIPE_READS_PER_SECOND: '100000',
    STRIPE_WRITES_PER_SECOND: '100000',
    STRIPE_SEARCHES_PER_SECOND: '100000',
    // No webhook secret: the shared cache is off, every read goes to Stripe (unless `webhooks`).
    STRIPE_WEBHOOK_SECRET: '',
    CACHE_TTL_SECONDS: '',
    REDIS_URL: '',
    LOG_LEVEL: 'error',
    // Stopped by the bench, not a load balancer: no drain delay (production's default is 5 s).
    DRAIN_DELAY_SECONDS: '0',
    // customers → edges → node → invoices → edges → node → total → formatted is 8 deep (default limit 6).
    MAX_DEPTH: '12',
    // Customer tokens for the demo billing page's query (`bench/cache.ts`).
    AUTH_JWT_SECRET: BENCH_JWT_SECRET,
    AUTH_JWKS_URL: '',
  };
}

/** Settings every gateway the bench starts gets on top of its own (`--observability`: `bench/observability.ts`). */
let extraGatewayEnv: Record<string, string> = {};
export function useGatewayEnv(env: Record<string, string>): void {
  extraGatewayEnv = env;
}

export async function start(options: StartOptions = {}): Promise<Servers> {
  const forward =
    options.webhooks === true ? { port: await freePort(), secret: `whsec_${randomBytes(24).toString('hex')}` } : undefined;
  const stripeArgs = [
    ...['--port', '0', '--seed', 'demo'],
    ...(forward !== undefined ? ['--forward-to', `http://127.0.0.1:${forward.port}/webhooks/stripe`, '--forward-secret', forward.secret] : []),
    ...(options.stripeArgs ?? []),
  ];
  const stripe = await startChild('src/local-stripe/main.ts', stripeArgs, 1, /listening on (http:\/\/\S+)/);
  try {
    const cap = DEFAULT_STRIPE_MAX_IN_FLIGHT;
    const env = {
      ...gatewayEnv(stripe.url, cap),
      ...extraGatewayEnv,
      ...(forward !== undefined ? { PORT: String(forward.port), STRIPE_WEBHOOK_SECRET: forward.secret } : {}),
      ...options.gatewayEnv,
    };
    const [gateway, baseline] = await Promise.all([
      startChild('src/main.ts', [], 0, /billing-gateway listening on (http:\/\/\S+)/, env),
      startChild('bench/baseline.ts', [], 0, /baseline listening on (http:\/\/\S+)/, env),
    ]);
    const servers = { stripe, gateway, baseline, ids: NO_IDS, cap };
    try {
      // After the gateway is up, so that the fixture's events are delivered at once, not retried for seconds.
      if (options.fixture !== false) servers.ids = await createFixture(stripe.url, STRIPE_KEY);
      return servers;
    } catch (error) {
      await Promise.all([gateway.stop(), baseline.stop()]);
      throw error;
    }
  } catch (error) {
    await stripe.stop();
    throw error;
  }
}

/** Gateway and baseline must give the same answer (normalised) for `scenario`; returns it (as JSON text). */
export async function sameAnswer(servers: Servers, scenario: Scenario, variables?: Record<string, unknown>): Promise<string> {
  const payload = body(scenario, servers.ids, variables);
  const [gateway, baseline] = [await post(endpoint(servers, 'gateway'), payload), await post(endpoint(servers, 'baseline'), payload)];
  if (gateway.status !== 200 || baseline.status !== 200) {
    throw new Error(`${scenario.name}: gateway ${gateway.status} ${gateway.text.slice(0, 300)} / baseline ${baseline.status} ${baseline.text.slice(0, 300)}`);
  }
  const a = JSON.stringify(normalise(gateway.text));
  const b = JSON.stringify(normalise(baseline.text));
  if (a !== b) throw new Error(`${scenario.name}: the baseline answers differently\n gateway:  ${a.slice(0, 600)}\n baseline: ${b.slice(0, 600)}`);
  return a;
}

/** Both servers must give the same answer (normalised) for every scenario before anything is measured. */
export async function verify(servers: Servers): Promise<void> {
  for (const scenario of SCENARIOS) await sameAnswer(servers, scenario);
}

/**
 * Waits until no Stripe call has arrived for 300 ms: requests that autocannon abandoned at the end of a run may
 * still be making calls, which must not be counted against the next scenario.
 */
export async function settle(servers: Servers): Promise<void> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    await clearLog(servers);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const count = (await logged(servers)).length;
    if (count === 0 && last === 0) return;
    last = count;
  }
  throw new Error('the local Stripe never became quiet');
}

export async function callsOf(servers: Servers, target: Target, scenario: Scenario, variables?: Record<string, unknown>): Promise<number> {
  await settle(servers);
  const response = await post(endpoint(servers, target), body(scenario, servers.ids, variables));
  if (response.status !== 200) throw new Error(`${scenario.name}: ${response.status}`);
  return (await logged(servers)).length;
}

export async function wallTime(servers: Servers, target: Target, scenario: Scenario, samples: number, variables?: Record<string, unknown>): Promise<number> {
  const payload = body(scenario, servers.ids, variables);
  for (let i = 0; i < 2; i++) await post(endpoint(servers, target), payload);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push((await post(endpoint(servers, target), payload)).ms);
  return median(times);
}

export async function loadRun(
  servers: Servers,
  target: Target,
  scenario: Scenario,
  connections: number,
  seconds: number,
  onResponse?: (status: number, body: string) => void,
): Promise<LoadResult> {
  const payload = body(scenario, servers.ids);
  return load({
    url: endpoint(servers, target),
    method: 'POST',
    headers: HEADERS,
    body: payload,
    connections,
    duration: seconds,
    ...(onResponse !== undefined ? { requests: [{ method: 'POST', headers: HEADERS, body: payload, onResponse }] } : {}),
  });
}

/** Sums the gateway's own report of each answered request's Stripe calls (`extensions.stripe.calls`). */
export function callReports(): { onResponse: (status: number, body: string) => void; perRequest: () => number } {
  let answers = 0;
  let calls = 0;
  return {
    onResponse: (_status, text) => {
      try {
        const reported = (JSON.parse(text) as { extensions?: { stripe?: { calls?: unknown } } }).extensions?.stripe?.calls;
        if (typeof reported !== 'number') return;
        answers++;
        calls += reported;
      } catch {
        // not a GraphQL answer: not counted
      }
    },
    perRequest: () => (answers === 0 ? NaN : round(calls / answers, 2)),
  };
}


export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
