/**
 * The local Stripe's HTTP layer: Stripe's wire protocol in front of the resource modules.
 *
 * Per request, in order: request id and log entry → auth (`Bearer`/Basic `sk_test_…`/`rk_test_…`) →
 * `Stripe-Account` → `Stripe-Version` → rate limit → route → idempotency claim (POST) → injected faults and
 * latency → handler → JSON with `Request-Id`. Hosted pages (portal sessions, invoices) and the `/_local/` control API
 * are served beside `/v1`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Method, Route } from './api.js';
import { handleControl, type ClockControl } from './control.js';
import type { WebhookDeliveries } from './events/deliveries.js';
import { RateLimits, type RateLimitOptions } from './rate-limits.js';
import { invalidParam, permissionDenied, rateLimited, serverError, StripeApiError, unrecognizedUrl } from './errors.js';
import { decodeForm, type FormObject } from './form.js';
import { Faults, type FaultOptions, type FaultRule } from './faults.js';
import { fingerprint, IdempotencyStore, type StoredResponse } from './idempotency.js';
import { IdGenerator } from './ids.js';
import { authenticate, redactHeaders, redactKey, redactParams } from './keys.js';
import { expandList, header, readBody } from './request.js';
import { Router } from './router.js';
import type { Store } from './store.js';
import { API_VERSION, API_VERSION_PATTERN } from './version.js';

export { API_VERSION } from './version.js';

export interface LoggedRequest {
  requestId: string;
  method: string;
  path: string;
  /** Decoded query string or form body; card numbers and CVCs masked (`redactParams`). */
  params: FormObject;
  /** `expand[]` paths, normalised to a list (empty when none). */
  expand: string[];
  /** Request headers, lower-cased; `authorization` is redacted. */
  headers: Record<string, string>;
  idempotencyKey: string | undefined;
  stripeAccount: string | undefined;
  /** Response status; 0 for a reset or a hang. */
  status: number;
  replayed: boolean;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
}

export interface PageResponse {
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * What a hosted page sees of a request: a form POST's fields decoded as Stripe's API decodes them, the `Origin`
 * header (pages refuse cross-site form posts), and `dispatch`, which runs one `/v1` route in-process.
 */
export interface PageRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** A POST's `application/x-www-form-urlencoded` fields (empty otherwise, or when the body does not decode). */
  form: FormObject;
  origin: string | undefined;
  /**
   * Runs the `/v1` route for `method path` with `params` against `store`, exactly as the API would (same handler,
   * same checks and errors; a `StripeApiError` is thrown), without the HTTP layer: hosted pages change state this
   * way, so that what a customer does on a page is what the API does.
   */
  dispatch(store: Store, method: Method, path: string, params: FormObject): unknown;
}

/** Serves the hosted pages (portal, invoices); undefined when the path is not one of them. */
export type PageHandler = (request: PageRequest) => PageResponse | undefined;

export interface Accounts {
  /** The store for a `Stripe-Account` header value, or the platform's when absent; undefined if unknown. */
  storeFor(account: string | undefined): Store | undefined;
  platform: Store;
  /** Every account's store (platform first), e.g. to find a hosted page by its secret. */
  all(): Store[];
}

export interface ServerOptions {
  routes: readonly Route[];
  accounts: Accounts;
  pages: PageHandler;
  /** Accept only these keys; default: any well-formed `sk_test_…` / `rk_test_…` key. */
  apiKeys?: readonly string[];
  faults?: FaultOptions;
  /** Requests per second per account before 429 `rate_limit`, all kinds together. Default: unlimited. */
  rateLimitPerSecond?: number;
  /** Stripe's separate read, write and search limits per account (`./rate-limits.ts`). Default: unlimited. */
  rateLimit?: Omit<RateLimitOptions, 'perSecond'>;
  /** How many requests the log keeps (oldest dropped first). */
  requestLogLimit?: number;
  /** The control API under `/_local/` (request log, faults, reset). */
  control?: ControlHandlers;
  baseUrl: () => string;
}

export interface ControlHandlers {
  reset(): void;
  clock?: ClockControl;
  webhooks?: WebhookDeliveries;
}

/** A page form's fields; a body that does not decode is no fields (the page then says what is missing). */
function pageForm(body: string): FormObject {
  try {
    return decodeForm(body);
  } catch {
    return {};
  }
}

