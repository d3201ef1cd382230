/** CORS for exactly the configured origins (`CORS_ORIGINS`), and `Vary: Origin` when it is on. */
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import type { Context } from '../graphql/context.js';
import { CSRF_HEADERS } from './csrf.js';
import { REQUEST_ID_HEADER } from './request-log.js';

/**
 * CORS for exactly these origins. Yoga's own handling of an origin list answers any other origin with
 * `Access-Control-Allow-Origin: null` *and* `Access-Control-Allow-Credentials: true` — which a sandboxed iframe or
 * a `data:` page (whose Origin is `null`) would satisfy. So the options are decided per request: an allowed origin
 * gets itself back with credentials; any other origin gets no CORS header at all.
 */
export function corsFor(origins: readonly string[]): YogaServerOptions<Record<string, never>, Context>['cors'] {
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
export function varyByOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (vary === null) response.headers.set('vary', 'Origin');
      else if (!/\borigin\b/i.test(vary)) response.headers.set('vary', `${vary}, Origin`);
    },
  };
}
