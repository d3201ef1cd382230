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
import {
  authenticationInvalid,
  authenticationMissing,
  invalidParam,
  permissionDenied,
  rateLimited,
  serverError,
  StripeApiError,
  unrecognizedUrl,
} from './errors.js';
import { decodeForm, type FormObject } from './form.js';
import { Faults, type FaultOptions, type FaultRule } from './faults.js';
import { fingerprint, IdempotencyStore, type StoredResponse } from './idempotency.js';
import { IdGenerator } from './ids.js';
import type { Store } from './store.js';

export const API_VERSION = '2026-10-28.endive';

export interface LoggedRequest {
  requestId: string;
  method: string;
  path: string;
  /** Decoded query string or form body. */
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

/** Serves the hosted pages (portal, invoices); undefined when the path is not one of them. */
export type PageHandler = (method: string, path: string, query: URLSearchParams) => PageResponse | undefined;

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
  /** Requests per second per account before 429 `rate_limit` (Stripe: 25 in test mode). Default: unlimited. */
  rateLimitPerSecond?: number;
  /** How many requests the log keeps (oldest dropped first). */
  requestLogLimit?: number;
  /** The control API under `/_local/` (request log, faults, reset). */
  control?: ControlHandlers;
  baseUrl: () => string;
}

export interface ControlHandlers {
  reset(): void;
}

interface CompiledRoute extends Route {
  segments: string[];
  specificity: number;
}

function compile(routes: readonly Route[]): CompiledRoute[] {
  return routes
    .map((r) => {
      const segments = r.pattern.split('/').filter(Boolean);
      return { ...r, segments, specificity: segments.filter((s) => !s.startsWith(':')).length };
    })
    .sort((a, b) => b.specificity - a.specificity);
}

function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  segments: readonly string[],
): { route: CompiledRoute; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length; i++) {
      const pattern = route.segments[i] as string;
      const actual = segments[i] as string;
      if (pattern.startsWith(':')) params[pattern.slice(1)] = actual;
      else if (pattern !== actual) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return undefined;
}

const KEY_PATTERN = /^(sk|rk)_test_[A-Za-z0-9]+$/;

/** `sk_test_****1234`: enough to recognise a key in a message, never the key itself. */
export function redactKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  const tail = key.length > prefix.length + 4 ? key.slice(-4) : '';
  return `${prefix}${'*'.repeat(Math.max(4, Math.min(24, key.length - prefix.length - tail.length)))}${tail}`;
}

function apiKeyFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]?.trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    return decoded.split(':')[0];
  }
  return '';
}

const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

export class LocalStripeServer {
  readonly server: Server;
  readonly faults: Faults;
  private readonly routes: CompiledRoute[];
  private readonly log: LoggedRequest[] = [];
  private readonly idempotency: IdempotencyStore;
  private readonly ids = new IdGenerator();
  private readonly sockets = new Set<Socket>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly options: ServerOptions) {
    this.routes = compile(options.routes);
    this.faults = new Faults(options.faults);
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
      this.control(method, url.pathname, body, res);
      return;
    }
    if (!url.pathname.startsWith('/v1/')) {
      const page = this.options.pages(method, url.pathname, url.searchParams);
      const response = page ?? { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not found' };
      res.writeHead(response.status, { 'Content-Type': response.contentType, ...response.headers });
      res.end(response.body);
      return;
    }
    await this.handleApi(req, res, method, url, body);
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
      entry.params = params;
      entry.expand = expandList(params);
    } catch (error) {
      this.finish(entry, res, error);
      return;
    }

    let claimComplete: ((response: StoredResponse | undefined) => void) | undefined;
    try {
      const apiKey = this.authenticate(header(req, 'authorization'));
      const store = this.options.accounts.storeFor(stripeAccount);
      if (store === undefined) {
        throw permissionDenied(
          `The provided key '${redactKey(apiKey)}' does not have access to account '${stripeAccount}' ` +
            '(or that account does not exist). Application access may have been revoked.',
        );
      }
      const version = header(req, 'stripe-version');
      if (version !== undefined && !VERSION_PATTERN.test(version)) {
        throw invalidParam('Stripe-Version', `Invalid Stripe API version: ${version}`);
      }
      this.rateLimit(store.accountId);
      const segments = url.pathname.split('/').filter(Boolean);
      const match = matchRoute(this.routes, method, segments);
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

      const result = match.route.handler({
        method: method as Method,
        path: url.pathname,
        pathParams: match.params,
        params,
        store,
        render: { store, baseUrl: this.options.baseUrl() },
        accounts: this.options.accounts,
      });
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

  private authenticate(authorization: string | undefined): string {
    const key = apiKeyFrom(authorization);
    if (key === undefined || key === '') throw authenticationMissing();
    const allowed = this.options.apiKeys;
    const valid = allowed !== undefined ? allowed.includes(key) : KEY_PATTERN.test(key);
    if (!valid) throw authenticationInvalid(redactKey(key));
    return key;
  }

  private rateLimit(account: string): void {
    const perSecond = this.options.rateLimitPerSecond;
    if (perSecond === undefined) return;
    const now = Date.now();
    const bucket = this.buckets.get(account) ?? { tokens: perSecond, at: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(account, bucket);
    if (bucket.tokens < 1) throw rateLimited();
    bucket.tokens -= 1;
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

  /** `/_local/requests` (GET, DELETE), `/_local/faults` (GET, PUT, DELETE), `/_local/reset` (POST). */
  private control(method: string, path: string, body: string, res: ServerResponse): void {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      if (path === '/_local/requests' && method === 'GET') return reply(200, { data: this.log });
      if (path === '/_local/requests' && method === 'DELETE') {
        this.clearRequests();
        return reply(200, { cleared: true });
      }
      if (path === '/_local/faults' && method === 'GET') return reply(200, this.faults.current);
      if (path === '/_local/faults' && method === 'PUT') {
        this.faults.set(JSON.parse(body || '{}') as FaultOptions);
        return reply(200, this.faults.current);
      }
      if (path === '/_local/faults' && method === 'DELETE') {
        this.faults.set(undefined);
        return reply(200, {});
      }
      if (path === '/_local/reset' && method === 'POST' && this.options.control) {
        this.options.control.reset();
        return reply(200, { reset: true });
      }
      return reply(404, { error: `no control endpoint ${method} ${path}` });
    } catch (error) {
      return reply(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = name === 'authorization' ? redactAuthorization(text) : text;
  }
  return out;
}

function redactAuthorization(value: string): string {
  const key = apiKeyFrom(value);
  const scheme = value.split(/\s+/)[0] ?? '';
  return key ? `${scheme} ${redactKey(key)}` : scheme;
}

function expandList(params: FormObject): string[] {
  const raw = params['expand'];
  if (raw === undefined) return [];
  if (typeof raw === 'string') return [raw];
  return Object.keys(raw)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => raw[k])
    .filter((v): v is string => typeof v === 'string');
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
