/**
 * `createGateway(options, deps)`: the Yoga instance, built but not listening (tests call `yoga.fetch` with no
 * port; `app.ts` puts it on a socket). Expected errors carry a code; everything else is masked.
 *
 * GraphiQL is the offline build from `@graphql-yoga/render-graphiql` (Yoga's default loads its assets from a CDN
 * and never renders without internet). That module is ~9 MB and costs ~300 MB of memory once imported, so it is
 * imported on the first GraphiQL request, and never when GraphiQL is off.
 *
 * Trusted documents (`src/trusted-documents.ts`): documents of the manifest run by id for everyone; when enforced,
 * customers may run nothing else. The caller is authenticated once per request — the trusted-documents check and
 * the context share the answer through a WeakMap keyed by the Request.
 *
 * Hardening (`src/limits.ts`, `src/rate-limit.ts`, `src/request-log.ts`): abuse limits (depth, aliases, tokens,
 * directives, cost, body size), CSRF prevention, no batching, CORS only for the configured origins, a per-caller
 * rate limit, suggestions hidden in production, Yoga's request codes mapped onto the contract's, an `x-request-id`
 * on every response, and a JSON log line per request.
 */
import { createHash } from 'node:crypto';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, getVariableValues, NoSchemaIntrospectionCustomRule } from 'graphql';
import {
  createYoga,
  maskError as yogaMaskError,
  type GraphiQLOptions,
  type Plugin,
  type YogaServerInstance,
  type YogaServerOptions,
} from 'graphql-yoga';
import type { Viewer } from './auth/viewer.js';
import { DEFAULT_LIMITS, DEFAULT_RATE_LIMIT_PER_MINUTE, type AbuseLimits } from './config.js';
import { createContext, type Context, type GatewayDeps } from './context.js';
import { schema } from './graphql/schema.js';
import { CSRF_HEADERS, useAbuseLimits } from './limits.js';
import { errorLogger, type Logger } from './log.js';
import { RateLimiter, useRateLimit } from './rate-limit.js';
import { ErrorLog, REQUEST_ID_HEADER, RequestStates, useRequestLog } from './request-log.js';
import { defaultTrustedDocuments, DOCUMENT_ID_PARAM, useTrustedDocuments, type TrustedDocuments } from './trusted-documents.js';

/** One tab GraphiQL opens with: an example document and its variables (JSON). */
export interface GraphiQLTab {
  query: string;
  variables?: string | undefined;
}

/** What GraphiQL opens with, until the browser has tabs of its own in local storage. */
export interface GraphiQLDefaults {
  /** One tab per example operation. */
  tabs?: readonly GraphiQLTab[];
  /** The document a tab starts with when there are no `tabs`. */
  query?: string;
  /**
   * Headers every opening tab (and every new tab) is pre-filled with. They are written into the page: demo mode
   * only (the demo admin key), never a real secret.
   */
  headers?: Readonly<Record<string, string>>;
}

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
  /** Abuse limits; default `DEFAULT_LIMITS` (depth 6, aliases 15, tokens 1000, directives 50, cost 5000, body 100 KB). */
  limits?: Partial<AbuseLimits>;
  /** Remove "Did you mean …" suggestions from error messages (production). Default false. */
  hideSuggestions?: boolean;
  /** `RATE_LIMIT_PER_MINUTE` per caller; 0 turns it off. Default 600. */
  rateLimitPerMinute?: number;
  /** The rate limiter itself (tests: a clock of their own); overrides `rateLimitPerMinute`. */
  rateLimiter?: RateLimiter;
  /** Structured logs (`src/log.ts`); default: errors only, to stderr. */
  logger?: Logger;
}

export type Gateway = YogaServerInstance<Record<string, never>, Context>;

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';

function graphiqlOptions(defaults: GraphiQLDefaults = {}): GraphiQLOptions {
  const headers = defaults.headers !== undefined ? JSON.stringify(defaults.headers, null, 2) : undefined;
  return {
    title: 'billing-gateway',
    ...(defaults.query !== undefined ? { defaultQuery: defaults.query } : {}),
    ...(defaults.tabs !== undefined && defaults.tabs.length > 0
      ? { defaultTabs: defaults.tabs.map((tab) => ({ query: tab.query, variables: tab.variables ?? null, headers: headers ?? null })) }
      : {}),
    // Yoga hands `headers` to GraphiQL as the headers of every new tab.
    ...(headers !== undefined ? { headers } : {}),
  };
}

/**
 * GraphiQL keeps its tabs, headers included, in the browser's local storage and prefers them to the defaults on
 * the next visit. The demo admin key and customer token are new on every `npm start`, so a stored tab would send
 * yesterday's key and get UNAUTHENTICATED. When the pre-filled headers change, this rewrites the stored tabs'
 * headers once (queries and variables are kept). On a first visit it also stores the opening tab's variables,
 * which GraphiQL reads from local storage rather than from the default tab.
 */
