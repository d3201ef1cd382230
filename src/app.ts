/**
 * `startApp(config)`: the whole gateway, listening — what `npm start` runs, and what tests start in-process.
 *
 * Demo mode (no Stripe configured): the local Stripe runs in this process on a free port with its demo seed; an
 * admin key and a JWT secret are generated unless configured; a 24-hour token for a demo customer is signed; and
 * GraphiQL opens with the example operations, their ids filled in, and the admin header pre-filled; and `/demo`
 * serves the demo billing page, whose sign-in mints one-hour tokens for a few demo customers (`src/demo/`); and the
 * local Stripe forwards every event to the gateway's own `/webhooks/stripe`, signed with the gateway's secret.
 * Otherwise the gateway talks to the configured Stripe (`STRIPE_SECRET_KEY`, `STRIPE_API_BASE`), and nothing
 * secret is ever printed or written into a page.
 */
import type Stripe from 'stripe';
import { createAuthenticator } from './auth/authenticate.js';
import { createSharedCache, type SharedCache } from './cache/index.js';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps, PortalSettings } from './graphql/context.js';
import { CursorCodec } from './graphql/connections.js';
import { demoSetup, randomSecret, type DemoCredentials } from './demo/credentials.js';
import { DEMO_PATH, type DemoRoutes } from './demo/routes.js';
import { demoTabs, placeholderTabs } from './demo/graphiql-tabs.js';
import type { ChangedHook } from './events/changes.js';
import { MemoryEventDedup } from './events/dedup.js';
import { RedisChangeFanout } from './events/redis-fanout.js';
import { EventHub } from './events/hub.js';
import { loadExampleOperations } from './http/examples.js';
import { DEMO, startLocalStripe, type LocalStripe } from './local-stripe/index.js';
import { createLogger, logsAt, type LogSink } from './observability/log.js';
import { loadMetrics } from './observability/metrics-app.js';
import { stripeLogTap } from './observability/stripe-log.js';
import { trustedProxies } from './config-replicas.js';
import { tracingSecrets } from './config-tracing.js';
import { createRedisLink, redisSecrets, type RedisLink } from './redis/connection.js';
import { REQUEST_ID_HEADER, requestIdFor } from './http/request-log.js';
import type { GraphiQLDefaults } from './http/graphiql.js';
import { createHealthRoutes } from './http/health.js';
import { listen, originFor, trackedServer } from './http/listen.js';
import { GRAPHQL_PATH, WEBHOOK_PATH } from './http/paths.js';
import { createGateway } from './http/server.js';
import type { WebhookCounts } from './http/webhook-stats.js';
import { createWebhookRoute } from './http/webhooks.js';
import { createStripeClient } from './stripe/client.js';
import { budgetAccount, StripeBudget } from './stripe/budget.js';
import { StripeHttpTaps } from './stripe/budget-http.js';
import { RedisBudgetStore } from './stripe/budget-redis.js';
import { StripeGateway } from './stripe/gateway.js';
import { Limiter } from './stripe/limiter.js';
import { StripeReachability } from './stripe/reachability.js';
import { createWebhookVerifier } from './stripe/webhooks.js';

/** How long start-up waits for Redis before it goes on without it (the link keeps trying). */
const REDIS_START_WAIT_MS = 2_000;
/** How long a stop waits for requests in flight before it closes their connections. */
const DRAIN_MS = 5_000;
export interface App {
  /** The gateway's origin as a browser reaches it, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** `${url}/graphql`: GraphQL over HTTP, and GraphiQL for browsers when enabled. */
  graphqlUrl: string;
  port: number;
  /** Demo mode's credentials; undefined outside demo mode. */
  demo: DemoCredentials | undefined;
  /** `${url}/demo`: the demo billing page (demo mode only). */
  demoPageUrl: string | undefined;
  /** The embedded local Stripe (demo mode only). */
  localStripe: LocalStripe | undefined;
  /** Where the gateway's Stripe calls go: Stripe itself, `STRIPE_API_BASE`, or the embedded local Stripe. */
  stripeBase: string;
  /** What GraphiQL opens with: a tab per example operation (and, in demo mode, the admin header). */
  graphiql: GraphiQLDefaults;
  config: GatewayConfig;
  /** Accepted Stripe changes and the GraphQL subscriptions that hear them. */
  events: EventHub;
  /** `POST /webhooks/stripe`: where Stripe delivers, and what became of the deliveries so far. */
  webhooks: AppWebhooks;
  /** The shared cache of Stripe reads (`src/cache/`); undefined when it is off (`config.replicas.cache.mode`). */
  cache: SharedCache | undefined;
  /** The one link to Redis every shared part uses (`REDIS_URL`); undefined without it (everything in memory). */
  redis: RedisLink | undefined;
  /** `http://HOST:port/metrics`: Prometheus's scrape, on its own listener (`METRICS_PORT`); undefined without it. */
  metricsUrl: string | undefined;
  /**
   * Ends every subscription stream, stops accepting, lets requests in flight finish (up to 5 s), closes every
   * connection, the metrics listener and the Redis link, stops the local Stripe. `/ready` answers 503 from its first
   * moment.
   */
  stop(): Promise<void>;
  /**
   * What SIGTERM does (`src/main.ts`): `/ready` answers 503 at once, while everything else is still served for
   * `DRAIN_DELAY_SECONDS` (with `Connection: close`, so that callers reconnect, through their load balancer, to
   * another replica); then `stop()`.
   */
  drain(): Promise<void>;
}

