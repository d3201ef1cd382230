/**
 * Every request ends within its deadline (`REQUEST_TIMEOUT_MS`), Stripe's retries and the gateway's included: a
 * Stripe that hangs, or rate-limits with a long `Retry-After`, gets UPSTREAM_UNAVAILABLE at the deadline instead of
 * the SDK's 10 s × 3 attempts. Proven by the error itself, which only the deadline raises, and by what reached the
 * local Stripe — never by measuring time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_TIMEOUT_MS, loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { RequestStop } from '../../src/stripe/request-stop.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';

const CUSTOMER = `query($id: ID!) { customer(id: $id) { name } }`;

describe('REQUEST_TIMEOUT_MS', () => {
  it('defaults to 15 s and refuses nonsense', () => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(15_000);
    expect(loadGatewayConfig({}).requestTimeoutMs).toBe(15_000);
    expect(loadGatewayConfig({ REQUEST_TIMEOUT_MS: '2500' }).requestTimeoutMs).toBe(2500);
    expect(() => loadGatewayConfig({ REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/REQUEST_TIMEOUT_MS must be a whole number of at least 100/);
  });
});

describe('a request’s deadline', () => {
  // A gateway per test: what the SDK still does in the background after a request has ended at its deadline (a
  // retry of the hanging call) must not reach another test's local Stripe.
  let h: GatewayHarness;
  beforeEach(async () => {
    // The SDK as in production would take 3 × 5 s here; the deadline is 300 ms.
    h = await startGateway({}, { requestTimeoutMs: 300, stripeTimeoutMs: 5_000, stripeMaxNetworkRetries: 2, rateLimitRetry: { retries: 2, baseDelayMs: 30_000, maxDelayMs: 60_000 } });
  });
  afterEach(() => h.stop());

  it('ends a request whose Stripe call hangs with UPSTREAM_UNAVAILABLE', async () => {
    h.local.setFaults({ rules: [{ kind: 'hang', path: '/v1/customers' }] });
    let res!: Awaited<ReturnType<GatewayHarness['gql']>>;
    const calls = await h.stripeCalls(async () => {
      res = await h.gql(CUSTOMER, { id: DEMO.customer });
    });
    expect(res.data).toEqual({ customer: null });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', deadlineMs: 300 });
    expect(res.errors?.[0]?.message).toMatch(/deadline of 0\.3 s/);
    // The first attempt hangs; the request ends at the deadline, whatever the SDK goes on retrying behind it.
    expect(calls.length).toBeGreaterThanOrEqual(1);
  });

  it('does not sleep through a long Retry-After past it', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', path: '/v1/customers', retryAfterSeconds: 30 }] });
    let res!: Awaited<ReturnType<GatewayHarness['gql']>>;
    const calls = await h.stripeCalls(async () => {
      res = await h.gql(CUSTOMER, { id: DEMO.customer });
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', deadlineMs: 300 });
    expect(calls.map((c) => c.status)).toEqual([429]);
  });

  it('leaves a request that finishes in time alone', async () => {
    const res = await h.gql(CUSTOMER, { id: DEMO.customer });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ customer: { name: 'Ada Lovelace' } });
  });
});

describe('RequestStop', () => {
  it('runs the deadline timer only while calls are in progress, so a finished request holds nothing', () => {
    const stop = new RequestStop(undefined, Date.now() + 60_000);
    expect(stop.armed).toBe(false);
    stop.enter();
    stop.enter();
    expect(stop.armed).toBe(true);
    stop.leave();
    expect(stop.armed).toBe(true);
    stop.leave();
    expect(stop.armed).toBe(false);
    expect(stop.signal?.aborted).toBe(false);
  });

  it('aborts at once when a call starts past the deadline, and when the client goes away', () => {
    const late = new RequestStop(undefined, Date.now() - 1);
    late.enter();
    expect(late.signal?.aborted).toBe(true);
    expect(late.clientGone).toBe(false);
    const client = new AbortController();
    const gone = new RequestStop(client.signal, Date.now() + 60_000);
    gone.enter();
    client.abort(new Error('closed'));
    expect(gone.signal?.aborted).toBe(true);
    expect(gone.clientGone).toBe(true);
    expect(gone.armed).toBe(false);
  });
});
