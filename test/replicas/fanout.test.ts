/**
 * Three gateway processes on one real redis-server and one local Stripe (in this process), which forwards every
 * event to replica 1 as `stripe listen --forward-to` would: what one replica accepts reaches the subscribers of the
 * others; the same event delivered to every replica is handed off once; and with Redis killed and restarted mid-run
 * the replicas keep answering queries, are not ready while it is down, answer deliveries 503 without claiming them,
 * and once Redis is back (no restart of theirs) every event of the outage reaches the subscribers.
 *
 * The replicas are started once for the file (seconds each); the outage test comes last.
 */
import { Redis } from 'ioredis';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerUpdatedDocument } from '../../src/client/index.js';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { listen, type Listener } from '../support/live.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { eventually, startReplicas, stopReplicas, type Replica } from '../support/replicas.js';
import { deliverEvent, localEvent, SECRET_A } from '../support/webhooks.js';

const STREAM = 'billing-gateway:events';

let redis: TestRedis;
let local: LocalStripe;
let stripe: Stripe;
let replicas: Replica[];
/** The test's own look at Redis (to count stream entries), never in the gateway's path. */
let observer: Redis;

beforeAll(async () => {
  redis = await startRedis();
  // Retries spread over ~18 s: enough to ride out the outage below.
  local = await startLocalStripe({ seed: 'demo', webhooks: { retrySchedule: [250, 500, 1000, 2000, 2000, 4000, 4000, 4000] } });
  replicas = await startReplicas(3, { stripe: local, redisUrl: redis.url, env: { STRIPE_WEBHOOK_SECRET: SECRET_A } });
  local.forwardWebhooks({ url: replicas[0]!.webhookUrl, secret: SECRET_A });
  stripe = new Stripe(local.secretKey, { ...local.stripeConfig, maxNetworkRetries: 0 });
  observer = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  // It reconnects by itself after the outage; its failed attempts meanwhile are no news.
  observer.on('error', () => undefined);
}, 90_000);

afterAll(async () => {
  observer?.disconnect();
  local?.webhooks.stopForwarding();
  await stopReplicas(replicas ?? []);
  await local?.stop();
  await redis?.stop();
}, 60_000);

const r2 = () => replicas[1]!;
const r3 = () => replicas[2]!;

/** Every customer's changes, as an admin hears them on `replica`. */
async function customerStream(replica: Replica): Promise<Listener<any>> {
  const listener = listen(replica.graphqlUrl, CustomerUpdatedDocument, {}, 'admin');
  await eventually(() => listener.opens > 0, `the stream on replica ${replica.index} to open`);
  return listener;
}

const heard = (listener: Listener<any>, customerId: string) =>
  listener.events.filter((e) => e.data?.customerUpdated?.id === customerId);

/** What the replicas logged about `eventId`'s deliveries: outcome per replica. */
const outcomes = (eventId: string) =>
  replicas.flatMap((replica) => replica.logLines('webhook').filter((line) => line['eventId'] === eventId).map((line) => `${replica.index}:${line['outcome']}`));

/** The local Stripe's event of `type` about `objectId` (the newest). */
function eventAbout(type: string, objectId: string): Stripe.Event {
  const found = [...local.store.events.events.newestFirst()].find((e) => e.type === type && (e.data.object as { id: string }).id === objectId);
  if (found === undefined) throw new Error(`no ${type} event about ${objectId}`);
  return found;
}

async function entriesFor(eventId: string): Promise<number> {
  const entries = await observer.xrange(STREAM, '-', '+');
  return entries.filter(([, fields]) => fields[1]?.includes(`"eventId":"${eventId}"`)).length;
}

async function gql(replica: Replica, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(replica.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: unknown[]; extensions?: any } };
}

const readiness = async (replica: Replica) => {
  const response = await fetch(`${replica.url}/ready`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, retryAfter: response.headers.get('retry-after') };
};

