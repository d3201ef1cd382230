/**
 * `POST /webhooks/stripe` through real HTTP to a started app: deliveries signed with the SDK's own
 * `generateTestHeaderString` (events as the local Stripe makes them) are accepted exactly when they should be —
 * either configured secret, both signatures of a rotation — and refused with 400, no effect and a count otherwise
 * (re-serialised body, 301 s old, future beyond the tolerance, wrong secret, `v0` only, no header, malformed JSON,
 * oversize). A duplicate event id is answered 2xx twice and published once; the "changed" hooks run before the
 * answer; one log line per delivery, never the payload, the signature or a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import type { StripeChange } from '../../src/events/changes.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import {
  deliver,
  deliverEvent,
  localEvent,
  payloadOf,
  recordChanges,
  SECRET_A,
  SECRET_B,
  signatureFor,
} from '../support/webhooks.js';

interface Line {
  msg: string;
  [key: string]: unknown;
}

let p: ProductionApp;
let lines: string[];
let recorder: ReturnType<typeof recordChanges>;
/** What the "changed" hooks saw, and whether the hub had published the change when they ran. */
const hookCalls: Array<{ eventId: string; publishedBefore: boolean }> = [];
/** Event ids whose first hook run throws. */
const failOnce = new Set<string>();

const now = () => Math.floor(Date.now() / 1000);

/** A `customer.updated` of the demo customer, as the local Stripe records one. */
async function customerUpdated(): Promise<Stripe.Event> {
  const customer = p.stripe.store.customers.require(DEMO.customer);
  return localEvent(p.stripe, { type: 'customer.updated', object: customer, previousAttributes: { name: 'Ada King' } });
}

const webhookLines = () => lines.map((line) => JSON.parse(line) as Line).filter((line) => line.msg === 'webhook');

beforeAll(async () => {
  lines = [];
  p = await startProductionApp(
    { STRIPE_WEBHOOK_SECRET: `${SECRET_A}, ${SECRET_B}`, LOG_LEVEL: 'info' },
    {
      logSink: (line) => lines.push(line),
      changedHooks: [
        (change) => {
          hookCalls.push({ eventId: change.eventId, publishedBefore: recorder.changes.some((c) => c.eventId === change.eventId) });
          if (failOnce.delete(change.eventId)) throw new Error('the cache is unreachable');
        },
      ],
    },
  );
  recorder = recordChanges(p.app);
});
afterAll(async () => {
  recorder.stop();
  await p.stop();
});

describe('accepted deliveries', () => {
  it('verifies a delivery signed with the first secret, answers {"received":true}, then publishes its change', async () => {
    const event = await customerUpdated();
    const answer = await deliverEvent(p.app, event);
    expect(answer).toMatchObject({ status: 200, body: { received: true } });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const change = await recorder.waitFor(event.id);
    expect(change).toEqual<StripeChange>({
      eventId: event.id,
      type: 'customer.updated',
      created: event.created,
      account: null,
      livemode: false,
      changes: [{ kind: 'customer', id: DEMO.customer, customerId: DEMO.customer, deleted: false }],
    });
    // The hook ran before the answer, so before the change was published.
    expect(hookCalls.find((call) => call.eventId === event.id)).toEqual({ eventId: event.id, publishedBefore: false });
  });

  it('verifies a delivery signed with the second (rotated) secret', async () => {
    const event = await customerUpdated();
    expect((await deliverEvent(p.app, event, { secret: SECRET_B })).status).toBe(200);
    await recorder.waitFor(event.id);
  });

  it('verifies a header with two v1 signatures (Stripe signs with the old and the new secret while rotating)', async () => {
    const event = await customerUpdated();
    const payload = payloadOf(event);
    const t = now();
    const unknown = signatureFor(payload, { secret: 'whsec_notOursxxxxxxxxxxxxxxxxxxxxxxx', timestamp: t });
    const ours = signatureFor(payload, { secret: SECRET_B, timestamp: t });
    const header = `${unknown},${ours.split(',')[1]}`;
    expect((await deliver(p.app, payload, header)).status).toBe(200);
    await recorder.waitFor(event.id);
  });

  it('accepts a signature a minute in the future (clocks differ a little)', async () => {
    const event = await customerUpdated();
    expect((await deliverEvent(p.app, event, { timestamp: now() + 60 })).status).toBe(200);
    await recorder.waitFor(event.id);
  });

  it('acknowledges an event about nothing the gateway shows, and publishes nothing for it', async () => {
    const charge = { id: 'ch_3MmlLrLkdIwHu7ix0snN0B15', object: 'charge', amount: 1099, customer: DEMO.customer };
    const event = localEvent(p.stripe, { type: 'charge.succeeded', object: charge });
    const before = p.app.webhooks.stats().ignored;
    expect(await deliverEvent(p.app, event)).toMatchObject({ status: 200, body: { received: true } });
    expect(p.app.webhooks.stats().ignored).toBe(before + 1);
    // A sentinel published after it proves nothing was published for it (the hub publishes in order).
    const sentinel = await customerUpdated();
    await deliverEvent(p.app, sentinel);
    await recorder.waitFor(sentinel.id);
    expect(recorder.changes.some((c) => c.eventId === event.id)).toBe(false);
  });
});

