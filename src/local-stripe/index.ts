/**
 * The local Stripe, in-process: `startLocalStripe({ port: 0, seed: 'demo' })` starts a stateful server that the
 * official `stripe` SDK talks to unchanged (`new Stripe(key, { host, port, protocol: 'http' })`).
 *
 * Time: each account runs on the server's clock (the system clock unless `clock` is given) plus an offset that only
 * grows. `local.clock.advance(seconds)` (or `POST /_local/clock/advance` with `{ "seconds": n }` / `{ "to": t }`)
 * moves an account forward and processes, in order and each at its own time, everything that falls due: trial ends,
 * renewals (a `subscription_cycle` invoice per period), invoice finalization an hour after creation, payment attempts
 * and the retries of the dunning schedule (`dunning`, default retries 3, 5 and 7 days apart, then `canceled`),
 * scheduled cancellations and the expiry of `incomplete` subscriptions. Objects created afterwards carry the new time.
 *
 * Webhooks: events are delivered, signed, to the endpoints made with `/v1/webhook_endpoints` and, with
 * `forwardWebhooks` (or `local.forwardWebhooks(…)` later), every event to one URL like `stripe listen --forward-to`;
 * `webhooks` sets retries, timeout and faults, `local.webhooks` shows every attempt (`events/deliveries.ts`).
 */
import type { RateLimitRefusals } from './rate-limits.js';
import type { AddressInfo } from 'node:net';
import { IdGenerator } from './ids.js';
import type { FaultOptions } from './faults.js';
import { WebhookDeliveries, type DeliveryAttempt, type ForwardTarget, type WebhookOptions } from './events/deliveries.js';
import type { DeliveryFaults } from './events/delivery-faults.js';
import { routes } from './routes.js';
import { LocalStripeServer, type LoggedRequest, type Accounts } from './server.js';
import { advanceAccount } from './resources/subscription-clock.js';
import { Store, systemClock, type Clock, type DunningSettings } from './store.js';
import { handlePage } from './pages.js';
import { seedDemo, seedEmpty } from './seed.js';

export { API_VERSION, type LoggedRequest } from './server.js';
export type { FaultOptions, FaultRule } from './faults.js';
export type { DeliveryAttempt, ForwardTarget, WebhookOptions } from './events/deliveries.js';
export type { DeliveryFaults } from './events/delivery-faults.js';
export { DEFAULT_DUNNING, manualClock, type Clock, type DunningSettings, Store } from './store.js';
export { DEMO, DEMO_CATALOG } from './seed.js';

export const PLATFORM_ACCOUNT = 'acct_1LocalStripePlatf';

export type SeedOption = 'demo' | 'empty' | ((store: Store) => void);

export interface LocalStripeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** `'demo'` (fixed demo data), `'empty'` (only the default portal configuration), or a function. Default `'empty'`. */
  seed?: SeedOption;
  faults?: FaultOptions;
  /** How long a portal session URL stays valid if not visited. Default 5 minutes. */
  sessionTtlMs?: number;
  /** Accept only these API keys (default: any `sk_test_…` / `rk_test_…`). */
  apiKeys?: readonly string[];
  /** Connected accounts that `Stripe-Account` may name; each has its own, empty state. */
  connectedAccounts?: readonly string[];
  /** Per-account requests per second before 429, every kind together. Default: unlimited. */
  rateLimitPerSecond?: number;
  /**
   * Stripe's separate per-account limits, requests per second: reads (GET), writes (POST, DELETE), searches (which
   * count as reads too); Stripe's test mode allows 25, 25 and 20. Default: unlimited.
   */
  rateLimit?: { readsPerSecond?: number; writesPerSecond?: number; searchesPerSecond?: number };
  /** Requests kept in the log. Default 10,000. */
  requestLogLimit?: number;
  clock?: Clock;
  /** How failed renewal payments are retried (every account). Default `DEFAULT_DUNNING`. */
  dunning?: DunningSettings;
  /** Webhook delivery: retry waits, attempt timeout, reorder/duplicate faults (`events/deliveries.ts`). */
  webhooks?: WebhookOptions;
  /** Forward every event of every account to this URL from the start (like `stripe listen --forward-to`). */
  forwardWebhooks?: ForwardTarget;
}

/** The local Stripe's webhook deliveries, for tests and tools (`/_local/webhooks/…` serves the same over HTTP). */
export interface LocalWebhooks {
  /** Every delivery attempt so far, oldest first (the last 10,000). */
  readonly attempts: readonly DeliveryAttempt[];
  clearAttempts(): void;
  /** Replaces the delivery faults (reorder, duplicate); `undefined` turns them off. */
  setFaults(faults: DeliveryFaults | undefined): void;
  /** Where every event is forwarded, with the secret that signs it; undefined when not forwarding. */
  readonly forwarding: { url: string; secret: string } | undefined;
  stopForwarding(): void;
}

/** An account's clock, moved forward by hand; time never goes back. */
export interface AccountClock {
  /** Unix seconds now on the platform account's clock. */
  now(): number;
  /** Moves the platform account forward by `seconds`, processing what falls due; returns the new now. */
  advance(seconds: number): number;
  /** Moves it forward to `unixSeconds`. */
  advanceTo(unixSeconds: number): number;
}

