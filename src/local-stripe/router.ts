/**
 * Which route a `/v1` request names: the route table of the resource modules, compiled once. Static segments win
 * over `:params` when both match (`/v1/customers/search` before `/v1/customers/:id`).
 */
import type { Route } from './api.js';

interface CompiledRoute extends Route {
  segments: string[];
  specificity: number;
}

export interface RouteMatch {
  route: Route;
  /** Values of the pattern's `:name` segments. */
  params: Record<string, string>;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes
      .map((r) => {
        const segments = r.pattern.split('/').filter(Boolean);
        return { ...r, segments, specificity: segments.filter((s) => !s.startsWith(':')).length };
      })
      .sort((a, b) => b.specificity - a.specificity);
  }

  /** The route for `method` and `pathname`, or undefined (Stripe's "Unrecognized request URL"). */
  match(method: string, pathname: string): RouteMatch | undefined {
    const segments = pathname.split('/').filter(Boolean);
    for (const route of this.routes) {
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
}
