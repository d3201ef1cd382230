/**
 * `POST /webhooks/stripe`: Stripe's webhook deliveries, handled in the node listener before Yoga, on the raw bytes.
 *
 *   verify (the SDK's own check, every configured secret, the tolerance both ways: `src/stripe/webhooks.ts`)
 *   → claim the event id (`src/events/dedup.ts`: a duplicate is answered 200 and goes no further)
 *   → `changesOf(event)` (`src/events/changes.ts`: the objects it changed)
 *   → the "changed" hooks, awaited BEFORE the answer (the shared cache's invalidation goes there: once Stripe has
 *     its 2xx, no later read may serve the old state)
 *   → 200 `{"received":true}`
 *   → after the answer, `events.publish(change)` (GraphQL subscriptions: they re-read what changed, so they are
 *     never on the delivery's clock).
 *
 * With replicas on one Redis (`fanout`: `src/events/redis-fanout.ts`) the claim and the publish become one hand-off
 * BEFORE the answer: a known duplicate is answered 200 at once; otherwise the hooks run, then the event id is
 * claimed and the change appended to the stream every replica reads (each publishes into its own hub), atomically.
 * Redis unreachable at either step: 503 with `Retry-After`, nothing claimed, nothing published (Stripe retries; the
 * hooks may have dropped cache entries, which is harmless).
 *
 * A refused delivery (bad or missing signature, a secret that is not ours, a timestamp outside the tolerance, a
 * `v0`-only header, a body that is not the signed one or not a Stripe event, a body over 1 MiB, not JSON) is
 * answered 400 with a short reason and has no effect; another method is 405. A hook that throws: 500, the claim is
 * released, and Stripe's retry is acted on. Every delivery is counted by outcome and logged in one line (event id,
 * type, outcome, status) — never its payload, its signature or a secret. Nothing in an event decides what a caller
 * may see: it names objects; the subscriber side authorizes and reads them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChangedHook, StripeChange } from '../events/changes.js';
import { changesOf } from '../events/changes.js';
import type { EventDedup } from '../events/dedup.js';
import type { ChangeFanout } from '../events/redis-fanout.js';
import type { Logger } from '../observability/log.js';
import type { WebhookVerifier } from '../stripe/webhooks.js';
import { REQUEST_ID_HEADER, requestIdFor } from './request-log.js';
import type { WebhookCounts, WebhookOutcome } from './webhook-stats.js';
import { WebhookStats } from './webhook-stats.js';

/** Larger than any event Stripe sends (an invoice's first page of lines included), small enough to hold in memory. */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookRouteOptions {
  /** Undefined when no secret is configured: every delivery is answered 503 (Stripe retries it for 3 days). */
  verifier: WebhookVerifier | undefined;
  dedup: EventDedup;
  /** Run in order on every accepted change before the answer; a throw answers 500. */
  hooks: readonly ChangedHook[];
  /** Where accepted changes go after the answer (the event hub). */
  events: { publish(change: StripeChange): void };
  /**
   * Replicas on one Redis: de-duplication and the hand-off to every replica's hub, before the answer (`dedup` and
   * `events` are then not used).
   */
  fanout?: ChangeFanout | undefined;
  logger: Logger;
  maxBodyBytes?: number;
}

export interface WebhookRoute {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** The deliveries so far, counted by outcome. */
  stats(): WebhookCounts;
}

type Body = { ok: true; bytes: Buffer } | { ok: false; why: 'too_large' | 'aborted' };

/**
 * The raw body; `too_large` at the first byte past `max` (a declared `Content-Length` is judged before any is read),
 * `aborted` when the client went away first.
 */
function readBody(request: IncomingMessage, max: number): Promise<Body> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > max) return Promise.resolve({ ok: false, why: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        request.off('data', onData);
        resolve({ ok: false, why: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve({ ok: true, bytes: Buffer.concat(chunks) }));
    // After 'end' this changes nothing (a promise settles once).
    request.once('close', () => resolve({ ok: false, why: 'aborted' }));
  });
}