export interface AppWebhooks {
  /** `${url}/webhooks/stripe` */
  url: string;
  /**
   * Where the verifying secrets come from: `STRIPE_WEBHOOK_SECRET`; in demo mode without it, the embedded local
   * Stripe's (generated); `none`: the route answers 503.
   */
  secrets: 'configured' | 'demo' | 'none';
  /** Deliveries counted by outcome (accepted, duplicate, each refusal…). */
  stats(): WebhookCounts;
}

/** What `startApp` takes beside the configuration (tests, and the next issues' hooks). */
export interface StartOptions {
  /** Where log lines go (default: stdout below `warn`, stderr from `warn` up). */
  logSink?: LogSink;
  /** Run on every accepted webhook change before the delivery is answered (after the app's own, none today). */
  changedHooks?: readonly ChangedHook[];
}

interface Upstream {
  client: Stripe;
  /** The key the client uses; the cursor key is derived from it. */
  secretKey: string;
  base: string;
  local: LocalStripe | undefined;
}

/**
 * The Stripe client, behind the account's budget (`STRIPE_*_PER_SECOND`; in memory, or in Redis shared by every
 * replica), named by a hash of the key it uses.
 */
async function connectStripe(
  config: GatewayConfig,
  budgetFor: (secretKey: string) => StripeBudget,
  taps: StripeHttpTaps,
): Promise<Upstream> {
  if (config.stripe !== undefined) {
    const base = config.stripe.apiBase;
    return {
      client: createStripeClient({ secretKey: config.stripe.secretKey, apiBase: base, budget: budgetFor(config.stripe.secretKey), taps }),
      secretKey: config.stripe.secretKey,
      base: base !== undefined ? base.origin : 'https://api.stripe.com',
      local: undefined,
    };
  }
  const local = await startLocalStripe({ port: 0, seed: 'demo' });
  return {
    client: createStripeClient({ secretKey: local.secretKey, apiBase: new URL(local.url), budget: budgetFor(local.secretKey), taps }),
    secretKey: local.secretKey,
    base: local.url,
    local,
  };
}

export { banner } from './banner.js';
export { DEMO_PAGE_TOKEN_SECONDS, DEMO_TOKEN_SECONDS, signDemoCustomerToken, type DemoCredentials } from './demo/credentials.js';
export { serverOptions } from './http/listen.js';

