import type { CustomerAction } from './auth/actions.js';
import { count, customerActions, flag, list, origins, port, productionProblems, stripeIdOf, url, overHttp, webhookSecrets, type Env } from './config-values.js';
import { inFlightForBudget, replicaSettings, type ReplicaSettings } from './config-replicas.js';
import { observabilitySettings, type ObservabilitySettings } from './config-observability.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './observability/log.js';

/**
 * The only reader of `process.env` for the gateway. It parses what it needs once, at start-up, and gets a typed
 * object back — or every problem at once, so a misconfigured process stops with one line per problem. (The local
 * Stripe is a program of its own and reads its variables in `src/local-stripe/config.ts`.)
 */

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Abuse limits of documents, variables and request bodies (enforced by `src/http/limits.ts`). */
export interface AbuseLimits {
  /**
   * `MAX_DEPTH`: nesting of fields (`src/http/document-limits.ts`): every field is a level, but a connection's
   * `edges` and an edge's `node` are not, nor are fragments and `__Type.ofType`.
   */
  maxDepth: number;
  /** `MAX_ALIASES`: aliased fields per operation (`__typename` excepted). */
  maxAliases: number;
  /** `MAX_TOKENS`: lexical tokens per document. */
  maxTokens: number;
  /** `MAX_DIRECTIVES`: directives per operation. */
  maxDirectives: number;
  /** `MAX_COST`: see `queryCost` in `src/http/cost.ts`. */
  maxCost: number;
  /** `MAX_BODY_BYTES`: request body size. */
  maxBodyBytes: number;
  /** `MAX_VARIABLE_VALUES`: object entries and list items in all the variables together, counted before coercion. */
  maxVariableValues: number;
  /** `MAX_VARIABLE_DEPTH`: nesting of objects and lists in a variable's value (a scalar is 0). */
  maxVariableDepth: number;
  /** `MAX_VARIABLE_STRING_LENGTH`: characters of any string in the variables, object keys included. */
  maxVariableStringLength: number;
  /** `MAX_STRIPE_CALLS`: the Stripe call budget of one request (see `src/http/stripe-budget.ts`). */
  maxStripeCalls: number;
}

export const DEFAULT_LIMITS: AbuseLimits = {
  // The deepest document the apps send is 6 (a portal session's configuration features); the next issue's
  // `viewer > customer > subscriptions > items > price > product > name` is 7. Fan-out is the cost limit's.
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 1_000,
  maxDirectives: 50,
  maxCost: 5_000,
  maxBodyBytes: 102_400,
  // A page of 99 customers with their invoices. Stripe allows an account 100 calls a second live, 25 in test mode.
  maxStripeCalls: 100,
  // The apps' operations send at most a few dozen values, 5 levels deep (a portal flow's items), and strings of a
  // few hundred characters (URLs); Stripe's own ids and keys are at most 255.
  maxVariableValues: 1_000,
  maxVariableDepth: 10,
  maxVariableStringLength: 10_000,
};

/** Settings of the `node:http` server (`src/app.ts`): how long a client may take, and how many may be connected. */
export interface HttpServerLimits {
  /** `HTTP_HEADERS_TIMEOUT_MS`: a request's headers must have arrived within this (a slowloris client is closed). */
  headersTimeoutMs: number;
  /** `HTTP_REQUEST_TIMEOUT_MS`: a whole request, body included, must have arrived within this. */
  requestTimeoutMs: number;
  /** `HTTP_KEEP_ALIVE_TIMEOUT_MS`: an idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** `MAX_CONNECTIONS`: connections open at once; further ones are closed as they arrive. */
  maxConnections: number;
}

export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
};

/** `REQUEST_TIMEOUT_MS`: a request's deadline for its Stripe calls, the SDK's retries and the gateway's included. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

/**
 * Stripe calls in flight at once, process-wide, for a `StripeGateway` built without a cap of its own (tests, tools).
 * The gateway's configured default (`STRIPE_MAX_IN_FLIGHT` unset) follows from the Stripe budget instead:
 * `inFlightForBudget` in `./config-replicas.ts`, enough for the budget at about half a second per call.
 */
export const DEFAULT_STRIPE_MAX_IN_FLIGHT = 16;