describe('refused deliveries: 400, a reason, no effect, counted', () => {
  it('refuses each kind of bad delivery, and publishes nothing for any of them', async () => {
    const event = await customerUpdated();
    const payload = payloadOf(event);
    const t = now();
    const cases: Array<{ name: string; send: () => ReturnType<typeof deliver>; outcome: string; reason: RegExp }> = [
      {
        name: 're-serialised body',
        send: () => deliver(p.app, JSON.stringify(JSON.parse(payload)), signatureFor(payload)),
        outcome: 'bad_signature',
        reason: /no signature matches/,
      },
      {
        name: '301 s old',
        send: () => deliver(p.app, payload, signatureFor(payload, { timestamp: t - 301 })),
        outcome: 'stale_timestamp',
        reason: /older than the tolerance/,
      },
      {
        name: 'in the future beyond the tolerance',
        send: () => deliver(p.app, payload, signatureFor(payload, { timestamp: t + 360 })),
        outcome: 'future_timestamp',
        reason: /future/,
      },
      {
        name: 'wrong secret',
        send: () => deliver(p.app, payload, signatureFor(payload, { secret: 'whsec_someoneElsesxxxxxxxxxxxxxxxxxx' })),
        outcome: 'bad_signature',
        reason: /no signature matches/,
      },
      {
        name: 'v0 only',
        send: () => deliver(p.app, payload, signatureFor(payload, { scheme: 'v0' })),
        outcome: 'no_v1_signature',
        reason: /no v1 signature/,
      },
      { name: 'no header', send: () => deliver(p.app, payload, null), outcome: 'missing_signature', reason: /no Stripe-Signature/ },
      {
        name: 'a header without a timestamp',
        send: () => deliver(p.app, payload, `v1=${'0'.repeat(64)}`),
        outcome: 'malformed_signature',
        reason: /no timestamp/,
      },
      {
        name: 'malformed JSON (validly signed)',
        send: () => deliver(p.app, '{"id": "evt_1", ', signatureFor('{"id": "evt_1", ')),
        outcome: 'malformed_json',
        reason: /not JSON/,
      },
      {
        name: 'JSON that is not an event (validly signed)',
        send: () => deliver(p.app, '{"hello": "world"}', signatureFor('{"hello": "world"}')),
        outcome: 'not_an_event',
        reason: /not a Stripe event/,
      },
      {
        name: 'not JSON at all',
        send: () => deliver(p.app, payload, signatureFor(payload), { contentType: 'application/x-www-form-urlencoded' }),
        outcome: 'unsupported_media_type',
        reason: /application\/json/,
      },
      {
        name: 'an oversize body (1 MiB + 1 byte, validly signed)',
        send: () => {
          const big = `{"pad":"${'x'.repeat(1024 * 1024 - 9)}"}`;
          return deliver(p.app, big, signatureFor(big));
        },
        outcome: 'too_large',
        reason: /over 1048576 bytes/,
      },
    ];
    const before = p.app.webhooks.stats();
    for (const c of cases) {
      const answer = await c.send();
      expect({ name: c.name, status: answer.status }).toEqual({ name: c.name, status: 400 });
      expect(String(answer.body['error']), c.name).toMatch(c.reason);
    }
    const after = p.app.webhooks.stats();
    const expected: Record<string, number> = {};
    for (const c of cases) expected[c.outcome] = (expected[c.outcome] ?? 0) + 1;
    for (const [outcome, n] of Object.entries(expected)) {
      expect({ outcome, n: (after as unknown as Record<string, number>)[outcome]! - (before as unknown as Record<string, number>)[outcome]! }).toEqual({ outcome, n });
    }
    expect(after.accepted).toBe(before.accepted);
    expect(after.total - before.total).toBe(cases.length);

    // None of them reached the hooks or the hub: the same event, now delivered properly, is the first of its id.
    expect(hookCalls.some((call) => call.eventId === event.id)).toBe(false);
    expect(await deliver(p.app, payload, signatureFor(payload))).toMatchObject({ status: 200, body: { received: true } });
    await recorder.waitFor(event.id);
    expect(recorder.changes.filter((c) => c.eventId === event.id)).toHaveLength(1);
  });

  it('answers another method with 405 and Allow: POST', async () => {
    const answer = await deliver(p.app, '', null, { method: 'GET' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });
});

describe('duplicates and failures', () => {
  it('answers a duplicate event id 2xx again, and publishes it once', async () => {
    const event = await customerUpdated();
    const first = await deliverEvent(p.app, event);
    // Stripe's retry is signed afresh: another timestamp, the same event.
    const second = await deliverEvent(p.app, event, { timestamp: now() - 5 });
    expect(first).toMatchObject({ status: 200, body: { received: true } });
    expect(second).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
    // Two at once: one is acted on.
    const [a, b] = await Promise.all([deliverEvent(p.app, event), deliverEvent(p.app, event)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const sentinel = await customerUpdated();
    await deliverEvent(p.app, sentinel);
    await recorder.waitFor(sentinel.id);
    expect(recorder.changes.filter((c) => c.eventId === event.id)).toHaveLength(1);
    expect(hookCalls.filter((call) => call.eventId === event.id)).toHaveLength(1);
  });

  it('answers 500 when a "changed" hook throws, publishes nothing, and acts on Stripe\'s retry', async () => {
    const event = await customerUpdated();
    failOnce.add(event.id);
    const failed = await deliverEvent(p.app, event);
    expect(failed.status).toBe(500);
    expect(failed.body['error']).toMatch(/Stripe will retry/);
    const retried = await deliverEvent(p.app, event);
    expect(retried).toMatchObject({ status: 200, body: { received: true } });
    expect(retried.body['duplicate']).toBeUndefined();
    await recorder.waitFor(event.id);
    expect(recorder.changes.filter((c) => c.eventId === event.id)).toHaveLength(1);
    expect(hookCalls.filter((call) => call.eventId === event.id)).toHaveLength(2);
  });
});

describe('the log', () => {
  it('writes one line per delivery (event id, type, outcome, status), never the payload, the signature or a secret', async () => {
    lines.length = 0;
    const event = await customerUpdated();
    const payload = payloadOf(event);
    const header = signatureFor(payload);
    await deliver(p.app, payload, header);
    await deliver(p.app, payload, signatureFor(payload, { secret: SECRET_B, timestamp: now() - 400 }));
    await recorder.waitFor(event.id);
    const logged = webhookLines();
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ eventId: event.id, type: 'customer.updated', outcome: 'accepted', status: 200 });
    // A refused delivery is not trusted: its claimed event id is not logged.
    expect(logged[1]).toMatchObject({ eventId: null, type: null, outcome: 'stale_timestamp', status: 400 });
    const customer = p.stripe.store.customers.require(DEMO.customer);
    const all = lines.join('\n');
    for (const secret of [SECRET_A, SECRET_B, header, header.split('v1=')[1]!, customer.email!, 'Ada King']) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('without STRIPE_WEBHOOK_SECRET', () => {
  let bare: ProductionApp;
  beforeAll(async () => {
    bare = await startProductionApp();
  });
  afterAll(async () => {
    await bare.stop();
  });

  it('answers 503 (so that Stripe retries once a secret is set), counted as not_configured', async () => {
    const event = localEvent(bare.stripe, { type: 'customer.updated', object: bare.stripe.store.customers.require(DEMO.customer) });
    const answer = await deliverEvent(bare.app, event);
    expect(answer.status).toBe(503);
    expect(answer.body['error']).toMatch(/STRIPE_WEBHOOK_SECRET/);
    expect(bare.app.webhooks.secrets).toBe('none');
    expect(bare.app.webhooks.stats().not_configured).toBe(1);
  });
});