describe('replicas on one Redis', () => {
  it('are ready, and report Redis on /health and in the banner', async () => {
    for (const replica of replicas) {
      expect(replica.output()).toContain(`Redis:          ${redis.url}  (connected; shared by every replica)`);
      expect(await readiness(replica)).toMatchObject({ status: 200, body: { ready: true, redis: 'up' } });
      const health = await fetch(`${replica.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', draining: false, redis: 'up', stripe: { reachable: true } });
    }
  });

  it('a change delivered to replica 1 reaches subscribers on replicas 2 and 3, with the object as it is now', async () => {
    const [on2, on3] = await Promise.all([customerStream(r2()), customerStream(r3())]);
    try {
      const customer = await stripe.customers.create({ name: 'Fan-out Ltd', email: 'ops@fanout.example' });
      await stripe.customers.update(customer.id, { name: 'Fan-out Ltd (renamed)' });
      for (const listener of [on2, on3]) {
        await eventually(
          () => heard(listener, customer.id).some((e) => e.data.customerUpdated.name === 'Fan-out Ltd (renamed)'),
          'the renamed customer on another replica',
        );
      }
      const eventIds = new Set(heard(on2, customer.id).map((e) => e.eventId));
      // Each delivery went to replica 1 only, and was accepted there.
      for (const eventId of eventIds) expect(outcomes(eventId!)).toEqual(['1:accepted']);
    } finally {
      await Promise.all([on2.close(), on3.close()]);
    }
  });

  it('an event delivered to every replica at once is handed off once, and heard once', async () => {
    const on3 = await customerStream(r3());
    try {
      const customer = await stripe.customers.create({ name: 'Duplicate Deliveries GmbH' });
      const created = eventAbout('customer.created', customer.id);
      // A stale event about the same customer, delivered by hand to all three (replica 1 also gets it forwarded).
      const event = localEvent(local, { type: 'customer.updated', object: { ...customer, name: 'Duplicate Deliveries GmbH' }, previousAttributes: { name: null } });
      const answers = await Promise.all(replicas.map((replica) => deliverEvent({ webhooks: { url: replica.webhookUrl } }, event)));
      for (const answer of answers) expect(answer.status).toBe(200);
      await eventually(() => outcomes(event.id).length === 4, 'four deliveries of the event answered (3 by hand, 1 forwarded)');
      expect(outcomes(event.id).filter((o) => o.endsWith(':accepted')), JSON.stringify(outcomes(event.id))).toHaveLength(1);
      expect(outcomes(event.id).filter((o) => o.endsWith(':duplicate'))).toHaveLength(3);
      expect(await entriesFor(event.id), 'stream entries for the event').toBe(1);
      expect(await entriesFor(created.id)).toBe(1);
      // A later change marks the point by which anything handed off twice would have arrived (the stream is ordered).
      const marker = await stripe.customers.update(customer.id, { name: 'Duplicate Deliveries GmbH (marker)' });
      await eventually(() => heard(on3, customer.id).some((e) => e.data.customerUpdated.name === marker.name), 'the marker change');
      const ids = heard(on3, customer.id).map((e) => e.eventId);
      expect(new Set(ids).size, `each event once: ${ids.join(', ')}`).toBe(ids.length);
    } finally {
      await on3.close();
    }
  });

  it('a subscriber on replica 3 resuming with Last-Event-ID is replayed what replica 1 accepted meanwhile', async () => {
    const first = await customerStream(r2());
    const customer = await stripe.customers.create({ name: 'Resume SARL' });
    await eventually(() => heard(first, customer.id).length > 0, 'the creation on replica 2');
    const lastEventId = first.lastEventId();
    await first.close();
    await stripe.customers.update(customer.id, { name: 'Resume SARL (while away)' });
    const update = eventAbout('customer.updated', customer.id);
    await eventually(async () => (await entriesFor(update.id)) === 1, 'the update on the stream');
    const resumed = listen(r3().graphqlUrl, CustomerUpdatedDocument, {}, 'admin', { lastEventId });
    try {
      await eventually(() => heard(resumed, customer.id).some((e) => e.data.customerUpdated.name === 'Resume SARL (while away)'), 'the replayed update');
      expect(resumed.resyncs).toBe(0);
    } finally {
      await resumed.close();
    }
  });

  it('a change delivered to replica 1 drops the cached object on replicas 2 and 3 before Stripe has its 2xx', async () => {
    const customer = await stripe.customers.create({ name: 'Cached Before' });
    const query = 'query ($id: ID!) { customer(id: $id) { id name } }';
    // Warm: each replica's second read comes from the shared cache, with no Stripe call.
    for (const replica of [r2(), r3()]) {
      await gql(replica, query, { id: customer.id });
      const warm = await gql(replica, query, { id: customer.id });
      expect(warm.body.data.customer.name).toBe('Cached Before');
      expect(warm.body.extensions?.stripe, `replica ${replica.index} answers from the cache`).toMatchObject({ calls: 0, cacheHits: 1 });
    }
    await stripe.customers.update(customer.id, { name: 'Cached After' });
    const updated = eventAbout('customer.updated', customer.id);
    // The moment the local Stripe has replica 1's 2xx, the other replicas answer with the new name.
    await eventually(() => local.webhooks.attempts.some((a) => a.eventId === updated.id && a.delivered), 'the delivery acknowledged');
    for (const replica of [r2(), r3()]) {
      const after = await gql(replica, query, { id: customer.id });
      expect(after.body.data.customer.name, `replica ${replica.index} after the acknowledgement`).toBe('Cached After');
    }
    expect(outcomes(updated.id)).toEqual(['1:accepted']);
  });

  it('Redis killed and restarted: queries answered throughout, not ready meanwhile, deliveries retried, none lost', async () => {
    const [on2, on3] = await Promise.all([customerStream(r2()), customerStream(r3())]);
    // An object cached before the outage and changed during it: never served stale afterwards.
    const cached = await stripe.customers.create({ name: 'Cached Through The Outage' });
    const byId = 'query ($id: ID!) { customer(id: $id) { id name } }';
    await gql(r2(), byId, { id: cached.id });
    await eventually(() => heard(on2, cached.id).length > 0, 'the cached customer’s creation heard');
    // Queries on every replica, one after another, from before the kill until Redis is back: each must be answered.
    let querying = true;
    const answered: Array<{ replica: number; status: number; errors: unknown }> = [];
    const queries = Promise.all(
      replicas.map(async (replica) => {
        while (querying) {
          const answer = await gql(replica, byId, { id: DEMO.customer });
          answered.push({ replica: replica.index, status: answer.status, errors: answer.body.errors ?? null });
        }
      }),
    );
    try {
      await redis.kill();
      for (const replica of replicas) {
        await eventually(async () => (await readiness(replica)).status === 503, `replica ${replica.index} not ready without Redis`);
        expect(await readiness(replica)).toMatchObject({ body: { ready: false, reasons: ['redis'], redis: 'down' }, retryAfter: '5' });
        const health = await fetch(`${replica.url}/health`);
        expect(health.status, 'the process is up').toBe(200);
        expect(await health.json()).toMatchObject({ status: 'ok', draining: false, redis: 'down', stripe: { reachable: true } });
      }

      // Changes while Redis is down: their deliveries to replica 1 are answered 503, and retried.
      await stripe.customers.update(cached.id, { name: 'Changed During The Outage' });
      const made: Stripe.Customer[] = [];
      for (const n of [1, 2, 3]) made.push(await stripe.customers.create({ name: `Outage Customer ${n}` }));
      const outageEvents = made.map((customer) => eventAbout('customer.created', customer.id).id);
      await eventually(
        () => outageEvents.every((id) => local.webhooks.attempts.some((a) => a.eventId === id && a.status === 503)),
        'each outage event refused with 503 at least once',
      );

      // A delivery by hand (an id of its own, which Stripe does not retry): 503 with Retry-After, and nothing claimed
      // (accepted later, not taken for a duplicate).
      const byHand = { ...eventAbout('customer.created', made[0]!.id), id: `evt_byhand${Date.now()}` };
      const refused = await deliverEvent({ webhooks: { url: r3().webhookUrl } }, byHand);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

      // Queries keep being answered by every replica, with Stripe's data.
      for (const replica of replicas) {
        const answer = await gql(replica, 'query ($id: ID!) { customer(id: $id) { id name } }', { id: made[2]!.id });
        expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
        expect(answer.body.data.customer.name).toBe('Outage Customer 3');
        const demo = await gql(replica, 'query ($id: ID!) { customer(id: $id) { name invoices(first: 3) { edges { node { id } } } } }', { id: DEMO.customer });
        expect(demo.body.errors, JSON.stringify(demo.body.errors)).toBeUndefined();
      }

      await redis.restart();
      for (const replica of replicas) {
        await eventually(async () => (await readiness(replica)).status === 200, `replica ${replica.index} ready again without a restart`);
      }
      querying = false;
      await queries;
      expect(answered.filter((a) => a.status !== 200 || a.errors !== null), 'queries not answered').toEqual([]);
      for (const replica of replicas) expect(answered.filter((a) => a.replica === replica.index).length).toBeGreaterThan(5);

      for (const replica of replicas) {
        const answer = await gql(replica, byId, { id: cached.id });
        expect(answer.body.data.customer.name, `replica ${replica.index} after the outage`).toBe('Changed During The Outage');
      }

      // Every event of the outage reaches both other replicas' subscribers, through Stripe's retries.
      for (const listener of [on2, on3]) {
        for (const customer of made) {
          await eventually(() => heard(listener, customer.id).length > 0, `${customer.name} heard after the outage`, 30_000);
        }
        const eventIds = new Set(listener.events.map((e) => e.eventId));
        for (const id of outageEvents) expect(eventIds.has(id), `${id} heard`).toBe(true);
      }
      for (const id of outageEvents) {
        expect(local.webhooks.attempts.some((a) => a.eventId === id && a.delivered), `${id} delivered in the end`).toBe(true);
        expect(outcomes(id).filter((o) => o.endsWith(':accepted'))).toHaveLength(1);
      }
      // The refused delivery left no claim behind: delivered again, it is accepted.
      const again = await deliverEvent({ webhooks: { url: r3().webhookUrl } }, byHand);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ received: true });
      for (const replica of replicas) {
        expect(replica.output()).toContain('Redis is unreachable');
        expect(replica.output()).toContain('Redis is reachable again');
      }
    } finally {
      querying = false;
      await queries;
      await Promise.all([on2.close(), on3.close()]);
    }
  }, 90_000);
});
