/**
 * `/health` and `/ready`, answered before Yoga (`CONTRACT.md`):
 * - `/health`: 200 whenever the process is up — a liveness probe must not restart a replica because Redis or Stripe
 *   is away (it keeps answering what it can, and recovers by itself); the body says the same facts as `/ready`.
 * - `/ready`: 200 when the replica should get traffic; 503 while it is draining (a stop has begun), when a
 *   configured Redis is unreachable (a load balancer sends callers to replicas that share), or when Stripe was
 *   unreachable as last seen (and still is when asked again: `src/stripe/reachability.ts`), with `Retry-After` and
 *   the reasons: `{"ready":false,"reasons":["draining","redis","stripe"],"draining":true,"redis":"down","stripe":{…}}`.
 * Both carry the security headers every answer of the gateway carries, and are never cached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StripeReachabilityState } from '../stripe/reachability.js';
import { HEALTH_PATH, READY_PATH } from './paths.js';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers.js';

export interface HealthState {
  /** The Redis link's state; undefined without `REDIS_URL`. */
  redisUp: (() => boolean) | undefined;
  /** True once a stop has begun. */
  draining: () => boolean;
  /** Stripe as last seen (no request sent). */
  stripe: () => StripeReachabilityState;
  /** Stripe as last seen, asked again first when it was unreachable (waits for that at most `waitMs`). */
  checkStripe: (waitMs: number) => Promise<StripeReachabilityState>;
}

export type NotReady = 'draining' | 'redis' | 'stripe';

export interface HealthRoutes {
  handles(path: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

/** How long `/ready` waits for its own look at Stripe: under a kubelet's default 1 s probe timeout. */
const READY_STRIPE_WAIT_MS = 700;

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
    async handle(request, response) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return send(response, 405, { error: 'GET only' }, { allow: 'GET, HEAD' });
      }
      const path = (request.url ?? '/').split('?', 1)[0];
      if (path === HEALTH_PATH) {
        return send(response, 200, { status: 'ok', draining: state.draining(), redis: redis(), stripe: state.stripe() });
      }
      const stripe = await state.checkStripe(READY_STRIPE_WAIT_MS);
      const facts = { draining: state.draining(), redis: redis(), stripe };
      const reasons: NotReady[] = [];
      if (facts.draining) reasons.push('draining');
      if (facts.redis === 'down') reasons.push('redis');
      if (!stripe.reachable) reasons.push('stripe');
      const ready = reasons.length === 0;
      send(response, ready ? 200 : 503, { ready, reasons, ...facts }, ready ? {} : { 'retry-after': '5' });
    },
  };
}