function graphiqlStorageScript(defaults: GraphiQLDefaults): string | undefined {
  const headers = defaults.headers !== undefined ? JSON.stringify(defaults.headers, null, 2) : undefined;
  const firstVariables = defaults.tabs?.[0]?.variables;
  if (headers === undefined && firstVariables === undefined) return undefined;
  const version = headers !== undefined ? createHash('sha256').update(headers).digest('hex').slice(0, 16) : undefined;
  // JSON.stringify output is safe inside a script once `<` is escaped.
  const literal = (value: string | undefined) => (value === undefined ? 'null' : JSON.stringify(value).replaceAll('<', '\\u003c'));
  return `<script>
(function () {
  try {
    var mark = 'billing-gateway:graphiql-headers', version = ${literal(version)}, headers = ${literal(headers)};
    var firstVariables = ${literal(firstVariables)};
    var stored = localStorage.getItem('graphiql:tabState');
    // First visit: GraphiQL takes the opening tab's variables from storage, not from the default tab.
    if (!stored && firstVariables !== null) localStorage.setItem('graphiql:variables', firstVariables);
    if (headers === null || localStorage.getItem(mark) === version) return;
    if (stored) {
      var state = JSON.parse(stored);
      (state.tabs || []).forEach(function (tab) { tab.headers = headers; });
      localStorage.setItem('graphiql:tabState', JSON.stringify(state));
    }
    // The active tab's headers, kept apart: stale, they would no longer match that tab and GraphiQL would open
    // an extra, empty tab.
    localStorage.setItem('graphiql:headers', headers);
    localStorage.setItem(mark, version);
  } catch (error) {
    localStorage.removeItem('graphiql:tabState');
  }
})();
</script>`;
}

/**
 * Renders the offline GraphiQL page, importing the renderer on first use. The options are fixed for the
 * instance, so the ~9 MB page is rendered once and reused.
 */
function offlineGraphiQL(defaults: GraphiQLDefaults | undefined): (options: GraphiQLOptions) => Promise<string> {
  const refresh = defaults !== undefined ? graphiqlStorageScript(defaults) : undefined;
  let page: Promise<string> | undefined;
  return (options) => {
    page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => {
      const html = renderGraphiQL(options);
      return refresh !== undefined ? html.replace('</head>', () => `${refresh}\n</head>`) : html;
    });
    // A failed import is retried on the next request rather than cached.
    page.catch(() => (page = undefined));
    return page;
  };
}

/** `GET /` in a browser goes to GraphiQL (it is also the demo portal's default return URL). */
function rootToGraphiQL(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method === 'GET' && url.pathname === '/') {
        endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: GRAPHQL_PATH } }));
      }
    },
  };
}

/** Refuses `__schema` / `__type` queries (`__typename` still works). */
function noIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/**
 * Variables coerced by graphql-js before the compiled query runs: graphql-jit reports a variable that does not
 * coerce with an error class of its own, which Yoga would mask as INTERNAL_SERVER_ERROR. This keeps graphql-js's
 * errors (their messages and the scalars' codes) and answers them as a request error, before any resolver runs.
 */
function coerceVariables(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions;
      if (definitions === undefined || definitions.length === 0) return;
      const coerced = getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 50 });
      if (coerced.errors === undefined) return;
      // A request error: HTTP 400 (Yoga reads `extensions.http` for the status and leaves it out of the body).
      for (const error of coerced.errors) (error.extensions as Record<string, unknown>)['http'] = { status: 400 };
      setResultAndStopExecution({ errors: coerced.errors });
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

/**
 * CORS for exactly these origins. Yoga's own handling of an origin list answers any other origin with
 * `Access-Control-Allow-Origin: null` *and* `Access-Control-Allow-Credentials: true` — which a sandboxed iframe or
 * a `data:` page (whose Origin is `null`) would satisfy. So the options are decided per request: an allowed origin
 * gets itself back with credentials; any other origin gets no CORS header at all.
 */
function corsFor(origins: readonly string[]): YogaServerOptions<Record<string, never>, Context>['cors'] {
  if (origins.length === 0) return false;
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return {
      origin,
      credentials: true,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'accept', REQUEST_ID_HEADER, ...CSRF_HEADERS],
      exposedHeaders: [REQUEST_ID_HEADER, 'retry-after'],
      maxAge: 600,
    };
  };
}

/** With CORS on, answers differ by Origin: caches must keep them apart. */
function varyByOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (vary === null) response.headers.set('vary', 'Origin');
      else if (!/\borigin\b/i.test(vary)) response.headers.set('vary', `${vary}, Origin`);
    },
  };
}

export function createGateway(options: GatewayOptions, deps: GatewayDeps): Gateway {
  const viewerOf = viewerPerRequest(deps);
  const limits: AbuseLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? errorLogger;
  const states = new RequestStates();
  const errors = new ErrorLog(logger);
  const limiter = options.rateLimiter ?? new RateLimiter({ perMinute: options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE });
  const manifest = options.trustedDocumentManifest ?? defaultTrustedDocuments();
  const trusted = useTrustedDocuments({
    documents: manifest,
    enforce: options.trustedDocuments ?? false,
    viewerOf,
  });
  return createYoga<Record<string, never>, Context>({
    schema,
    context: ({ request }) => createContext(deps, request, viewerOf(request), states.observer(request)),
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
      useRequestLog({ logger, states, errors, loggedPaths: [GRAPHQL_PATH], viewerOf }),
      ...(options.corsOrigins.length > 0 ? [varyByOrigin()] : []),
      ...(options.graphiql ? [rootToGraphiQL()] : []),
      useRateLimit(limiter, viewerOf),
      ...trusted,
      ...(options.introspection === false ? [noIntrospection()] : []),
      ...useAbuseLimits({ limits, trustedDocuments: manifest.values(), hideSuggestions: options.hideSuggestions ?? false }),
      // Each document compiled once into a function that executes it (graphql-jit), cached with Yoga's parsed
      // document: a page of 100 invoices executes in a fraction of graphql-js's time.
      coerceVariables(),
      useGraphQlJit(),
    ],
    healthCheckEndpoint: HEALTH_PATH,
  });
}
