/**
 * Prometheus metrics on their own listener (`METRICS_PORT`, `METRICS_KEY`): the whole app in demo mode, a known
 * workload over real HTTP (admin queries, refusals of each kind we can cause cheaply, a webhook delivery from the
 * embedded local Stripe, a subscription stream), then scrapes parsed from the text format, asserting exact counts
 * against what the gateway answered and what the local Stripe logged — never timings. Also: the key, the port and
 * the paths (401, 404, 405; the public port's /metrics is no scrape), and that no label carries an object id.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { banner, startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { OBJECT_ID } from '../../src/stripe/endpoints.js';
import { payloadsOf, readRaw, until } from '../support/live.js';
import { scrape, type Scrape } from '../support/prometheus.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const METRICS_KEY = 'metrics-key-0123456789abcdef';
const RATE_LIMIT = 12;

interface Answer {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
  extensions?: { stripe?: { calls: number; cacheHits?: number } };
}

async function gql(app: App, body: Record<string, unknown>, authorization?: string): Promise<Answer> {
  const response = await fetch(app.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(authorization !== undefined ? { authorization: `Bearer ${authorization}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

const ONE_CUSTOMER = 'query OneCustomer($id: ID!) { customer(id: $id) { id name } }';
const ME = 'query Me { viewer { role } }';
const TOO_BIG = 'query TooBig { customers(first: 100) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }';

let app: App;
const scrapeApp = () => scrape(app.metricsUrl!, METRICS_KEY);
/** `after` minus `before` for one series and label set. */
const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);

beforeAll(async () => {
  app = await startApp(
    loadGatewayConfig({
      PORT: '0',
      METRICS_PORT: '0',
      METRICS_KEY,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      MAX_STREAMS_PER_CALLER: '1',
    }),
  );
});
afterAll(() => app?.stop());