/** GraphQL subscriptions (`src/events/hub.ts`, `src/http/sse.ts`): streams, their queues, replay, heartbeat. */
export interface LiveSettings {
  /** `MAX_STREAMS_PER_CALLER`: subscription streams one caller (an API key, a customer) may have open. */
  maxStreamsPerCaller: number;
  /** `MAX_STREAMS`: subscription streams open in all, process-wide. */
  maxStreams: number;
  /** `STREAM_MAX_PENDING`: objects one stream may have waiting (its consumer is slow) before it is ended. */
  maxPending: number;
  /** `EVENT_RETENTION_COUNT`: accepted changes kept for `Last-Event-ID` replay. */
  retainCount: number;
  /** `EVENT_RETENTION_SECONDS`: how long an accepted change is kept for replay. */
  retainSeconds: number;
  /** `SSE_HEARTBEAT_MS`: a comment line on every idle stream this often, so that proxies keep it open. */
  heartbeatMs: number;
}

export const DEFAULT_LIVE_SETTINGS: LiveSettings = {
  maxStreamsPerCaller: 5,
  maxStreams: 1_000,
  maxPending: 1_000,
  retainCount: 1_000,
  retainSeconds: 300,
  heartbeatMs: 15_000,
};

export type ViewerRole = 'ADMIN' | 'CUSTOMER';

/** Stripe's own signature tolerance (`Stripe.webhooks.DEFAULT_TOLERANCE`): how far a delivery's `t=` may be off ours. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** How `POST /webhooks/stripe` verifies deliveries (`src/stripe/webhooks.ts`). */
export interface WebhookConfig {
  /**
   * `STRIPE_WEBHOOK_SECRET`: the endpoint signing secrets (`whsec_…`, comma-separated), each tried in turn, so that
   * a rotated secret and its successor both verify while Stripe signs with both. Empty: the route answers 503
   * (demo mode: the embedded local Stripe's own secret is used).
   */
  secrets: string[];
  /**
   * `STRIPE_WEBHOOK_TOLERANCE_SECONDS`: a delivery signed longer ago than this, or further in the future, is
   * refused (a replay, or a clock that is off). Default 300, Stripe's.
   */
  toleranceSeconds: number;
}

export interface GatewayConfig {
  host: string;
  port: number;
  /** Neither `STRIPE_SECRET_KEY` nor `STRIPE_API_BASE`: run on the embedded local Stripe with demo data. */
  demo: boolean;
  /** Undefined in demo mode (the embedded local Stripe supplies key and base). */
  stripe: StripeConfig | undefined;
  /** `GATEWAY_API_KEYS`; empty in demo mode unless set (then one is generated). */
  apiKeys: string[];
  jwt: JwtConfig;
  /** `PORTAL_RETURN_URL`; in demo mode the gateway's own origin when unset. */
  portalReturnUrl: string | undefined;
  /** `ALLOWED_RETURN_URL_ORIGINS`; defaults to the origin of `portalReturnUrl`. */
  allowedReturnUrlOrigins: string[];
  /**
   * `PORTAL_CONFIGURATION_ID` (`bpc_…`): the portal configuration of customers' sessions (they cannot choose one),
   * and of admins' when they name none. Unset: Stripe's default configuration.
   */
  portalConfigurationId: string | undefined;
  /** `PORTAL_ON_BEHALF_OF` (`acct_…`): the connected account sessions act for, likewise. Unset: none. */
  portalOnBehalfOf: string | undefined;
  /** `CORS_ORIGINS`: browser origins allowed to call the gateway (none: same-origin only). */
  corsOrigins: string[];
  /**
   * `CUSTOMER_ACTIONS`: the mutations customers may use on their own objects (e.g. `cancelSubscription,payInvoice`;
   * the names in `src/auth/actions.ts`). Default none: only admins act.
   */
  customerActions: CustomerAction[];
  production: boolean;
  /** GraphiQL and introspection: off in production unless `GRAPHIQL=true`. */
  graphiql: boolean;
  /**
   * `TRUSTED_DOCUMENTS`: customers may run only the documents of the manifest (`schema/persisted-documents.json`),
   * by id; admins may still send any document. Default on in production. Ids work either way.
   */
  trustedDocuments: boolean;
  /**
   * Abuse limits (`MAX_DEPTH` 10, `MAX_ALIASES` 15, `MAX_TOKENS` 1000, `MAX_DIRECTIVES` 50, `MAX_COST` 5000,
   * `MAX_BODY_BYTES` 102400, `MAX_STRIPE_CALLS` 100, `MAX_VARIABLE_VALUES` 1000, `MAX_VARIABLE_DEPTH` 10,
   * `MAX_VARIABLE_STRING_LENGTH` 10000).
   */
  limits: AbuseLimits;
  /**
   * The HTTP server's timeouts and connection cap (`HTTP_HEADERS_TIMEOUT_MS` 10000, `HTTP_REQUEST_TIMEOUT_MS` 30000,
   * `HTTP_KEEP_ALIVE_TIMEOUT_MS` 5000, `MAX_CONNECTIONS` 1000).
   */
  http: HttpServerLimits;
  /**
   * `RATE_LIMIT_PER_MINUTE`: requests per caller per minute (a window of a minute from the caller's first request,
   * rate-limiter-flexible; shared through Redis with `REDIS_URL`); 0 turns it off. Default 600.
   */
  rateLimitPerMinute: number;
  /**
   * `LOG_LEVEL`, pino's levels: `trace`, `debug` (also every Stripe HTTP request), `info` (a line per request and
   * webhook delivery, and what is below), `warn` (degraded service: Redis away, …), `error` (masked errors only),
   * `fatal`, `silent`. Default `info`.
   */
  logLevel: LogLevel;
  /**
   * `STRIPE_MAX_IN_FLIGHT`: Stripe calls in flight at once, process-wide, shared fairly between callers. Default: from
   * the Stripe budget, (reads + writes per second) × 0.5 s — 25 in test mode, 100 live (`inFlightForBudget`).
   */
  stripeMaxInFlight: number;
  /** `REQUEST_TIMEOUT_MS`: each request's deadline for its Stripe calls, retries included. Default 15000. */
  requestTimeoutMs: number;
  /**
   * Subscriptions (`MAX_STREAMS_PER_CALLER` 5, `MAX_STREAMS` 1000, `STREAM_MAX_PENDING` 1000, `EVENT_RETENTION_COUNT`
   * 1000, `EVENT_RETENTION_SECONDS` 300, `SSE_HEARTBEAT_MS` 15000).
   */
  live: LiveSettings;
  /** `STRIPE_WEBHOOK_SECRET`, `STRIPE_WEBHOOK_TOLERANCE_SECONDS`: verification of `POST /webhooks/stripe`. */
  webhooks: WebhookConfig;
  /**
   * What replicas share (`src/config-replicas.ts`): `REDIS_URL`, the cache (`CACHE`, `CACHE_TTL_SECONDS`,
   * `CACHE_MAX_ENTRIES`), the Stripe budget (`STRIPE_READS_PER_SECOND`, `STRIPE_WRITES_PER_SECOND`,
   * `STRIPE_SEARCHES_PER_SECOND`), `CALLER_STRIPE_CALLS_PER_MINUTE` and `TRUST_PROXY`.
   */
  replicas: ReplicaSettings;
  /**
   * Operating it (`src/config-observability.ts`): `METRICS_PORT`, `METRICS_KEY`, `LOG_FORMAT`, `DRAIN_DELAY_SECONDS`
   * and OpenTelemetry's `OTEL_*` (`src/config-tracing.ts`).
   */
  observability: ObservabilitySettings;
}

