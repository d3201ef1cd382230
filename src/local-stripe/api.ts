/**
 * What a resource module sees of a request, and how it declares its routes. Handlers are synchronous: they
 * read and change the store in one turn of the event loop and return the response body (or throw a
 * `StripeApiError`).
 */
import type { RenderContext, ExpandShape } from './expand.js';
import { validateExpand } from './expand.js';
import type { FormObject } from './form.js';
import { parseShape, type InferShape, type Shape } from './params.js';
import type { Store } from './store.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ApiRequest {
  method: Method;
  path: string;
  /** Values of the pattern's `:name(prefix_)` segments (the id as sent, prefix included). */
  pathParams: Record<string, string>;
  /** The decoded query string (GET, DELETE) or form body (POST). */
  params: FormObject;
  store: Store;
  render: RenderContext;
  /** Every account this server knows (the platform and its connected accounts), for `on_behalf_of`. */
  accounts: AccountDirectory;
}

/** What a handler may ask about the server's accounts. */
export interface AccountDirectory {
  readonly platform: Store;
  /** The store for an account id (the platform's when undefined); undefined if unknown. */
  storeFor(account: string | undefined): Store | undefined;
}

export type Handler = (req: ApiRequest) => unknown;

export interface Route {
  method: Method;
  /**
   * `/v1/customers/:id(cus_)`: an id segment names its resource's id prefix and matches only ids that carry it
   * (see `router.ts`).
   */
  pattern: string;
  handler: Handler;
}

export function route(method: Method, pattern: string, handler: Handler): Route {
  return { method, pattern, handler };
}

/** Reads the request's parameters against `shape` and checks its `expand` paths, before anything executes. */
export function readParams<S extends Shape>(req: ApiRequest, shape: S, expandShape?: ExpandShape): InferShape<S> {
  const params = parseShape(req.params, shape);
  if (expandShape !== undefined) {
    validateExpand((params as { expand?: string[] }).expand, expandShape);
  }
  return params;
}

/** The id from the path, as Stripe names it in errors. */
export function pathId(req: ApiRequest, name = 'id'): string {
  const id = req.pathParams[name];
  if (id === undefined) throw new Error(`route has no :${name}`);
  return id;
}