export class LocalStripeServer {
  readonly server: Server;
  readonly faults: Faults;
  private readonly router: Router;
  private readonly log: LoggedRequest[] = [];
  private readonly idempotency: IdempotencyStore;
  private readonly ids = new IdGenerator();
  private readonly sockets = new Set<Socket>();
  /** Stripe's rate limits, and what they refused. */
  readonly rateLimits: RateLimits;

  constructor(private readonly options: ServerOptions) {
    this.router = new Router(options.routes);
    this.faults = new Faults(options.faults);
    this.rateLimits = new RateLimits({ ...options.rateLimit, perSecond: options.rateLimitPerSecond });
    this.idempotency = new IdempotencyStore(() => options.accounts.platform.clock.now());
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the local Stripe itself: answer like Stripe's own 500, never crash the process.
        console.error('local Stripe: unexpected error', error);
        if (!res.headersSent) this.sendError(res, this.ids.requestId(), serverError(500));
      });
    });
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get requests(): readonly LoggedRequest[] {
    return this.log;
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  clearIdempotency(): void {
    this.idempotency.clear();
  }

  /** Destroys every open connection (hung requests included); used on stop. */
  destroySockets(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    if (url.pathname.startsWith('/_local/')) {
      const control = this.options.control;
      const target = {
        requests: this.log,
        clearRequests: () => this.clearRequests(),
        faults: this.faults,
        reset: control !== undefined ? () => control.reset() : undefined,
        clock: control?.clock,
        webhooks: control?.webhooks,
      };
      handleControl(target, method, url.pathname, body, res);
      return;
    }
    if (!url.pathname.startsWith('/v1/')) {
      const page = this.inPageTransaction(() =>
        this.options.pages({
          method,
          path: url.pathname,
          query: url.searchParams,
          form: method === 'POST' ? pageForm(body) : {},
          origin: header(req, 'origin'),
          dispatch: (store, apiMethod, path, params) => this.dispatch(store, apiMethod, path, params),
        }),
      );
      const response = page ?? { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not found' };
      res.writeHead(response.status, { 'Content-Type': response.contentType, ...response.headers });
      res.end(response.body);
      return;
    }
    await this.handleApi(req, res, method, url, body);
  }

  /**
   * A hosted page request as one unit of work of every account's change journal (a page finds its account from
   * the secret in its URL), with a request id of its own and no idempotency key: what a customer does on a page
   * makes the events the same API calls would.
   */
  private inPageTransaction<T>(fn: () => T): T {
    const request = { id: this.ids.requestId(), idempotency_key: null };
    const stores = this.options.accounts.all();
    const run = (i: number): T => {
      const store = stores[i];
      return store === undefined ? fn() : store.journal.run(request, () => run(i + 1));
    };
    return run(0);
  }

  /** One `/v1` route run in-process for a hosted page (`PageRequest.dispatch`). */
  private dispatch(store: Store, method: Method, path: string, params: FormObject): unknown {
    const match = this.router.match(method, path);
    if (match === undefined) throw new Error(`local Stripe page dispatch: no route ${method} ${path}`);
    return match.route.handler({
      method,
      path,
      pathParams: match.params,
      params,
      store,
      render: { store, baseUrl: this.options.baseUrl() },
      accounts: this.options.accounts,
    });
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, method: string, url: URL, body: string): Promise<void> {
    const requestId = this.ids.requestId();
    const headers = redactHeaders(req.headers);
    const idempotencyKey = header(req, 'idempotency-key');
    const stripeAccount = header(req, 'stripe-account');
    const entry: LoggedRequest = {
      requestId,
      method,
      path: url.pathname,
      params: {},
      expand: [],
      headers,
      idempotencyKey,
      stripeAccount,
      status: 0,
      replayed: false,
      at: Date.now(),
    };
    this.record(entry);

    let params: FormObject;
    try {
      params = decodeForm(url.search.slice(1));
      if (method === 'POST') decodeForm(body, params);
      entry.params = redactParams(params);
      entry.expand = expandList(params);
    } catch (error) {
      this.finish(entry, res, error);
      return;
    }

    let claimComplete: ((response: StoredResponse | undefined) => void) | undefined;
    try {
      const apiKey = authenticate(header(req, 'authorization'), this.options.apiKeys);
      const store = this.options.accounts.storeFor(stripeAccount);
      if (store === undefined) {
        throw permissionDenied(
          `The provided key '${redactKey(apiKey)}' does not have access to account '${stripeAccount}' ` +
            '(or that account does not exist). Application access may have been revoked.',
        );
      }
      const version = header(req, 'stripe-version');
      if (version !== undefined && !API_VERSION_PATTERN.test(version)) {
        throw invalidParam('Stripe-Version', `Invalid Stripe API version: ${version}`);
      }
      this.rateLimits.take(store.accountId, method, url.pathname);
      const match = this.router.match(method, url.pathname);
      if (match === undefined) throw unrecognizedUrl(method, url.pathname);

      if (method === 'POST' && idempotencyKey !== undefined) {
        const scope = `${apiKey}\u0000${store.accountId}`;
        const claim = this.idempotency.claim(scope, idempotencyKey, fingerprint(method, url.pathname, params));
        if (claim.kind === 'replay') {
          entry.replayed = true;
          entry.status = claim.response.status;
          res.writeHead(claim.response.status, {
            ...this.jsonHeaders(requestId, version),
            'Idempotency-Key': idempotencyKey,
            'Idempotent-Replayed': 'true',
            'Original-Request': claim.response.requestId,
          });
          res.end(claim.response.body);
          return;
        }
        claimComplete = claim.complete;
      }

      // Faults and latency come after the idempotency claim, so that a concurrent request with the same key
      // sees the first one in flight (409), as it would on Stripe. An injected fault releases the key.
      const decision = this.faults.decide(method, url.pathname);
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      if (decision.rule !== undefined) {
        claimComplete?.(undefined);
        claimComplete = undefined;
        this.injectFault(decision.rule, entry, req, res);
        return;
      }

      const handle = () =>
        match.route.handler({
          method: method as Method,
          path: url.pathname,
          pathParams: match.params,
          params,
          store,
          render: { store, baseUrl: this.options.baseUrl() },
          accounts: this.options.accounts,
        });
      // A POST or DELETE is one unit of work of the account's change journal: its changes become events.
      const result =
        method === 'GET' ? handle() : store.journal.run({ id: requestId, idempotency_key: idempotencyKey ?? null }, handle);
      const json = JSON.stringify(result);
      claimComplete?.({ status: 200, body: json, requestId });
      entry.status = 200;
      res.writeHead(200, {
        ...this.jsonHeaders(requestId, version),
        ...(idempotencyKey !== undefined && method === 'POST' ? { 'Idempotency-Key': idempotencyKey } : {}),
      });
      res.end(json);
    } catch (error) {
      if (claimComplete !== undefined) {
        const storable = error instanceof StripeApiError && error.storable;
        claimComplete(
          storable ? { status: error.status, body: JSON.stringify({ error: this.errorBody(error, requestId) }), requestId } : undefined,
        );
      }
      this.finish(entry, res, error);
    }
  }

  private injectFault(rule: FaultRule, entry: LoggedRequest, req: IncomingMessage, res: ServerResponse): void {
    switch (rule.kind) {
      case 'hang':
        return; // never answered; the client's timeout (or stop()) ends it
      case 'reset':
        req.socket.destroy();
        return;
      case 'rate_limit':
        this.finish(entry, res, rateLimited(rule.shouldRetry, rule.retryAfterSeconds));
        return;
      case 'server_error':
        this.finish(entry, res, serverError(rule.status ?? 500, rule.shouldRetry));
        return;
    }
  }

  private jsonHeaders(requestId: string, version: string | undefined): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, no-store',
      'Request-Id': requestId,
      'Stripe-Version': version ?? API_VERSION,
    };
  }

  private errorBody(error: StripeApiError, requestId: string) {
    return {
      ...error.body,
      request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`,
    };
  }

  private finish(entry: LoggedRequest, res: ServerResponse, error: unknown): void {
    const apiError = error instanceof StripeApiError ? error : undefined;
    if (apiError === undefined) {
      console.error('local Stripe: unexpected error', error);
    }
    const sent = apiError ?? serverError(500);
    entry.status = sent.status;
    this.sendError(res, entry.requestId, sent);
  }

  private sendError(res: ServerResponse, requestId: string, error: StripeApiError): void {
    res.writeHead(error.status, { ...this.jsonHeaders(requestId, undefined), ...error.headers });
    res.end(JSON.stringify({ error: this.errorBody(error, requestId) }));
  }

  private record(entry: LoggedRequest): void {
    this.log.push(entry);
    // Trim in batches of a tenth, so that a full log does not cost an array shift per request.
    const limit = this.options.requestLogLimit ?? 10_000;
    if (this.log.length > limit + Math.ceil(limit / 10)) this.log.splice(0, this.log.length - limit);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