export interface StripeConfig {
  secretKey: string;
  /** `STRIPE_API_BASE`, e.g. the local Stripe or stripe-mock; undefined for Stripe itself. */
  apiBase: URL | undefined;
}

export interface JwtConfig {
  /** `AUTH_JWT_SECRET` (HS256); generated in demo mode when unset. */
  secret: string | undefined;
  /** `AUTH_JWKS_URL` (RS256/ES256 from an identity provider). */
  jwksUrl: URL | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  /** `AUTH_CUSTOMER_CLAIM`: the claim holding the caller's Stripe customer id. */
  customerClaim: string;
  /** `AUTH_JWKS_TIMEOUT_MS`: the longest one fetch of the JWKS may take. Default 3000. */
  jwksTimeoutMs: number;
  /** `AUTH_JWKS_COOLDOWN_SECONDS`: after a failed JWKS fetch, how long until the next is tried. Default 30. */
  jwksCooldownSeconds: number;
  /** `AUTH_MAX_TOKEN_LIFETIME_SECONDS`: the longest a customer token may live (`exp - iat`, `exp - now`). Default 86400. */
  maxTokenLifetimeSeconds: number;
  /** `AUTH_CLOCK_SKEW_SECONDS`: how far the issuer's clock may be off ours (`exp`, `nbf`, `iat`). Default 60. */
  clockSkewSeconds: number;
}

/** The token and JWKS bounds when not configured (the demo token lives 24 h: the longest default lifetime). */
export const DEFAULT_TOKEN_BOUNDS: Pick<JwtConfig, 'jwksTimeoutMs' | 'jwksCooldownSeconds' | 'maxTokenLifetimeSeconds' | 'clockSkewSeconds'> = {
  jwksTimeoutMs: 3_000,
  jwksCooldownSeconds: 30,
  maxTokenLifetimeSeconds: 86_400,
  clockSkewSeconds: 60,
};