export interface LocalStripe {
  /** `http://127.0.0.1:PORT` */
  url: string;
  host: string;
  port: number;
  /** A key the server accepts. */
  secretKey: string;
  /** Options for `new Stripe(secretKey, { ...stripeConfig })`. */
  stripeConfig: { host: string; port: number; protocol: 'http' };
  /** Every request that reached `/v1`, oldest first (method, path, params, expand, headers, status). */
  readonly requests: readonly LoggedRequest[];
  clearRequests(): void;
  /** Requests refused by the rate limits (`rateLimit`, `rateLimitPerSecond`) with 429, by kind. */
  readonly rateLimitRefusals: RateLimitRefusals;
  /** Replaces the fault injection settings; `undefined` turns faults off. */
  setFaults(faults: FaultOptions | undefined): void;
  /** The platform account's state, for tests that arrange data directly. */
  readonly store: Store;
  /** The platform account's clock (`/_local/clock` in the control API does the same, for any account). */
  readonly clock: AccountClock;
  /**
   * Forwards every event of every account to `target.url`, signed with `target.secret` (a `whsec_…` is generated when
   * not given), like `stripe listen --forward-to`; replaces an earlier forwarding. Returns the secret.
   */
  forwardWebhooks(target: ForwardTarget): string;
  readonly webhooks: LocalWebhooks;
  /** Throws everything away and seeds again (idempotency keys, the request log and pending deliveries included). */
  reset(): void;
  stop(): Promise<void>;
}

export const DEFAULT_SESSION_TTL_MS = 5 * 60 * 1000;

export async function startLocalStripe(options: LocalStripeOptions = {}): Promise<LocalStripe> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  let baseUrl = '';

  const build = (): { platform: Store; connected: Map<string, Store> } => {
    const platform = new Store(PLATFORM_ACCOUNT, clock, new IdGenerator(), sessionTtlMs);
    if (options.dunning !== undefined) platform.dunning = { ...options.dunning };
    const seed = options.seed ?? 'empty';
    if (seed === 'demo') seedDemo(platform);
    else if (seed === 'empty') seedEmpty(platform);
    else {
      seedEmpty(platform);
      seed(platform);
    }
    platform.journal.baseUrl = () => baseUrl;
    const connected = new Map<string, Store>();
    for (const account of options.connectedAccounts ?? []) {
      const store = new Store(account, clock, new IdGenerator(), sessionTtlMs);
      store.journal.baseUrl = () => baseUrl;
      store.journal.account = account;
      if (options.dunning !== undefined) store.dunning = { ...options.dunning };
      seedEmpty(store);
      connected.set(account, store);
    }
    return { platform, connected };
  };

  let state = build();
  const accounts: Accounts = {
    get platform() {
      return state.platform;
    },
    all() {
      return [state.platform, ...state.connected.values()];
    },
    storeFor(account) {
      if (account === undefined || account === PLATFORM_ACCOUNT) return state.platform;
      return state.connected.get(account);
    },
  };

  const deliveries = new WebhookDeliveries(options.webhooks);
  if (options.forwardWebhooks !== undefined) deliveries.forward(options.forwardWebhooks);
  deliveries.attach(accounts.platform, accounts.all());

  const accountStore = (account: string | undefined): Store => {
    const store = accounts.storeFor(account);
    if (store === undefined) throw new Error(`no account ${account}`);
    return store;
  };

  const server = new LocalStripeServer({
    routes,
    accounts,
    pages: (request) => handlePage(accounts, request, () => baseUrl),
    ...(options.apiKeys !== undefined ? { apiKeys: options.apiKeys } : {}),
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
    ...(options.rateLimitPerSecond !== undefined ? { rateLimitPerSecond: options.rateLimitPerSecond } : {}),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    ...(options.requestLogLimit !== undefined ? { requestLogLimit: options.requestLogLimit } : {}),
    control: {
      reset: () => reset(),
      clock: {
        now: (account) => accountStore(account).nowSeconds(),
        advance: (target, account) => advanceAccount(accountStore(account), target),
      },
      webhooks: deliveries,
    },
    baseUrl: () => baseUrl,
  });

  const reset = (): void => {
    state = build();
    deliveries.attach(accounts.platform, accounts.all());
    server.clearRequests();
    server.clearIdempotency();
    server.rateLimits.reset();
  };

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.server.listen(options.port ?? 0, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: baseUrl,
    host,
    port,
    secretKey: options.apiKeys?.[0] ?? 'sk_test_localstripe',
    stripeConfig: { host, port, protocol: 'http' },
    get requests() {
      return server.requests;
    },
    clearRequests: () => server.clearRequests(),
    get rateLimitRefusals() {
      return server.rateLimits.refusals;
    },
    setFaults: (faults) => server.faults.set(faults),
    get store() {
      return state.platform;
    },
    clock: {
      now: () => state.platform.nowSeconds(),
      advance: (seconds) => advanceAccount(state.platform, { seconds }),
      advanceTo: (to) => advanceAccount(state.platform, { to }),
    },
    forwardWebhooks: (target) => deliveries.forward(target),
    webhooks: {
      get attempts() {
        return deliveries.attempts;
      },
      clearAttempts: () => deliveries.clearAttempts(),
      setFaults: (faults) => deliveries.setFaults(faults),
      get forwarding() {
        return deliveries.forwardingTarget;
      },
      stopForwarding: () => deliveries.stopForwarding(),
    },
    reset,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        deliveries.stop();
        server.server.close((error) => (error ? reject(error) : resolve()));
        server.server.closeAllConnections();
        server.destroySockets();
      }),
  };
}
