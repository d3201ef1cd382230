/**
 * `createGateway(options, deps)`: the Yoga instance, built but not listening (tests call `yoga.fetch` with no
 * port; `app.ts` puts it on a socket). Expected errors carry a code; everything else is masked.
 *
 * The edge is one plugin per concern, each in its own file here: abuse limits (`limits.ts` and the files it
 * names), the per-caller rate limit (`rate-limit.ts`; callers by address behind proxies: `client-address.ts`), the
 * per-caller Stripe-call budget (`caller-budget.ts`, charged in `stripe-budget.ts`), trusted documents (`trusted-documents.ts`), anonymous
 * callers refused before execution (`authenticate-first.ts`), the request log (`request-log.ts`), security
 * headers (`security-headers.ts`), CORS (`cors.ts`), variables (`variables.ts`), GraphiQL (`graphiql.ts`), and
 * subscriptions (`subscriptions.ts`: the same checks before a stream opens; `sse.ts`: the SSE framing).
 * The caller is authenticated once per request: every hook and the context share the answer through a WeakMap
 * keyed by the Request.
 */
import type { BlockList } from 'node:net';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import {
  createYoga,
  maskError as yogaMaskError,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { DEFAULT_LIMITS, DEFAULT_LIVE_SETTINGS, DEFAULT_RATE_LIMIT_PER_MINUTE, type AbuseLimits } from '../config.js';
import { EventHub } from '../events/hub.js';
import type { RedisLink } from '../redis/connection.js';
import { CallerBudget } from './caller-budget.js';
import { createContext, type Context, type GatewayDeps } from '../graphql/context.js';
import { schema } from '../graphql/schema.js';
import { useAuthenticationFirst } from './authenticate-first.js';
import { corsFor, varyByOrigin } from './cors.js';
import { graphiqlOptions, offlineGraphiQL, rootToGraphiQL, type GraphiQLDefaults } from './graphiql.js';
import { useAbuseLimits } from './limits.js';
import { errorLogger, type Logger } from '../observability/log.js';
import { RateLimiter, useRateLimit } from './rate-limit.js';
import { GRAPHQL_PATH, HEALTH_PATH } from './paths.js';
import { ErrorLog, RequestStates, useRequestLog } from './request-log.js';
import { useSecurityHeaders } from './security-headers.js';
import { defaultTrustedDocuments, DOCUMENT_ID_PARAM, useTrustedDocuments, type TrustedDocuments } from './trusted-documents.js';
import { useServerSentEvents } from './sse.js';
import { stripeBudget } from './stripe-budget.js';
import { alsoOnSubscribe, useLiveSubscriptions } from './subscriptions.js';
import { coerceVariables } from './variables.js';

export interface GatewayOptions {
  /** GraphiQL (off in production unless enabled). */
  graphiql: boolean;
  /** Schema introspection (`__schema`, `__type`); default on. `app.ts` turns it off with GraphiQL. */
  introspection?: boolean;
  /** Browser origins allowed by CORS; empty: same-origin only. */
  corsOrigins: readonly string[];
  /** Example operations GraphiQL opens with, and headers it pre-fills (demo mode). */
  graphiqlDefaults?: GraphiQLDefaults;
  /**
   * `TRUSTED_DOCUMENTS`: customers may run only the manifest's documents, by id (admins anything). Default off;
   * ids work either way.
   */
  trustedDocuments?: boolean;
  /** The manifest; default `schema/persisted-documents.json` (as `npm run codegen` wrote it). */
  trustedDocumentManifest?: TrustedDocuments;
  /**
   * Abuse limits; default `DEFAULT_LIMITS` (depth 10, aliases 15, tokens 1000, directives 50, cost 5000, body
   * 100 KB, variables: 1000 values, 10 deep, strings of 10,000 characters).
   */
  limits?: Partial<AbuseLimits>;
  /** Remove "Did you mean …" suggestions from error messages (production). Default false. */
  hideSuggestions?: boolean;
  /** `RATE_LIMIT_PER_MINUTE` per caller; 0 turns it off. Default 600. */
  rateLimitPerMinute?: number;
  /** The rate limiter itself (tests: a window of their own); overrides `rateLimitPerMinute`. */
  rateLimiter?: RateLimiter;
  /**
   * `CALLER_STRIPE_CALLS_PER_MINUTE`: Stripe calls one caller may cost a minute (`./caller-budget.ts`); 0 off. Default
   * here: off (a gateway built by hand, as tests do); `startApp` passes the configured value (default 1500).
   */
  callerStripeCallsPerMinute?: number;
  /** `REDIS_URL`'s link: callers' rate limits and Stripe-call budgets shared by every replica. Default: in memory. */
  redis?: RedisLink | undefined;
  /** `TRUST_PROXY`: the proxies whose `X-Forwarded-For` names an anonymous caller (`./client-address.ts`). */
  trustedProxies?: BlockList | undefined;
  /** Structured logs (`src/observability/log.ts`); default: errors only, to stderr. */
  logger?: Logger;
  /** `SSE_HEARTBEAT_MS`: a comment on every idle subscription stream this often. Default 15000. */
  heartbeatMs?: number;
  /**
   * Plugins that watch every request from its start (metrics, tracing: `src/observability/`), placed before all
   * others so that they see refusals too.
   */
  observers?: readonly Plugin[];
}

export type Gateway = YogaServerInstance<Record<string, never>, Context>;

/** Refuses `__schema` / `__type` queries (`__typename` still works). */
function noIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** Authenticates each request once, however many hooks ask. */
function viewerPerRequest(deps: GatewayDeps): (request: Request) => Promise<Viewer> {
  const viewers = new WeakMap<Request, Promise<Viewer>>();
  return (request) => {
    let viewer = viewers.get(request);
    if (viewer === undefined) {
      viewer = deps.authenticate(request.headers.get('authorization'));
      viewers.set(request, viewer);
    }
    return viewer;
  };
}

export function createGateway(options: GatewayOptions, gatewayDeps: GatewayDeps): Gateway {
  // Without a hub of the app's, subscriptions still open (and hear nothing).
  const deps: GatewayDeps = { ...gatewayDeps, events: gatewayDeps.events ?? new EventHub() };
  const viewerOf = viewerPerRequest(deps);
  const limits: AbuseLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? errorLogger;
  const states = new RequestStates(logger);
  const errors = new ErrorLog(logger);
  const limiter =
    options.rateLimiter ?? new RateLimiter({ perMinute: options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE, link: options.redis });
  const manifest = options.trustedDocumentManifest ?? defaultTrustedDocuments();
  const budget = stripeBudget({
    maxCalls: limits.maxStripeCalls,
    logger,
    callerBudget: new CallerBudget(options.callerStripeCallsPerMinute ?? 0, options.redis),
    proxies: options.trustedProxies,
  });
  const trusted = useTrustedDocuments({
    documents: manifest,
    enforce: options.trustedDocuments ?? false,
    viewerOf,
  });
  return createYoga<Record<string, never>, Context>({
    schema,
    context: ({ request }) =>
      createContext(deps, request, viewerOf(request), { observer: states.observer(request), count: budget.countOf(request) }),
    extraParamNames: [DOCUMENT_ID_PARAM],
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    maskedErrors: {
      // Never Yoga's development mode, which copies the original error (message, stack) into the response.
      isDev: false,
      maskError(error, message) {
        const masked = yogaMaskError(error, message, false);
        if (masked !== error) errors.log(error);
        return masked;
      },
    },
    logging: errors.yogaLogger(),
    // One operation per request: an array body is refused (BAD_USER_INPUT, 400).
    batching: false,
    // `useAbuseLimits` enforces `MAX_BODY_BYTES` without Yoga's per-request stream (see `useBodyLimit`).
    maxRequestBodySize: false,
    cors: corsFor(options.corsOrigins),
    graphiql: options.graphiql ? graphiqlOptions(options.graphiqlDefaults) : false,
    ...(options.graphiql ? { renderGraphiQL: offlineGraphiQL(options.graphiqlDefaults) } : {}),
    plugins: [
      ...(options.observers ?? []),
      useRequestLog({ states, errors, loggedPaths: [GRAPHQL_PATH], viewerOf, stripeCallsOf: budget.countOf }),
      useSecurityHeaders(),
      ...(options.corsOrigins.length > 0 ? [varyByOrigin()] : []),
      ...(options.graphiql ? [rootToGraphiQL()] : []),
      useRateLimit(limiter, viewerOf, options.trustedProxies),
      ...trusted,
      ...(options.introspection === false ? [noIntrospection()] : []),
      // The checks below run before execution, and before a subscription's stream opens (`alsoOnSubscribe`).
      ...[
        // Before the limits and coercion below: an anonymous caller is refused before anything reads its variables.
        useAuthenticationFirst(viewerOf),
        ...useAbuseLimits({ limits, hideSuggestions: options.hideSuggestions ?? false }),
        // After the limits on the document and the variables: its Stripe calls, estimated and held to the budget,
        // before any resolver runs (a subscription: per event).
        budget.plugin,
        coerceVariables(),
      ].map(alsoOnSubscribe),
      // Each document compiled once into a function that executes it (graphql-jit), cached with Yoga's parsed
      // document: a page of 100 invoices executes in a fraction of graphql-js's time.
      useGraphQlJit(),
      // Subscriptions: each event in a context of its own (after graphql-jit, whose subscribe it replaces), and our
      // SSE framing (`id:` lines for Last-Event-ID, the heartbeat).
      useLiveSubscriptions(),
      useServerSentEvents(options.heartbeatMs ?? DEFAULT_LIVE_SETTINGS.heartbeatMs),
    ],
    healthCheckEndpoint: HEALTH_PATH,
  });
}
