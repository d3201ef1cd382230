/**
 * The one `new Stripe(…)`: built at start-up from configuration, never at import time. Pinned API version,
 * explicit retries and timeout, app info, and the host override for the local Stripe (or stripe-mock); with a
 * `budget`, every HTTP request it sends first takes a token of the account's Stripe budget (`./budget-http.ts`).
 */
import Stripe from 'stripe';
import { BudgetedHttpClient, type StripeHttpTaps } from './budget-http.js';
import type { StripeBudget } from './budget.js';

export interface StripeClientOptions {
  secretKey: string;
  /** A Stripe-compatible API, e.g. `http://127.0.0.1:12111`; undefined for api.stripe.com. */
  apiBase?: URL | undefined;
  /** The SDK's own retries (connection errors, 409, 5xx, `Stripe-Should-Retry: true`). */
  maxNetworkRetries?: number;
  timeoutMs?: number;
  /** The account's Stripe budget; undefined: requests go out as fast as they are made. */
  budget?: StripeBudget | undefined;
  /** Who watches every HTTP request sent (metrics, traces); needs a `budget` (the requests go through its client). */
  taps?: StripeHttpTaps | undefined;
}

export const STRIPE_API_VERSION = '2026-10-28.endive';

export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiBase;
  return new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 10_000,
    telemetry: false,
    appInfo: { name: 'billing-gateway', version: '0.1.0' },
    ...(options.budget !== undefined ? { httpClient: new BudgetedHttpClient(options.budget, options.taps) } : {}),
    ...(base
      ? {
          host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}
