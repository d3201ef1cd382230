/**
 * `loadLocalStripeConfig(env)`: the local Stripe's only reader of `process.env` (its own, not the gateway's),
 * tested with env objects. A bad configuration throws one `LocalStripeConfigError` listing every problem.
 */
import { describe, expect, it } from 'vitest';
import { loadLocalStripeConfig, LocalStripeConfigError } from '../../src/local-stripe/config.js';
import { configProblems } from '../support/config.js';

type Env = Record<string, string | undefined>;

/** The problems `loadLocalStripeConfig(env)` reports (fails the test if it does not throw). */
function problems(env: Env): readonly string[] {
  return configProblems(loadLocalStripeConfig, LocalStripeConfigError, env);
}

describe('loadLocalStripeConfig', () => {
  it('defaults to 127.0.0.1:12111 (stripe-mock’s port)', () => {
    expect(loadLocalStripeConfig({})).toEqual({ host: '127.0.0.1', port: 12111 });
    expect(loadLocalStripeConfig({ LOCAL_STRIPE_PORT: '', LOCAL_STRIPE_HOST: '' })).toEqual({ host: '127.0.0.1', port: 12111 });
  });

  it('reads LOCAL_STRIPE_PORT and LOCAL_STRIPE_HOST, and ignores the gateway’s variables', () => {
    expect(loadLocalStripeConfig({ LOCAL_STRIPE_PORT: '0', LOCAL_STRIPE_HOST: '0.0.0.0', PORT: 'nonsense', STRIPE_SECRET_KEY: 'x' })).toEqual({
      host: '0.0.0.0',
      port: 0,
    });
    expect(loadLocalStripeConfig({ LOCAL_STRIPE_PORT: '65535' }).port).toBe(65535);
  });

  it.each(['-1', '70000', 'abc', '1.5', '1e3', '0x10'])('refuses LOCAL_STRIPE_PORT=%s', (value) => {
    expect(problems({ LOCAL_STRIPE_PORT: value })).toEqual([
      `LOCAL_STRIPE_PORT must be a port number between 0 and 65535, got '${value}'`,
    ]);
  });

  it('reads process.env only when no env is passed, and never writes it', () => {
    const before = { ...process.env };
    loadLocalStripeConfig({});
    expect(process.env).toEqual(before);
  });

  it('reads LOCAL_STRIPE_WEBHOOK_URL and LOCAL_STRIPE_WEBHOOK_SECRET, refusing bad ones without quoting the secret', () => {
    expect(loadLocalStripeConfig({ LOCAL_STRIPE_WEBHOOK_URL: 'http://127.0.0.1:4000/webhooks/stripe' }).forwardWebhooks).toEqual({
      url: 'http://127.0.0.1:4000/webhooks/stripe',
    });
    expect(
      loadLocalStripeConfig({ LOCAL_STRIPE_WEBHOOK_URL: 'https://example.com/hook', LOCAL_STRIPE_WEBHOOK_SECRET: 'whsec_abc' }).forwardWebhooks,
    ).toEqual({ url: 'https://example.com/hook', secret: 'whsec_abc' });
    expect(problems({ LOCAL_STRIPE_WEBHOOK_URL: 'example.com', LOCAL_STRIPE_WEBHOOK_SECRET: 'secret123' })).toEqual([
      "LOCAL_STRIPE_WEBHOOK_URL must be an http or https URL, got 'example.com'",
      'LOCAL_STRIPE_WEBHOOK_SECRET must be a webhook signing secret starting with whsec_',
    ]);
    expect(problems({ LOCAL_STRIPE_WEBHOOK_SECRET: 'whsec_abc' })).toEqual([
      'LOCAL_STRIPE_WEBHOOK_SECRET is set but LOCAL_STRIPE_WEBHOOK_URL is not: set the URL to forward events to',
    ]);
  });
});