/** The HTTP server's settings. Timeouts under a second are refused: most likely seconds meant as milliseconds. */
function httpServerLimits(env: Env, problems: string[]): HttpServerLimits {
  const d = DEFAULT_HTTP_SERVER_LIMITS;
  const limits: HttpServerLimits = {
    headersTimeoutMs: count(env, 'HTTP_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, problems, 1000),
    requestTimeoutMs: count(env, 'HTTP_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, problems, 1000),
    keepAliveTimeoutMs: count(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs, problems, 1000),
    maxConnections: count(env, 'MAX_CONNECTIONS', d.maxConnections, problems),
  };
  // Node refuses a headers timeout longer than the request timeout (the headers are part of the request).
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/** Configuration of the gateway (`npm start`); throws `ConfigError` listing every problem. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const secretKey = env['STRIPE_SECRET_KEY'] || undefined;
  const apiBase = url(env, 'STRIPE_API_BASE', problems);
  // Empty counts as unset, as for every other variable (`STRIPE_API_BASE=` in a .env file is not a base URL).
  const demo = secretKey === undefined && (env['STRIPE_API_BASE'] ?? '') === '';
  if (secretKey !== undefined && !/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(secretKey)) {
    problems.push('STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… or rk_…)');
  }
  if (!demo && secretKey === undefined) problems.push('STRIPE_API_BASE is set, so STRIPE_SECRET_KEY is required');

  const apiKeys = list(env['GATEWAY_API_KEYS']);
  // One line however many keys are short (and never the keys themselves: they are secrets).
  if (apiKeys.some((key) => key.length < 16)) {
    problems.push('GATEWAY_API_KEYS: every key must be at least 16 characters long');
  }
  const secret = env['AUTH_JWT_SECRET'] || undefined;
  if (secret !== undefined && secret.length < 32) {
    problems.push('AUTH_JWT_SECRET must be at least 32 characters (256 bits) for HS256');
  }
  const jwksUrl = url(env, 'AUTH_JWKS_URL', problems);
  if (!demo && apiKeys.length === 0 && secret === undefined && jwksUrl === undefined) {
    problems.push('no caller could authenticate: set GATEWAY_API_KEYS, AUTH_JWT_SECRET or AUTH_JWKS_URL');
  }

  const portalReturnUrl = url(env, 'PORTAL_RETURN_URL', problems)?.toString();
  const allowed = origins(env, 'ALLOWED_RETURN_URL_ORIGINS', problems);
  const production = env['NODE_ENV'] === 'production';
  const graphiqlRaw = env['GRAPHIQL'];
  if (graphiqlRaw !== undefined && graphiqlRaw !== '' && graphiqlRaw !== 'true' && graphiqlRaw !== 'false') {
    problems.push(`GRAPHIQL must be true or false, got '${graphiqlRaw}'`);
  }
  const trustedDocuments = flag(env, 'TRUSTED_DOCUMENTS', production, problems);
  const limits: AbuseLimits = {
    maxDepth: count(env, 'MAX_DEPTH', DEFAULT_LIMITS.maxDepth, problems),
    maxAliases: count(env, 'MAX_ALIASES', DEFAULT_LIMITS.maxAliases, problems, 0),
    maxTokens: count(env, 'MAX_TOKENS', DEFAULT_LIMITS.maxTokens, problems),
    maxDirectives: count(env, 'MAX_DIRECTIVES', DEFAULT_LIMITS.maxDirectives, problems, 0),
    maxCost: count(env, 'MAX_COST', DEFAULT_LIMITS.maxCost, problems),
    maxBodyBytes: count(env, 'MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes, problems, 1024),
    maxStripeCalls: count(env, 'MAX_STRIPE_CALLS', DEFAULT_LIMITS.maxStripeCalls, problems),
    maxVariableValues: count(env, 'MAX_VARIABLE_VALUES', DEFAULT_LIMITS.maxVariableValues, problems),
    maxVariableDepth: count(env, 'MAX_VARIABLE_DEPTH', DEFAULT_LIMITS.maxVariableDepth, problems),
    maxVariableStringLength: count(env, 'MAX_VARIABLE_STRING_LENGTH', DEFAULT_LIMITS.maxVariableStringLength, problems),
  };
  const http = httpServerLimits(env, problems);
  const rateLimitPerMinute = count(env, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT_PER_MINUTE, problems, 0);
  const requestTimeoutMs = count(env, 'REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS, problems, 100);
  const d = DEFAULT_LIVE_SETTINGS;
  const live: LiveSettings = {
    maxStreamsPerCaller: count(env, 'MAX_STREAMS_PER_CALLER', d.maxStreamsPerCaller, problems),
    maxStreams: count(env, 'MAX_STREAMS', d.maxStreams, problems),
    maxPending: count(env, 'STREAM_MAX_PENDING', d.maxPending, problems),
    retainCount: count(env, 'EVENT_RETENTION_COUNT', d.retainCount, problems, 0),
    retainSeconds: count(env, 'EVENT_RETENTION_SECONDS', d.retainSeconds, problems, 0),
    // Under 100 ms is most likely seconds meant as milliseconds.
    heartbeatMs: count(env, 'SSE_HEARTBEAT_MS', d.heartbeatMs, problems, 100),
  };
  const webhooks: WebhookConfig = {
    secrets: webhookSecrets(env, 'STRIPE_WEBHOOK_SECRET', problems),
    toleranceSeconds: count(env, 'STRIPE_WEBHOOK_TOLERANCE_SECONDS', DEFAULT_WEBHOOK_TOLERANCE_SECONDS, problems),
  };
  const replicas = replicaSettings(env, problems, { secretKey, demo, webhooksVerified: webhooks.secrets.length > 0 });
  const stripeMaxInFlight = count(env, 'STRIPE_MAX_IN_FLIGHT', inFlightForBudget(replicas.stripeBudget), problems);
  const logLevelRaw = (env['LOG_LEVEL'] || 'info').trim().toLowerCase();
  if (!isLogLevel(logLevelRaw)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${env['LOG_LEVEL']}'`);
  const logLevel: LogLevel = isLogLevel(logLevelRaw) ? logLevelRaw : 'info';

  // In any mode: a live key over plain http to another machine has no legitimate use.
  if (secretKey !== undefined && /^(sk|rk)_live_/.test(secretKey) && apiBase !== undefined && overHttp(apiBase)) {
    problems.push('STRIPE_API_BASE must use https with a live Stripe key (plain http only to a loopback host): the key would cross the network readable');
  }
  if (production) {
    problems.push(...productionProblems({ demo, apiKeys, secret, jwksUrl, portalReturnUrl, allowedOrigins: allowed }));
  }

  const publicPort = port(env, 'PORT', 4000, problems);
  const observability = observabilitySettings(env, problems, { production, publicPort });
  const config: GatewayConfig = {
    host: env['HOST'] || '127.0.0.1',
    port: publicPort,
    demo,
    stripe: demo || secretKey === undefined ? undefined : { secretKey, apiBase },
    apiKeys,
    jwt: {
      secret,
      jwksUrl,
      issuer: env['AUTH_JWT_ISSUER'] || undefined,
      audience: env['AUTH_JWT_AUDIENCE'] || undefined,
      customerClaim: env['AUTH_CUSTOMER_CLAIM'] || 'stripe_customer_id',
      jwksTimeoutMs: count(env, 'AUTH_JWKS_TIMEOUT_MS', DEFAULT_TOKEN_BOUNDS.jwksTimeoutMs, problems),
      jwksCooldownSeconds: count(env, 'AUTH_JWKS_COOLDOWN_SECONDS', DEFAULT_TOKEN_BOUNDS.jwksCooldownSeconds, problems),
      maxTokenLifetimeSeconds: count(env, 'AUTH_MAX_TOKEN_LIFETIME_SECONDS', DEFAULT_TOKEN_BOUNDS.maxTokenLifetimeSeconds, problems),
      clockSkewSeconds: count(env, 'AUTH_CLOCK_SKEW_SECONDS', DEFAULT_TOKEN_BOUNDS.clockSkewSeconds, problems, 0),
    },
    portalReturnUrl,
    allowedReturnUrlOrigins:
      allowed.length > 0 ? allowed : portalReturnUrl !== undefined ? [new URL(portalReturnUrl).origin] : [],
    portalConfigurationId: stripeIdOf(env, 'PORTAL_CONFIGURATION_ID', 'bpc', 'portal configuration', problems),
    portalOnBehalfOf: stripeIdOf(env, 'PORTAL_ON_BEHALF_OF', 'acct', 'account', problems),
    corsOrigins: origins(env, 'CORS_ORIGINS', problems),
    customerActions: customerActions(env, 'CUSTOMER_ACTIONS', problems),
    production,
    graphiql: graphiqlRaw === 'true' || (!production && graphiqlRaw !== 'false'),
    trustedDocuments,
    limits,
    http,
    rateLimitPerMinute,
    logLevel,
    stripeMaxInFlight,
    requestTimeoutMs,
    live,
    webhooks,
    replicas,
    observability,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
