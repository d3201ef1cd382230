/**
 * `/health` and `/ready`, answered before Yoga (`CONTRACT.md`):
 * - `/health`: 200 whenever the process is up — a liveness probe must not restart a replica because Redis is down
 *   (it keeps answering without it); the body says how Redis is: `{"status":"ok","redis":"up"|"down"|"off"}`.
 * - `/ready`: 200 when the replica should get traffic; 503 while it is draining (a stop has begun) or when a
 *   configured Redis is unreachable (a load balancer sends callers to replicas that share), with `Retry-After` and
 *   the reasons: `{"ready":false,"reasons":["draining","redis"]}`.
 * Both carry the security headers every answer of the gateway carries, and are never cached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HEALTH_PATH, READY_PATH } from './paths.js';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers.js';

export interface HealthState {
  /** The Redis link's state; undefined without `REDIS_URL`. */
  redisUp: (() => boolean) | undefined;
  /** True once a stop has begun. */
  draining: () => boolean;
}

export type NotReady = 'draining' | 'redis';

export interface HealthRoutes {
  handles(path: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse): void;
}

export function createHealthRoutes(state: HealthState): HealthRoutes {
  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    response.end(text);
  };
  const redis = () => (state.redisUp === undefined ? 'off' : state.redisUp() ? 'up' : 'down');
  return {
    handles: (path) => path === HEALTH_PATH || path === READY_PATH,
    handle(request, response) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return send(response, 405, { error: 'GET only' }, { allow: 'GET, HEAD' });
      }
      const path = (request.url ?? '/').split('?', 1)[0];
      if (path === HEALTH_PATH) return send(response, 200, { status: 'ok', redis: redis() });
      const reasons: NotReady[] = [];
      if (state.draining()) reasons.push('draining');
      if (redis() === 'down') reasons.push('redis');
      if (reasons.length === 0) return send(response, 200, { ready: true, redis: redis() });
      send(response, 503, { ready: false, reasons, redis: redis() }, { 'retry-after': '5' });
    },
  };
}
