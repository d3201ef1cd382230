/**
 * Fault injection and rate limiting, observed the way a client meets them: through the real SDK, with its
 * retry rules (retries on 5xx and on `Stripe-Should-Retry: true`, never on a plain 429 or on
 * `Stripe-Should-Retry: false`), and counted at the local Stripe's request log.
 */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultRule } from '../../src/local-stripe/faults.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;
let customerId: string;

beforeAll(async () => {
  h = await startHarness();
  customerId = (await h.stripe.customers.create({ name: 'Faulty' })).id;
});
afterAll(() => h.local.stop());
afterEach(() => h.local.setFaults(undefined));

const attempts = () => h.local.requests.filter((r) => r.path === `/v1/customers/${customerId}`);

describe('injected errors', () => {
  it('a plain 429 is not retried by the SDK and surfaces as StripeRateLimitError', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', count: 1 }] });
    h.local.clearRequests();
    const error = await stripeError(h.client({ maxNetworkRetries: 2 }).customers.retrieve(customerId));
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect([error.statusCode, error.code]).toEqual([429, 'rate_limit']);
    expect(attempts()).toHaveLength(1);
  });

  it('a 429 with Stripe-Should-Retry: true is retried, then succeeds', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', shouldRetry: true, retryAfterSeconds: 1, count: 1 }] });
    h.local.clearRequests();
    const customer = await h.client({ maxNetworkRetries: 2 }).customers.retrieve(customerId);
    expect(customer.id).toBe(customerId);
    expect(attempts().map((r) => r.status)).toEqual([429, 200]);
  });

  it('5xx responses are retried (500, then 503, then success)', async () => {
    h.local.setFaults({
      rules: [
        { kind: 'server_error', status: 500, count: 1 },
        { kind: 'server_error', status: 503, count: 1 },
      ],
    });
    h.local.clearRequests();
    await h.client({ maxNetworkRetries: 2 }).customers.retrieve(customerId);
    expect(attempts().map((r) => r.status)).toEqual([500, 503, 200]);
  });

  it('Stripe-Should-Retry: false stops the SDK retrying a 500', async () => {
    h.local.setFaults({ rules: [{ kind: 'server_error', status: 500, shouldRetry: false, count: 1 }] });
    h.local.clearRequests();
    const error = await stripeError(h.client({ maxNetworkRetries: 2 }).customers.retrieve(customerId));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(attempts()).toHaveLength(1);
  });

  it('a connection reset is a StripeConnectionError, and the retry gets through', async () => {
    h.local.setFaults({ rules: [{ kind: 'reset', count: 5 }] });
    const error = await stripeError(h.client({ maxNetworkRetries: 0 }).customers.retrieve(customerId));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    h.local.setFaults(undefined);
    h.local.setFaults({ rules: [{ kind: 'reset', count: 1 }] });
    h.local.clearRequests();
    await h.client({ maxNetworkRetries: 1 }).customers.retrieve(customerId);
    expect(attempts().map((r) => r.status)).toEqual([0, 200]);
  });

  it('a hang lasts until the client’s timeout', async () => {
    h.local.setFaults({ rules: [{ kind: 'hang', count: 1 }] });
    const error = await stripeError(h.client({ maxNetworkRetries: 0, timeout: 200 }).customers.retrieve(customerId));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(error.message).toMatch(/timed out|timeout/i);
  });

  it('targets only the matching paths and methods', async () => {
    h.local.setFaults({ rules: [{ kind: 'server_error', status: 503, path: '/v1/invoices', shouldRetry: false }] });
    expect((await h.stripe.customers.retrieve(customerId)).id).toBe(customerId);
    h.local.setFaults({ rules: [{ kind: 'server_error', status: 503, path: /^\/v1\/customers\/cus_/, method: 'POST' }] });
    expect((await h.stripe.customers.retrieve(customerId)).id).toBe(customerId);
    expect((await stripeError(h.stripe.customers.update(customerId, { name: 'x' }))).statusCode).toBe(503);
  });

  it('hits a seeded share of requests, the same share on every run', async () => {
    const run = async () => {
      h.local.setFaults({ seed: 7, rules: [{ kind: 'server_error', status: 500, probability: 0.3, shouldRetry: false }] });
      const results = [];
      for (let i = 0; i < 40; i++) {
        results.push(await h.stripe.customers.retrieve(customerId).then(() => 200, (e: Stripe.errors.StripeError) => e.statusCode));
      }
      return results;
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(3);
    expect(failures).toBeLessThan(25);
  });

  it('adds latency to every response', async () => {
    h.local.setFaults({ latencyMs: 120 });
    const started = performance.now();
    await h.stripe.customers.retrieve(customerId);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('can be set from another process through /_local/faults', async () => {
    await fetch(`${h.local.url}/_local/faults`, {
      method: 'PUT',
      body: JSON.stringify({ rules: [{ kind: 'server_error', status: 502, count: 1, shouldRetry: false }] }),
    });
    expect((await stripeError(h.stripe.customers.retrieve(customerId))).statusCode).toBe(502);
    expect((await h.stripe.customers.retrieve(customerId)).id).toBe(customerId);
  });
});

describe('rate limit', () => {
  it('answers 429 rate_limit past the configured requests per second', async () => {
    const limited = await startHarness({ rateLimitPerSecond: 5 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 12 }, () =>
          limited.stripe.customers.list({ limit: 1 }).then(() => 200, (e: Stripe.errors.StripeError) => e.statusCode),
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    } finally {
      await limited.local.stop();
    }
  });
});

describe('command-line fault rules', () => {
  it('parses KIND[:PROBABILITY][:PATH]', () => {
    expect(parseFaultRule('rate_limit:0.1')).toEqual({ kind: 'rate_limit', probability: 0.1 });
    expect(parseFaultRule('rate_limit_retry')).toEqual({ kind: 'rate_limit', shouldRetry: true });
    expect(parseFaultRule('503:0.5:/v1/invoices')).toEqual({ kind: 'server_error', status: 503, probability: 0.5, path: '/v1/invoices' });
    expect(parseFaultRule('hang')).toEqual({ kind: 'hang' });
    expect(() => parseFaultRule('meteor')).toThrow(/unknown fault kind/);
    expect(() => parseFaultRule('reset:2')).toThrow(/between 0 and 1/);
  });
});
