/**
 * Which route a `/v1` request names: the route table of the resource modules, compiled once.
 *
 * An id segment is written `:name(prefix_)` (`/v1/invoices/:id(in_)`) and matches only a segment that looks like an
 * id of that resource: Stripe's ids carry their resource's prefix. That is what keeps Stripe's own route words out
 * of the id position: `POST /v1/invoices/create_preview` is its own (static) route, and `GET /v1/invoices/upcoming`,
 * which Stripe removed, is no route here (Stripe's "Unrecognized request URL"), rather than an invoice named
 * `upcoming` that does not exist. An id of the right shape that names nothing (`in_nope`) still reaches its
 * route, whose lookup answers `resource_missing`. (A segment without the prefix is unrecognized too, where Stripe
 * itself may look it up and answer `resource_missing`: both are a 404 `invalid_request_error`.)
 *
 * Products are the exception: Stripe lets the caller choose a product's id (`gold`), so their id segment is
 * written `:id(*)` and matches any non-empty segment; the static routes beside it (`/v1/products/search`) still win,
 * being matched first.
 *
 * Empty segments are kept: `GET /v1/customers/` (what an SDK sends for `retrieve('')`) is not the customer list.
 */
import type { Route } from './api.js';

type Segment = { kind: 'static'; text: string } | { kind: 'id'; name: string; prefix: string };

interface CompiledRoute {
  route: Route;
  segments: Segment[];
}

export interface RouteMatch {
  route: Route;
  /** Values of the pattern's `:name(prefix_)` segments, the prefix included. */
  params: Record<string, string>;
}

const ID_SEGMENT = /^:([a-z_]+)\(([a-z]+_|\*)\)$/;

function compileSegment(pattern: string, segment: string): Segment {
  if (!segment.startsWith(':')) return { kind: 'static', text: segment };
  const id = ID_SEGMENT.exec(segment);
  // Every id segment names its prefix: a bare `:id` would take any word of the path for an id again.
  if (id === null) throw new Error(`local Stripe route ${pattern}: write an id segment as :name(prefix_), not ${segment}`);
  return { kind: 'id', name: id[1] as string, prefix: id[2] as string };
}

function matches(segment: Segment, actual: string): boolean {
  if (segment.kind === 'static') return segment.text === actual;
  if (segment.prefix === '*') return actual.length > 0;
  return actual.length > segment.prefix.length && actual.startsWith(segment.prefix);
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    const specificity = (r: CompiledRoute) => r.segments.filter((s) => s.kind === 'static').length;
    // Static segments first, should a route word ever start like an id (none does today).
    this.routes = routes
      .map((route) => ({
        route,
        segments: route.pattern.split('/').slice(1).map((segment) => compileSegment(route.pattern, segment)),
      }))
      .sort((a, b) => specificity(b) - specificity(a));
  }

  /** The route for `method` and `pathname`, or undefined (Stripe's "Unrecognized request URL"). */
  match(method: string, pathname: string): RouteMatch | undefined {
    const actual = pathname.split('/').slice(1);
    for (const { route, segments } of this.routes) {
      if (route.method !== method || segments.length !== actual.length) continue;
      if (!segments.every((segment, i) => matches(segment, actual[i] as string))) continue;
      const params: Record<string, string> = {};
      segments.forEach((segment, i) => {
        if (segment.kind === 'id') params[segment.name] = actual[i] as string;
      });
      return { route, params };
    }
    return undefined;
  }
}