const isJson = (contentType: string | undefined) =>
  (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase() === 'application/json';

export function createWebhookRoute(options: WebhookRouteOptions): WebhookRoute {
  const { verifier, dedup, hooks, events, logger, fanout } = options;
  const maxBodyBytes = options.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
  const counts = new WebhookStats();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const start = performance.now();
    const requestId = requestIdFor(request.headers[REQUEST_ID_HEADER]);
    const receivedAtMs = Date.now();
    let event: { id: string; type: string } | undefined;

    const answer = (status: number, outcome: WebhookOutcome, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      counts.count(outcome);
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        [REQUEST_ID_HEADER]: requestId,
        ...headers,
      });
      response.end(text);
      // Refusals at warn: a wrong STRIPE_WEBHOOK_SECRET refuses every delivery, which an operator must hear of.
      logger[status >= 400 ? 'warn' : 'info']('webhook', {
        requestId,
        eventId: event?.id ?? null,
        type: event?.type ?? null,
        outcome,
        status,
        durationMs: Math.round((performance.now() - start) * 10) / 10,
      });
    };
    const refuse = (outcome: WebhookOutcome, reason: string, headers: Record<string, string> = {}) =>
      answer(400, outcome, { error: reason }, headers);

    if (request.method !== 'POST') {
      return answer(405, 'method_not_allowed', { error: 'webhook deliveries are POSTs' }, { allow: 'POST' });
    }
    if (verifier === undefined) {
      return answer(503, 'not_configured', { error: 'webhooks are not configured: set STRIPE_WEBHOOK_SECRET' }, { 'retry-after': '60' });
    }
    if (!isJson(request.headers['content-type'])) {
      return refuse('unsupported_media_type', 'webhook deliveries are application/json');
    }
    const body = await readBody(request, maxBodyBytes);
    if (!body.ok) {
      if (body.why === 'aborted') return;
      // The rest of an oversized body is not read: the connection closes after the answer.
      return refuse('too_large', `the body is over ${maxBodyBytes} bytes`, { connection: 'close' });
    }

    const header = request.headers['stripe-signature'];
    const verified = verifier.verify(body.bytes, Array.isArray(header) ? header.join(',') : header, receivedAtMs);
    if (!verified.ok) return refuse(verified.outcome, verified.reason);
    event = { id: verified.event.id, type: verified.event.type };

    const duplicate = () => answer(200, 'duplicate', { received: true, duplicate: true });
    const unavailable = (error: unknown) => {
      logger.warn('webhook: Redis unreachable', { requestId, eventId: event?.id ?? null, error });
      return answer(503, 'unavailable', { error: 'the event cannot be handed to the other replicas now; Stripe will retry it' }, { 'retry-after': '10' });
    };
    if (fanout !== undefined) {
      try {
        if (await fanout.seen(verified.event.id)) return duplicate();
      } catch (error) {
        return unavailable(error);
      }
    } else if (!(await dedup.claim(verified.event.id))) return duplicate();
    const change = changesOf(verified.event);
    if (change.changes.length === 0) return answer(200, 'ignored', { received: true });
    try {
      for (const hook of hooks) await hook(change);
    } catch (error) {
      if (fanout === undefined) await dedup.release(verified.event.id);
      logger.error('webhook hook failed', { requestId, eventId: change.eventId, type: change.type, error });
      return answer(500, 'failed', { error: 'the event could not be processed; Stripe will retry it' });
    }
    if (fanout !== undefined) {
      // Every replica's reader publishes it, this one's too.
      try {
        return (await fanout.handOff(change)) ? answer(200, 'accepted', { received: true }) : duplicate();
      } catch (error) {
        return unavailable(error);
      }
    }
    answer(200, 'accepted', { received: true });
    // After the answer: subscribers re-read what changed on their own time, never on the delivery's.
    setImmediate(() => {
      try {
        events.publish(change);
      } catch (error) {
        logger.error('webhook publish failed', { requestId, eventId: change.eventId, type: change.type, error });
      }
    });
  }

  return {
    async handle(request, response) {
      try {
        await handle(request, response);
      } catch (error) {
        logger.error('webhook delivery failed', { error });
        if (!response.headersSent) {
          counts.count('failed');
          response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"internal error"}');
        } else response.destroy();
      }
    },
    stats: () => counts.snapshot(),
  };
}