describe('the listener', () => {
  it('is on a port of its own, printed in the banner without its key', () => {
    expect(app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(app.metricsUrl!).port).not.toBe(String(app.port));
    const text = banner(app);
    expect(text).toContain(`Metrics:        ${app.metricsUrl}`);
    expect(text).not.toContain(METRICS_KEY);
  });

  it('answers 401 without the key or with a wrong one, 404 elsewhere, 405 to a POST', async () => {
    const none = await fetch(app.metricsUrl!);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).not.toContain('billing_gateway_');
    const wrong = await fetch(app.metricsUrl!, { headers: { authorization: `Bearer ${METRICS_KEY}x` } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(app.metricsUrl!, { headers: { authorization: `Basic ${METRICS_KEY}` } });
    expect(basic.status).toBe(401);
    const origin = new URL(app.metricsUrl!).origin;
    for (const path of ['/', '/graphql', '/metrics/', '/metricsx', '/health']) {
      const other = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
      expect(other.status, path).toBe(404);
    }
    const post = await fetch(app.metricsUrl!, { method: 'POST', headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(post.status).toBe(405);
    const ok = await fetch(app.metricsUrl!, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('is not on the public port: /metrics there is an unknown path, and no scrape', async () => {
    const response = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('billing_gateway_');
  });

  it("includes prom-client's default process metrics and the limiter's cap", async () => {
    const s = await scrapeApp();
    expect(s.find('process_cpu_user_seconds_total')).toHaveLength(1);
    expect(s.find('process_resident_memory_bytes')).toHaveLength(1);
    expect(s.find('nodejs_heap_size_used_bytes')).toHaveLength(1);
    expect(s.value('billing_gateway_stripe_max_in_flight')).toBe(app.config.stripeMaxInFlight);
    expect(s.value('billing_gateway_stripe_calls_in_flight')).toBe(0);
    expect(s.value('billing_gateway_stripe_calls_queued')).toBe(0);
  });
});

describe('after a known workload', () => {
  it('counts GraphQL requests, their latency, Stripe calls by endpoint and status, and cache hits and misses', async () => {
    const local = app.localStripe!;
    const before = await scrapeApp();
    const logged = local.requests.length;
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await gql(app, { query: ONE_CUSTOMER, variables: { id: DEMO.customer } }, app.demo!.adminKey));
    const missing = await gql(app, { query: ONE_CUSTOMER, variables: { id: 'cus_NoSuchCustomer0' } }, app.demo!.adminKey);
    const after = await scrapeApp();
    const made = local.requests.slice(logged);

    for (const answer of answers) expect(answer.data?.['customer']?.id).toBe(DEMO.customer);
    expect(missing.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const op = { operation_name: 'OneCustomer', operation_type: 'query' };
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { ...op, outcome: 'ok' })).toBe(3);
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { ...op, outcome: 'client_error' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_request_duration_seconds_count', op)).toBe(4);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'NOT_FOUND' })).toBe(1);

    // Every request Stripe got is counted under its templated endpoint and its status.
    const all = [...answers, missing];
    const calls = all.reduce((sum, a) => sum + a.extensions!.stripe!.calls, 0);
    expect(made).toHaveLength(calls);
    for (const status of [200, 404]) {
      const atStatus = made.filter((r) => r.status === status && r.method === 'GET' && /^\/v1\/customers\/cus_\w+$/.test(r.path)).length;
      expect(delta(before, after, 'billing_gateway_stripe_calls_total', { endpoint: 'GET /v1/customers/{id}', method: 'GET', status: String(status) })).toBe(atStatus);
    }
    expect(delta(before, after, 'billing_gateway_stripe_calls_total')).toBe(made.length);
    expect(delta(before, after, 'billing_gateway_stripe_call_duration_seconds_count', { endpoint: 'GET /v1/customers/{id}' })).toBe(made.length);
    // Calls per request: what each answer's extensions.stripe.calls said.
    expect(delta(before, after, 'billing_gateway_graphql_request_stripe_calls_count', op)).toBe(4);
    expect(delta(before, after, 'billing_gateway_graphql_request_stripe_calls_sum', op)).toBe(calls);
    // The shared cache (on in demo mode): what the answers say it served, and a miss for every read it did not.
    const hits = all.reduce((sum, a) => sum + (a.extensions!.stripe!.cacheHits ?? 0), 0);
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(delta(before, after, 'billing_gateway_cache_hits_total')).toBe(hits);
    expect(delta(before, after, 'billing_gateway_cache_misses_total')).toBe(calls);
  });

  it('counts a Stripe request with no response as status error, and the request as upstream_error', async () => {
    const local = app.localStripe!;
    const before = await scrapeApp();
    const logged = local.requests.length;
    local.setFaults({ rules: [{ kind: 'reset', method: 'GET', path: /^\/v1\/customers\/cus_\w+$/ }] });
    let answer: Answer;
    try {
      answer = await gql(app, { query: ONE_CUSTOMER, variables: { id: DEMO.businessCustomer } }, app.demo!.adminKey);
    } finally {
      local.setFaults(undefined);
    }
    const after = await scrapeApp();
    const resets = local.requests.slice(logged).filter((r) => r.status === 0);
    expect(answer.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect(resets.length).toBeGreaterThanOrEqual(1);
    expect(delta(before, after, 'billing_gateway_stripe_calls_total', { endpoint: 'GET /v1/customers/{id}', status: 'error' })).toBe(resets.length);
    expect(delta(before, after, 'billing_gateway_stripe_calls_total')).toBe(resets.length);
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { operation_name: 'OneCustomer', outcome: 'upstream_error' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
  });

  it('counts refusals: unauthenticated, over the Stripe-call budget, rate limited (by limit)', async () => {
    const before = await scrapeApp();
    const anonymous = await gql(app, { query: '{ viewer { role } }' });
    expect(anonymous.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    const tooBig = await gql(app, { query: TOO_BIG }, app.demo!.adminKey);
    expect(tooBig.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'stripeCalls' });
    // The customer's minute: RATE_LIMIT requests pass, the next is refused before anything is parsed.
    const token = app.demo!.customerToken;
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMIT; i++) statuses.push((await gql(app, { query: ME, operationName: 'Me' }, token)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT);
    expect(statuses.at(-1)).toBe(429);
    const after = await scrapeApp();

    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { operation_name: 'anonymous', operation_type: 'query', outcome: 'client_error' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'UNAUTHENTICATED', limit: '' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { operation_name: 'TooBig', outcome: 'client_error' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'BAD_USER_INPUT', limit: 'stripeCalls' })).toBe(1);
    const me = { operation_name: 'Me', operation_type: 'query' };
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { ...me, outcome: 'ok' })).toBe(RATE_LIMIT);
    // Refused in onParams, before parsing: its name from the request's operationName, already a known one.
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { operation_name: 'Me', outcome: 'rate_limited' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'RATE_LIMITED', limit: '' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_rate_limit_refusals_total', { limit: 'requests' })).toBe(1);
    // None of it reached Stripe.
    expect(delta(before, after, 'billing_gateway_stripe_calls_total')).toBe(0);
  });

  it('counts a webhook delivery by outcome, as app.webhooks.stats() does', async () => {
    const local = app.localStripe!;
    const accepted = app.webhooks.stats().accepted;
    const sdk = new Stripe(local.secretKey, { ...local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
    await sdk.customers.update(DEMO.newCustomer, { metadata: { metrics: 'yes' } });
    await until(() => app.webhooks.stats().accepted === accepted + 1, 'the delivery to be accepted');
    const s = await scrapeApp();
    const stats = app.webhooks.stats();
    expect(s.value('billing_gateway_webhook_deliveries_total', { outcome: 'accepted' })).toBe(stats.accepted);
    expect(s.value('billing_gateway_webhook_deliveries_total')).toBe(stats.total);
    // Every outcome is a series from the start (zeros too), so that a rate() of a refusal exists before the first.
    expect(s.find('billing_gateway_webhook_deliveries_total', { outcome: 'bad_signature' })).toHaveLength(1);
  });

  it('counts a subscription stream while it is open, its request once, and a stream over the caller’s cap', async () => {
    const before = await scrapeApp();
    expect(before.value('billing_gateway_subscription_streams_open')).toBe(0);
    const subscribe = () =>
      readRaw(app.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${app.demo!.adminKey}` },
        body: JSON.stringify({ query: 'subscription Watch { customerUpdated { id } }' }),
      });
    const stream = await subscribe();
    try {
      expect(stream.response.status).toBe(200);
      await until(() => app.events.stats().streams === 1, 'the stream to open');
      const open = await scrapeApp();
      expect(open.value('billing_gateway_subscription_streams_open')).toBe(1);
      expect(delta(before, open, 'billing_gateway_graphql_requests_total', { operation_name: 'Watch', operation_type: 'subscription', outcome: 'ok' })).toBe(1);
      // A stream's life is no latency.
      expect(delta(before, open, 'billing_gateway_graphql_request_duration_seconds_count', { operation_name: 'Watch' })).toBe(0);
      // MAX_STREAMS_PER_CALLER=1: the caller's second stream is refused.
      const second = await subscribe();
      await second.done;
      expect(second.response.status).toBe(429);
      const refused = await scrapeApp();
      expect(delta(open, refused, 'billing_gateway_rate_limit_refusals_total', { limit: 'streams' })).toBe(1);
      expect(delta(open, refused, 'billing_gateway_graphql_requests_total', { operation_name: 'Watch', outcome: 'rate_limited' })).toBe(1);
      expect(refused.value('billing_gateway_subscription_streams_open')).toBe(1);
    } finally {
      stream.stop();
    }
    await until(() => app.events.stats().streams === 0, 'the stream to close');
    expect((await scrapeApp()).value('billing_gateway_subscription_streams_open')).toBe(0);
  });

  it("counts a stream's payloads by outcome, and their errors by code", async () => {
    const local = app.localStripe!;
    const sdk = new Stripe(local.secretKey, { ...local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
    const accepted = app.webhooks.stats().accepted;
    const customer = await sdk.customers.create({ name: 'Short-lived' });
    // Its creation delivered before the stream opens, so that the stream hears only what follows.
    await until(() => app.webhooks.stats().accepted === accepted + 1, 'the creation to be delivered');
    const before = await scrapeApp();
    const stream = await readRaw(app.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${app.demo!.adminKey}` },
      body: JSON.stringify({ query: `subscription Gone { customerUpdated(customerId: "${customer.id}") { id name } }` }),
    });
    let payloads: ReturnType<typeof payloadsOf> = [];
    try {
      expect(stream.response.status).toBe(200);
      await until(() => app.events.stats().streams === 1, 'the stream to open');
      // One change the stream reads as it is now, then a deletion: nothing left to read, a NOT_FOUND payload.
      await sdk.customers.update(customer.id, { name: 'Short-lived, renamed' });
      await until(() => payloadsOf(stream.text()).length === 1, 'the rename on the stream');
      await sdk.customers.del(customer.id);
      await until(() => payloadsOf(stream.text()).length === 2, 'the deletion on the stream');
      payloads = payloadsOf(stream.text());
    } finally {
      stream.stop();
    }
    await until(() => app.events.stats().streams === 0, 'the stream to close');
    expect(payloads[0]?.body).toMatchObject({ data: { customerUpdated: { id: customer.id, name: 'Short-lived, renamed' } } });
    expect(payloads[0]?.body['errors']).toBeUndefined();
    expect(payloads[1]?.body['errors']?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', deleted: true });
    const after = await scrapeApp();
    const gone = { operation_name: 'Gone', operation_type: 'subscription' };
    expect(delta(before, after, 'billing_gateway_subscription_events_total', { ...gone, outcome: 'ok' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_subscription_events_total', { ...gone, outcome: 'client_error' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_subscription_events_total')).toBe(2);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'NOT_FOUND', limit: '' })).toBe(1);
    // The stream itself is one request, answered ok when it opened.
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { ...gone, outcome: 'ok' })).toBe(1);
  });

  it('carries no object id, no secret and no unbounded value in any label', async () => {
    const s = await scrapeApp();
    const values = s.labelValues();
    expect(values.length).toBeGreaterThan(50);
    for (const value of values) {
      for (const part of value.split(/[\s/]+/)) expect(OBJECT_ID.test(part), `label value ${value}`).toBe(false);
      expect(value).not.toMatch(/cus_|in_|evt_|req_/);
    }
    const text = await (await fetch(app.metricsUrl!, { headers: { authorization: `Bearer ${METRICS_KEY}` } })).text();
    for (const secret of [METRICS_KEY, app.demo!.adminKey, app.demo!.customerToken, app.demo!.jwtSecret!, app.localStripe!.secretKey]) {
      expect(text).not.toContain(secret);
    }
    expect(s.labelSets('billing_gateway_stripe_calls_total').every((set) => /^endpoint=(GET|POST|DELETE) \/v1\/[a-z_/{}]+,method=(GET|POST|DELETE),status=(\d{3}|error)$/.test(set))).toBe(true);
  });
});

describe("the account's budget, the caller's Stripe-call budget, and the cap on operation names", () => {
  let b: App;
  const scrapeB = () => scrape(b.metricsUrl!);
  beforeAll(async () => {
    // One read a second and a one-second deadline: a request's second read cannot have a token in time. No key.
    b = await startApp(
      loadGatewayConfig({
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'silent',
        CACHE: 'off',
        RATE_LIMIT_PER_MINUTE: '0',
        STRIPE_READS_PER_SECOND: '1',
        REQUEST_TIMEOUT_MS: '1000',
        CALLER_STRIPE_CALLS_PER_MINUTE: '5',
      }),
    );
  });
  afterAll(() => b?.stop());

  it('counts what the budgets refused: by kind (never sent to Stripe) and by limit', async () => {
    const local = b.localStripe!;
    const before = await scrapeB();
    const logged = local.requests.length;
    const pricey = await gql(b, { query: 'query Pricey { customers(first: 10) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }' }, b.demo!.adminKey);
    expect(pricey.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'callerStripeCalls' });
    const starved = await gql(b, { query: 'query Starved { customers(first: 4) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }' }, b.demo!.adminKey);
    const after = await scrapeB();
    const made = local.requests.slice(logged);

    const budgetErrors = (starved.errors ?? []).filter((e) => e.extensions?.['limit'] === 'stripeBudget');
    expect(budgetErrors.length, JSON.stringify(starved.errors)).toBeGreaterThanOrEqual(1);
    expect(budgetErrors.every((e) => e.extensions?.['code'] === 'RATE_LIMITED' && e.extensions?.['kind'] === 'read')).toBe(true);
    // Each refused request is one the estimate counted and Stripe never got.
    const refused = delta(before, after, 'billing_gateway_stripe_budget_refusals_total', { kind: 'read' });
    expect(refused).toBe(5 - made.length);
    expect(refused).toBeGreaterThanOrEqual(budgetErrors.length);
    expect(delta(before, after, 'billing_gateway_stripe_budget_refusals_total')).toBe(refused);
    expect(delta(before, after, 'billing_gateway_stripe_calls_total')).toBe(made.length);
    expect(delta(before, after, 'billing_gateway_graphql_errors_total', { code: 'RATE_LIMITED', limit: 'stripeBudget' })).toBe(budgetErrors.length);
    expect(delta(before, after, 'billing_gateway_rate_limit_refusals_total', { limit: 'stripeBudget' })).toBe(budgetErrors.length);
    expect(delta(before, after, 'billing_gateway_rate_limit_refusals_total', { limit: 'callerStripeCalls' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { operation_name: 'Pricey', outcome: 'rate_limited' })).toBe(1);
    expect(delta(before, after, 'billing_gateway_graphql_requests_total', { operation_name: 'Starved', outcome: 'rate_limited' })).toBe(1);
  });

  it('labels at most 100 operation names; later ones are other', async () => {
    const before = await scrapeB();
    const known = new Set(before.find('billing_gateway_graphql_requests_total').map((s) => s.labels['operation_name']));
    expect(known).toEqual(new Set(['Pricey', 'Starved']));
    for (let i = 0; i < 100; i++) {
      const answer = await gql(b, { query: `query Op${i} { viewer { role } }` }, b.demo!.adminKey);
      expect(answer.errors).toBeUndefined();
    }
    const after = await scrapeB();
    const names = new Set(after.find('billing_gateway_graphql_requests_total').map((s) => s.labels['operation_name']));
    expect(names.size).toBe(101);
    expect(names.has('Op97')).toBe(true);
    expect(names.has('Op98')).toBe(false);
    expect(after.value('billing_gateway_graphql_requests_total', { operation_name: 'other', outcome: 'ok' })).toBe(2);
  });

  it('closes its listener on stop', async () => {
    await b.stop();
    await expect(fetch(b.metricsUrl!)).rejects.toThrow();
  });
});

describe('without METRICS_PORT', () => {
  it('has no metrics URL, no banner line, and loads no prom-client', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ loaded: string[]; metricsUrl: string | null; banner: string }>((resolve, reject) => {
        const script = `
          const { createRequire } = await import('node:module');
          const { startApp, banner } = await import('./src/app.ts');
          const { loadGatewayConfig } = await import('./src/config.ts');
          const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', ...${JSON.stringify(env)} }));
          const loaded = Object.keys(createRequire(process.cwd() + '/').cache).filter((p) => /node_modules[\\\\/]prom-client[\\\\/]/.test(p));
          const text = banner(app);
          await app.stop();
          console.log(JSON.stringify({ loaded, metricsUrl: app.metricsUrl ?? null, banner: text }));`;
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
          if (error !== null) reject(new Error(`${error.message}\n${stderr}`));
          else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
        });
      });
    const [off, on] = await Promise.all([run({}), run({ METRICS_PORT: '0' })]);
    expect(off.metricsUrl).toBeNull();
    expect(off.banner).not.toContain('Metrics:');
    expect(off.loaded).toEqual([]);
    // The same probe sees it when metrics are on (so the probe can tell).
    expect(on.metricsUrl).toMatch(/\/metrics$/);
    expect(on.loaded.length).toBeGreaterThan(0);
  }, 90_000);
});