export async function startApp(config: GatewayConfig, options: StartOptions = {}): Promise<App> {
  const operations = await loadExampleOperations();
  let budget: StripeBudget | undefined;
  // Every HTTP request to Stripe passes these (metrics and traces add theirs below).
  const stripeTaps = new StripeHttpTaps();
  // Prometheus (METRICS_PORT): prom-client loaded only then; its tap counts every HTTP request to Stripe.
  const metrics = config.observability.metrics !== undefined ? await loadMetrics() : undefined;
  if (metrics !== undefined) stripeTaps.add(metrics.stripeTap);
  const upstream = await connectStripe(
    config,
    (secretKey) => {
      budget = new StripeBudget(config.replicas.stripeBudget, budgetAccount(secretKey));
      return budget;
    },
    stripeTaps,
  );
  // Requests are tracked (a stop waits for them; a drain closes their connections) and handed to the gateway once
  // it is built; it needs the bound port (the demo return URL), so the socket is open a moment before.
  const http = trackedServer(config.http);
  const server = http.server;
  // Not ready once a stop has begun.
  let draining = false;
  // What the stop (or a failed start) closes after the server, last opened first.
  const resources: Array<() => Promise<void>> = [];
  const closeResources = async () => {
    for (const close of resources.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const port = await listen(server, config.port, config.host);
    const url = originFor(config.host, port);

    // Demo mode fills in what a real deployment configures.
    let demo: DemoCredentials | undefined;
    let demoRoutes: DemoRoutes | undefined;
    let apiKeys = config.apiKeys;
    let jwt = config.jwt;
    let portal: PortalSettings = {
      defaultReturnUrl: config.portalReturnUrl,
      allowedReturnUrlOrigins: config.allowedReturnUrlOrigins,
      configuration: config.portalConfigurationId,
      onBehalfOf: config.portalOnBehalfOf,
    };
    if (config.demo && upstream.local !== undefined) {
      const setup = await demoSetup({ url, store: upstream.local.store, customerId: DEMO.customer, apiKeys, jwt, portal });
      ({ apiKeys, jwt, portal } = setup);
      demo = setup.credentials;
      demoRoutes = setup.routes;
    }

    const graphiqlDefaults: GraphiQLDefaults =
      demo !== undefined && upstream.local !== undefined
        ? { tabs: demoTabs(operations, upstream.local), headers: { Authorization: `Bearer ${demo.adminKey}` } }
        : { tabs: placeholderTabs(operations) };

    // Demo mode without STRIPE_WEBHOOK_SECRET: a secret of its own, which the embedded local Stripe signs with.
    const webhookSecrets =
      config.webhooks.secrets.length > 0 || upstream.local === undefined ? config.webhooks.secrets : [`whsec_${randomSecret(24)}`];
    const events = new EventHub({
      retainCount: config.live.retainCount,
      retainMs: config.live.retainSeconds * 1000,
      maxPending: config.live.maxPending,
      maxStreams: config.live.maxStreams,
      maxStreamsPerCaller: config.live.maxStreamsPerCaller,
    });
    const limiter = new Limiter(config.stripeMaxInFlight);
    const deps: GatewayDeps = {
      events,
      stripe: new StripeGateway(upstream.client, limiter),
      authenticate: createAuthenticator({ apiKeys, jwt }),
      portal,
      cursors: new CursorCodec(upstream.secretKey),
      requestTimeoutMs: config.requestTimeoutMs,
      customerActions: config.customerActions,
    };
    // Structured logs; whatever secret this process holds is redacted from every line.
    const logger = createLogger({
      level: config.logLevel,
      format: config.observability.logFormat,
      ...(options.logSink !== undefined ? { sink: options.logSink } : {}),
      secrets: [
        ...apiKeys,
        ...(jwt.secret !== undefined ? [jwt.secret] : []),
        ...(config.stripe !== undefined ? [config.stripe.secretKey] : []),
        ...webhookSecrets,
        ...redisSecrets(config.replicas.redisUrl),
        ...(config.observability.metrics?.key !== undefined ? [config.observability.metrics.key] : []),
        ...tracingSecrets(config.observability.tracing),
      ],
    });
    // Stripe's requests in the log: each at debug, and those that got no answer at warn.
    if (logsAt(config.logLevel, 'warn')) stripeTaps.add(stripeLogTap(logger));
    // OpenTelemetry (OTEL_*): imported only when configured, so that a gateway without tracing loads none of it.
    // Spans of requests, operations, resolvers and every Stripe HTTP request; flushed after the server has closed.
    const traces = config.observability.tracing;
    const tracing = traces !== undefined ? (await import('./observability/tracing.js')).startTracing(traces, { logger, route: GRAPHQL_PATH }) : undefined;
    if (tracing !== undefined) {
      stripeTaps.add(tracing.stripeTap);
      resources.push(() => tracing.stop());
    }
    // One link to Redis for every part that shares state with the other replicas (REDIS_URL). Start-up waits a
    // moment for it, so that the first requests already share; a Redis that is down does not stop the start: the
    // link reconnects by itself, and every part falls back while it is down.
    const redis = config.replicas.redisUrl !== undefined ? createRedisLink({ url: config.replicas.redisUrl, logger }) : undefined;
    if (redis !== undefined) {
      resources.push(() => redis.close());
      // The Stripe budget, shared by every replica from now on (closed before the link).
      budget?.useStore(new RedisBudgetStore(redis));
      resources.push(async () => budget?.close());
      await redis.ready(REDIS_START_WAIT_MS);
    }
    // The shared cache of Stripe reads, below the per-request loaders: kept fresh by the webhook's events (its hook
    // runs before the delivery is answered) and by the gateway's own writes; off without a webhook secret unless
    // CACHE_TTL_SECONDS opts in; in Redis with REDIS_URL, else in memory.
    const cache = createSharedCache({
      settings: config.replicas.cache,
      link: redis,
      secretKey: upstream.secretKey,
      requestTimeoutMs: config.requestTimeoutMs,
      logger,
    });
    if (cache !== undefined) {
      deps.stripe = deps.stripe.withCache(cache);
      resources.push(async () => cache.close());
    }
    // With Redis, an accepted change is handed to every replica through a stream that each one reads into its hub.
    const fanout = redis !== undefined ? new RedisChangeFanout({ link: redis, logger }) : undefined;
    if (fanout !== undefined) {
      fanout.start((change) => events.publish(change));
      resources.push(() => fanout.stop());
    }
    const webhooks = createWebhookRoute({
      verifier:
        webhookSecrets.length > 0 ? createWebhookVerifier({ secrets: webhookSecrets, toleranceSeconds: config.webhooks.toleranceSeconds }) : undefined,
      dedup: new MemoryEventDedup(),
      fanout,
      // The cache's invalidation first: once the delivery is answered, no read may return what the event replaced.
      hooks: [...(cache !== undefined && config.replicas.cache.mode === 'events' ? [cache.changedHook] : []), ...(options.changedHooks ?? [])],
      events,
      logger,
    });
    // Stripe reachable as last seen: every request the SDK sends tells it, and `/ready` asks Stripe itself while not.
    const stripeReachability = new StripeReachability({ base: upstream.base });
    stripeTaps.add(stripeReachability);
    const health = createHealthRoutes({
      redisUp: redis !== undefined ? () => redis.up : undefined,
      draining: () => draining,
      stripe: () => stripeReachability.state(),
      checkStripe: (waitMs) => stripeReachability.check(waitMs),
    });
    const yoga = createGateway(
      {
        graphiql: config.graphiql,
        introspection: config.graphiql,
        corsOrigins: config.corsOrigins,
        graphiqlDefaults,
        trustedDocuments: config.trustedDocuments,
        limits: config.limits,
        hideSuggestions: config.production,
        rateLimitPerMinute: config.rateLimitPerMinute,
        callerStripeCallsPerMinute: config.replicas.callerStripeCallsPerMinute,
        redis,
        trustedProxies: config.replicas.trustProxy.length > 0 ? trustedProxies(config.replicas.trustProxy) : undefined,
        logger,
        heartbeatMs: config.live.heartbeatMs,
        observers: [...(tracing?.plugins ?? []), ...(metrics !== undefined ? [metrics.plugin] : [])],
      },
      deps,
    );
    // The metrics listener, on HOST:METRICS_PORT (never the public port); closed once the server has drained.
    let metricsUrl: string | undefined;
    if (metrics !== undefined && config.observability.metrics !== undefined) {
      metrics.watch({ limiter, cache, webhooks: webhooks.stats, events });
      const listener = await metrics.listen(config.observability.metrics, config.host, logger);
      resources.push(() => listener.close());
      metricsUrl = listener.url;
    }

    const pages = demoRoutes;
    http.serve((request, response) => {
      const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
      // Webhooks before Yoga: verification needs the raw bytes, exactly as Stripe signed them.
      if (path === WEBHOOK_PATH) void webhooks.handle(request, response);
      else if (health.handles(path)) void health.handle(request, response);
      else if (pages !== undefined && pages.handles(path)) {
        // Every response carries a request id, the demo pages' too.
        response.setHeader(REQUEST_ID_HEADER, requestIdFor(request.headers[REQUEST_ID_HEADER]));
        void pages.handle(request, response);
      } else void yoga(request, response);
    });

    // Demo mode: the embedded local Stripe delivers every event to our own endpoint, signed with our secret, as
    // `stripe listen --forward-to` would.
    if (upstream.local !== undefined) upstream.local.forwardWebhooks({ url: `${url}${WEBHOOK_PATH}`, secret: webhookSecrets[0] });

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        // Not ready from now on: a load balancer stops sending callers here.
        draining = true;
        // Deliveries first: none may arrive at a server that is draining.
        upstream.local?.webhooks.stopForwarding();
        // Then subscription streams: each ends with a "stopping" payload, so that none holds the drain below.
        events.close();
        await http.close(DRAIN_MS);
        await closeResources();
        budget?.close();
        await upstream.local?.stop();
      })());
    let drained: Promise<void> | undefined;
    const drain = (): Promise<void> =>
      (drained ??= (async () => {
        draining = true;
        if (stopping === undefined && config.observability.drainDelayMs > 0) {
          // Every answer closes its connection meanwhile, so that callers reconnect through their load balancer.
          http.closeAfterAnswer();
          await new Promise((resolve) => setTimeout(resolve, config.observability.drainDelayMs));
        }
        await stop();
      })());

    return {
      url,
      graphqlUrl: `${url}${GRAPHQL_PATH}`,
      port,
      demo,
      demoPageUrl: demoRoutes !== undefined ? `${url}${DEMO_PATH}` : undefined,
      localStripe: upstream.local,
      stripeBase: upstream.base,
      graphiql: graphiqlDefaults,
      config,
      events,
      webhooks: {
        url: `${url}${WEBHOOK_PATH}`,
        secrets: config.webhooks.secrets.length > 0 ? 'configured' : webhookSecrets.length > 0 ? 'demo' : 'none',
        stats: webhooks.stats,
      },
      redis,
      cache,
      metricsUrl,
      stop,
      drain,
    };
  } catch (error) {
    server.close();
    await closeResources();
    await upstream.local?.stop();
    throw error;
  }
}
