/**
 * The gateway under load, in its own process (`npm run load` starts it pinned to core 0): `startApp` in demo
 * mode — the local Stripe in this same process — on a free port. Prints one JSON line on stdout with what the
 * load generator needs (URLs, the generated admin key and JWT secret, the local Stripe's URL and key), then
 * answers the load generator's questions over the IPC channel:
 *
 * - `{ type: 'sessions' }` → every Stripe call by outcome, and how many portal sessions the local Stripe created (executed, not replayed), per
 *   `Idempotency-Key` it received, since start — read from the local Stripe's request log, which this process
 *   scans in-process every 100 ms (the log keeps the last 10,000 requests; a scan never misses one, and nothing
 *   is serialised on the gateway's core during a run);
 * - `{ type: 'quiet', ms }` → answers once no new Stripe request has arrived for `ms` milliseconds (retries and
 *   requests the load generator abandoned at the end of a run have finished);
 * - `{ type: 'reset' }` → resets the local Stripe (seed, sessions, idempotency records, request log), so that
 *   each run starts from the same fixture and RSS growth across runs is the gateway's own, not the fixture's;
 * - `{ type: 'events', from }` → the events the local Stripe created since the last reset, from the `from`-th on,
 *   each with the wall-clock time it was appended to the event log (`event-ledger.ts`'s `CreatedEvent`): the start
 *   of the event → subscriber latency.
 *
 * Never run by `npm test`; not part of the product.
 */
import { startApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import { performance } from 'node:perf_hooks';
import type { LoggedRequest } from '../src/local-stripe/index.js';
import { createdEventOf, type CreatedEvent } from './event-ledger.js';

export interface GatewayReady {
  graphqlUrl: string;
  url: string;
  pid: number;
  adminKey: string;
  jwtSecret: string;
  customerClaim: string;
  issuer: string | undefined;
  audience: string | undefined;
  stripeUrl: string;
  stripeKey: string;
  /** `MAX_BODY_BYTES`: the flood's body must stay under it (or it measures the body limit instead). */
  maxBodyBytes: number;
}

export type GatewayRequest =
  | { id: number; type: 'sessions' }
  | { id: number; type: 'quiet'; ms: number; maxMs: number }
  | { id: number; type: 'reset' }
  | { id: number; type: 'events'; from: number };

export interface SessionStats {
  /** Every Stripe call the local Stripe received, by outcome: HTTP status, `replayed`, or `reset` (no answer). */
  calls: Record<string, number>;
  /** Sessions created (200, not an idempotent replay), by the `Idempotency-Key` Stripe received. */
  createdByKey: Record<string, number>;
  /** Session creates that reached the local Stripe, by outcome: `200`, `replayed`, `409`, `429`, `503`, `reset`… */
  outcomes: Record<string, number>;
}

export type GatewayReply =
  | { id: number; ok: true; sessions?: SessionStats; quietMs?: number; events?: CreatedEvent[] }
  | { id: number; ok: false; error: string };

const SESSION_PATH = '/v1/billing_portal/sessions';
/** A logged call still unanswered after this long was reset (or hangs): counted as `reset`. */
const UNANSWERED_MS = 2_000;

// Demo mode whatever the caller's environment says; any free port; the per-caller rate limit off (a load run
// sends hundreds of requests a second per caller on purpose) unless set explicitly.
const env: Record<string, string | undefined> = {
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  STRIPE_SECRET_KEY: '',
  STRIPE_API_BASE: '',
  GATEWAY_API_KEYS: '',
  AUTH_JWT_SECRET: '',
  AUTH_JWKS_URL: '',
  RATE_LIMIT_PER_MINUTE: process.env['RATE_LIMIT_PER_MINUTE'] ?? '0',
};
const app = await startApp(loadGatewayConfig(env));
const demo = app.demo;
const local = app.localStripe;
if (demo === undefined || local === undefined || demo.jwtSecret === undefined) {
  throw new Error('load/gateway.ts: startApp did not run in demo mode');
}

// Portal session creates, read from the request log as they complete.
const createdByKey = new Map<string, number>();
const outcomes = new Map<string, number>();
const calls = new Map<string, number>();
const pending = new Set<LoggedRequest>();
const seen = new WeakSet<LoggedRequest>();
let lastEntry: LoggedRequest | undefined;
let lastArrival = Date.now();

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function scan(): void {
  const log = local!.requests;
  const newest = log[log.length - 1];
  if (newest !== undefined && newest !== lastEntry) {
    lastArrival = Date.now();
    const from = lastEntry === undefined ? 0 : log.lastIndexOf(lastEntry) + 1;
    for (let i = from; i < log.length; i++) {
      const entry = log[i]!;
      if (seen.has(entry)) continue;
      seen.add(entry);
      pending.add(entry);
    }
    lastEntry = newest;
  }
  const now = Date.now();
  for (const entry of pending) {
    // Status 0 until answered (the local Stripe answers within its injected 20–50 ms); a reset or a hang stays 0
    // for good, and created nothing.
    if (entry.status === 0 && now - entry.at < UNANSWERED_MS) continue;
    pending.delete(entry);
    const outcome = entry.status === 0 ? 'reset' : entry.replayed ? 'replayed' : String(entry.status);
    bump(calls, outcome);
    if (entry.method !== 'POST' || entry.path !== SESSION_PATH) continue;
    bump(outcomes, outcome);
    if (entry.status === 200 && !entry.replayed) bump(createdByKey, entry.idempotencyKey ?? '(none)');
  }
}
setInterval(scan, 100).unref();

// Every event the local Stripe creates, with when: listened to on the account's event log, afresh after a reset
// (a reset builds a new store). Only what the books need is kept, never the payload.
let created: CreatedEvent[] = [];
let stopListening: (() => void) | undefined;
function listenToEvents(): void {
  stopListening?.();
  created = [];
  stopListening = local!.store.events.listen((event) => {
    created.push(createdEventOf(event, performance.timeOrigin + performance.now()));
  });
}
listenToEvents();

const ready: GatewayReady = {
  graphqlUrl: app.graphqlUrl,
  url: app.url,
  pid: process.pid,
  adminKey: demo.adminKey,
  jwtSecret: demo.jwtSecret,
  customerClaim: app.config.jwt.customerClaim,
  issuer: app.config.jwt.issuer,
  audience: app.config.jwt.audience,
  stripeUrl: local.url,
  stripeKey: local.secretKey,
  maxBodyBytes: app.config.limits.maxBodyBytes,
};
console.log(JSON.stringify(ready));

async function answer(request: GatewayRequest): Promise<GatewayReply> {
  switch (request.type) {
    case 'sessions':
      scan();
      return {
        id: request.id,
        ok: true,
        sessions: {
          calls: Object.fromEntries(calls),
          createdByKey: Object.fromEntries(createdByKey),
          outcomes: Object.fromEntries(outcomes),
        },
      };
    case 'quiet': {
      const started = Date.now();
      for (;;) {
        scan();
        const quietFor = Date.now() - lastArrival;
        const settled = quietFor >= Math.max(request.ms, UNANSWERED_MS + 100);
        if (settled || Date.now() - started >= request.maxMs) {
          return { id: request.id, ok: true, quietMs: quietFor };
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    case 'reset':
      scan();
      local!.reset();
      lastEntry = undefined;
      listenToEvents();
      return { id: request.id, ok: true };
    case 'events':
      return { id: request.id, ok: true, events: created.slice(request.from) };
  }
}

process.on('message', (message: GatewayRequest) => {
  answer(message).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The load generator went away (crashed or killed): do not linger.
process.on('disconnect', stop);
