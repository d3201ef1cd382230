/**
 * `/demo`, the demo billing page, and the two demo-only endpoints behind its sign-in. `app.ts` mounts these in
 * demo mode only; outside demo mode nothing here exists and `/demo` is a 404.
 *
 *   GET  /demo            the page (HTML + inline CSS, strict CSP)
 *   GET  /demo/app.js     the page's script, bundled by esbuild on first request
 *   GET  /demo/customers  the demo customers one may sign in as
 *   POST /demo/session    `{ "customerId": "cus_…" }` → a short-lived HS256 customer token for that customer
 *
 * The session endpoint stands in for a real app's sign-in: it mints the same kind of token a customer's own
 * identity provider would, signed with the demo JWT secret, and only for the listed demo customers. The page
 * then talks to `/graphql` exactly as a customer-facing app would, with `Authorization: Bearer <token>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import type { Store } from '../local-stripe/index.js';
import { lazyBundle, type Bundle } from './bundle.js';
import { demoCustomers } from './customers.js';
import { CONTENT_SECURITY_POLICY, demoPageHtml } from './html.js';

export const DEMO_PATH = '/demo';
export const DEMO_SCRIPT_PATH = `${DEMO_PATH}/app.js`;
export const DEMO_CUSTOMERS_PATH = `${DEMO_PATH}/customers`;
export const DEMO_SESSION_PATH = `${DEMO_PATH}/session`;

/** The largest sign-in body read (it holds one customer id). */
const MAX_BODY_BYTES = 1024;

export interface DemoRoutesOptions {
  /** The embedded local Stripe's state: who may sign in. */
  store: Store;
  /** Signs a short-lived customer token (role CUSTOMER) for a customer id, with the demo JWT secret. */
  signCustomerToken(customerId: string): Promise<string>;
  /** The bundled page script; built on first use by default. */
  bundle?: () => Promise<Bundle>;
}

export interface DemoRoutes {
  /** Whether a request path (no query) is the demo page's. */
  handles(pathname: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

function json(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value), { 'cache-control': 'no-store', ...headers });
}

function problem(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  json(response, status, { error: message }, headers);
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * A browser sends `Origin` on a cross-site POST; only the page's own origin may sign in. (The JSON content type
 * required below already keeps plain cross-site forms out; this keeps out scripts on other local origins.)
 */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export function createDemoRoutes(options: DemoRoutesOptions): DemoRoutes {
  const bundle = options.bundle ?? lazyBundle();
  const page = demoPageHtml(DEMO_SCRIPT_PATH);

  async function signIn(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!sameOrigin(request)) return problem(response, 403, 'sign-in is only possible from the demo page itself');
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') return problem(response, 415, 'send JSON: {"customerId": "cus_…"}');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      if (error instanceof BodyTooLarge) return problem(response, 413, 'request body too large');
      return problem(response, 400, 'send JSON: {"customerId": "cus_…"}');
    }
    const customerId = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['customerId'] : undefined;
    if (typeof customerId !== 'string') return problem(response, 400, 'customerId is required');
    const customer = demoCustomers(options.store).find((c) => c.id === customerId);
    if (customer === undefined) return problem(response, 404, 'not one of the demo customers');
    const token = await options.signCustomerToken(customer.id);
    const { exp } = decodeJwt(token);
    json(response, 200, {
      token,
      expiresAt: exp !== undefined ? new Date(exp * 1000).toISOString() : null,
      customer: { id: customer.id, name: customer.name, email: customer.email },
    });
  }

  async function script(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let built: Bundle;
    try {
      built = await bundle();
    } catch (error) {
      console.error(`billing-gateway: the demo page's script did not build: ${error instanceof Error ? error.message : String(error)}`);
      return send(response, 500, 'text/plain; charset=utf-8', 'The demo page script could not be built; see the server log.');
    }
    const headers = { etag: built.etag, 'cache-control': 'no-cache' };
    if (request.headers['if-none-match'] === built.etag) {
      response.writeHead(304, { ...COMMON_HEADERS, ...headers });
      response.end();
      return;
    }
    send(response, 200, 'text/javascript; charset=utf-8', built.code, headers);
  }

  async function route(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    const method = request.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    switch (pathname) {
      case DEMO_PATH:
        if (!readOnly) return problem(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
        return send(response, 200, 'text/html; charset=utf-8', page, {
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-frame-options': 'DENY',
          'cache-control': 'no-cache',
        });
      case `${DEMO_PATH}/`:
        response.writeHead(308, { ...COMMON_HEADERS, location: DEMO_PATH });
        response.end();
        return;
      case DEMO_SCRIPT_PATH:
        if (!readOnly) return problem(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
        return script(request, response);
      case DEMO_CUSTOMERS_PATH:
        if (!readOnly) return problem(response, 405, 'method not allowed', { allow: 'GET, HEAD' });
        return json(response, 200, { customers: demoCustomers(options.store) });
      case DEMO_SESSION_PATH:
        if (method !== 'POST') return problem(response, 405, 'method not allowed', { allow: 'POST' });
        return signIn(request, response);
      default:
        return problem(response, 404, 'not found');
    }
  }

  return {
    handles: (pathname) => pathname === DEMO_PATH || pathname.startsWith(`${DEMO_PATH}/`),
    async handle(request, response) {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
      try {
        await route(request, response, pathname);
      } catch (error) {
        console.error(`billing-gateway: ${pathname}: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) problem(response, 500, 'internal error');
        else response.destroy();
      }
    },
  };
}
