/**
 * The control API under `/_local/`, for tests and tools beside the Stripe API: the request log
 * (`GET`/`DELETE /_local/requests`), fault injection (`GET`/`PUT`/`DELETE /_local/faults`), a reset
 * (`POST /_local/reset`) and the account's clock: `GET /_local/clock` → `{ now }` (unix seconds) and
 * `POST /_local/clock/advance` with `{ "seconds": n }` or `{ "to": unixSeconds }` (and `"account"` for a connected
 * account), which moves time forward and processes everything that falls due on the way (renewals, trial ends,
 * invoice finalization and payment retries, scheduled cancellations: `resources/subscription-clock.ts`).
 * Webhooks (`events/deliveries.ts`): `GET /_local/webhooks/deliveries` → `{ data: [attempt, …] }`, every delivery
 * attempt oldest first, `DELETE` clears them; `GET`/`PUT`/`DELETE /_local/webhooks/faults` (reorder, duplicate).
 * Plain JSON, no auth: the local Stripe listens on loopback.
 */
import type { ServerResponse } from 'node:http';
import type { WebhookDeliveries } from './events/deliveries.js';
import type { DeliveryFaults } from './events/delivery-faults.js';
import type { FaultOptions, Faults } from './faults.js';

export interface ControlTarget {
  readonly requests: readonly unknown[];
  clearRequests(): void;
  readonly faults: Faults;
  /** Undefined when the server was built without a reset (then `POST /_local/reset` is not served). */
  reset: (() => void) | undefined;
  /** Undefined when the server was built without a clock control (then `/_local/clock` is not served). */
  clock: ClockControl | undefined;
  /** Undefined when the server was built without webhook deliveries (then `/_local/webhooks/` is not served). */
  webhooks: WebhookDeliveries | undefined;
}

/** The account clocks (`account` undefined: the platform's). */
export interface ClockControl {
  now(account: string | undefined): number;
  advance(target: { seconds?: number; to?: number }, account: string | undefined): number;
}

interface ClockRequest {
  seconds?: unknown;
  to?: unknown;
  account?: unknown;
}

function advanceRequest(body: string): { target: { seconds?: number; to?: number }; account: string | undefined } {
  const request = JSON.parse(body || '{}') as ClockRequest;
  const number = (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
    return value;
  };
  if ((request.seconds === undefined) === (request.to === undefined)) throw new Error('give exactly one of "seconds" or "to"');
  if (request.account !== undefined && typeof request.account !== 'string') throw new Error('"account" must be a string');
  const target = request.seconds !== undefined ? { seconds: number(request.seconds, 'seconds') } : { to: number(request.to, 'to') };
  return { target, account: request.account as string | undefined };
}

export function handleControl(target: ControlTarget, method: string, path: string, body: string, res: ServerResponse): void {
  const reply = (status: number, value: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  try {
    if (path === '/_local/requests' && method === 'GET') return reply(200, { data: target.requests });
    if (path === '/_local/requests' && method === 'DELETE') {
      target.clearRequests();
      return reply(200, { cleared: true });
    }
    if (path === '/_local/faults' && method === 'GET') return reply(200, target.faults.current);
    if (path === '/_local/faults' && method === 'PUT') {
      target.faults.set(JSON.parse(body || '{}') as FaultOptions);
      return reply(200, target.faults.current);
    }
    if (path === '/_local/faults' && method === 'DELETE') {
      target.faults.set(undefined);
      return reply(200, {});
    }
    if (path === '/_local/clock' && method === 'GET' && target.clock !== undefined) {
      return reply(200, { now: target.clock.now(undefined) });
    }
    if (path === '/_local/clock/advance' && method === 'POST' && target.clock !== undefined) {
      const { target: to, account } = advanceRequest(body);
      return reply(200, { now: target.clock.advance(to, account) });
    }
    const webhooks = target.webhooks;
    if (path === '/_local/webhooks/deliveries' && method === 'GET' && webhooks !== undefined) {
      return reply(200, { data: webhooks.attempts });
    }
    if (path === '/_local/webhooks/deliveries' && method === 'DELETE' && webhooks !== undefined) {
      webhooks.clearAttempts();
      return reply(200, { cleared: true });
    }
    if (path === '/_local/webhooks/faults' && method === 'GET' && webhooks !== undefined) return reply(200, webhooks.faults.current);
    if (path === '/_local/webhooks/faults' && method === 'PUT' && webhooks !== undefined) {
      webhooks.setFaults(JSON.parse(body || '{}') as DeliveryFaults);
      return reply(200, webhooks.faults.current);
    }
    if (path === '/_local/webhooks/faults' && method === 'DELETE' && webhooks !== undefined) {
      webhooks.setFaults(undefined);
      return reply(200, {});
    }
    if (path === '/_local/reset' && method === 'POST' && target.reset !== undefined) {
      target.reset();
      return reply(200, { reset: true });
    }
    return reply(404, { error: `no control endpoint ${method} ${path}` });
  } catch (error) {
    return reply(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
