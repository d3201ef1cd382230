/**
 * `/ready` as a load balancer sees it, against real dependencies going away and coming back: a local Stripe stopped
 * (a failed call marks Stripe unreachable, `/ready` asks Stripe itself — with no key — until it answers again, with
 * no traffic needed) and a real `redis-server` killed and restarted. `/health` stays 200 throughout. No timings are
 * asserted: every wait polls for the state it needs, bounded, and fails saying what it waited for.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { eventually } from '../support/replicas.js';

interface Probe {
  status: number;
  retryAfter: string | null;
  body: any;
}

async function probe(url: string): Promise<Probe> {
  const response = await fetch(url);
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

async function query(p: ProductionApp, text: string): Promise<any> {
  const response = await fetch(p.app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: text }),
  });
  return response.json();
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('/ready and Stripe', () => {
  it('503 "stripe" after a call that got no answer; ready again once Stripe answers its own probe, without traffic', async () => {
    let stripe: LocalStripe = await startLocalStripe({ port: 0, seed: 'demo' });
    const port = Number(new URL(stripe.url).port);
    cleanups.push(() => stripe.stop());
    const p = await startProductionApp({}, {}, stripe);
    cleanups.push(() => p.app.stop());
    const ready = () => probe(`${p.app.url}/ready`);

    // Nothing sent yet: reachable as far as anyone knows.
    expect(await ready()).toMatchObject({ status: 200, body: { ready: true, reasons: [], stripe: { reachable: true, lastSeenAt: null } } });
    // A 404 is an answer: Stripe is reachable, whatever it said.
    const missing = await query(p, '{ customer(id: "cus_nobody") { id } }');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const afterMissing = await ready();
    expect(afterMissing).toMatchObject({ status: 200, body: { ready: true, stripe: { reachable: true, lastStatus: 404 } } });
    expect(Date.parse(afterMissing.body.stripe.lastSeenAt)).not.toBeNaN();

    await stripe.stop();
    const failed = await query(p, `{ customer(id: "${DEMO.customer}") { id } }`);
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const down = await ready();
    expect(down).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: {
        ready: false,
        reasons: ['stripe'],
        draining: false,
        redis: 'off',
        stripe: { reachable: false, error: `connection refused by 127.0.0.1:${port}`, lastSeenAt: afterMissing.body.stripe.lastSeenAt },
      },
    });
    expect(Date.parse(down.body.stripe.unreachableSince)).not.toBeNaN();
    // Liveness is not readiness: the process is up, and says what it knows.
    expect(await probe(`${p.app.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok', stripe: { reachable: false } } });

    // Stripe back on the same address; nobody calls the gateway but its readiness probe.
    stripe = await startLocalStripe({ port, seed: 'demo' });
    await eventually(async () => (await ready()).status === 200, '/ready to answer 200 once Stripe is back');
    expect((await ready()).body).toMatchObject({ ready: true, reasons: [], stripe: { reachable: true, lastStatus: 401 } });
    // What reached Stripe meanwhile: only the gateway's own probes, which carry no key at all.
    expect(stripe.requests.length).toBeGreaterThan(0);
    for (const request of stripe.requests) {
      expect([request.method, request.path, request.status, request.headers['authorization']]).toEqual(['GET', '/v1/', 401, undefined]);
    }
    expect(JSON.stringify(down.body)).not.toContain(stripe.secretKey);
  }, 60_000);
});

describe('/ready and Redis', () => {
  let redis: TestRedis;
  it('503 "redis" while a configured Redis is killed, 200 again after it restarts; /health 200 throughout', async () => {
    redis = await startRedis();
    cleanups.push(() => redis.stop());
    const p = await startProductionApp({ REDIS_URL: redis.url });
    cleanups.push(() => p.stop());
    const ready = () => probe(`${p.app.url}/ready`);
    const health = () => probe(`${p.app.url}/health`);

    await eventually(async () => (await ready()).status === 200, '/ready 200 with Redis up');
    expect((await ready()).body).toMatchObject({ ready: true, reasons: [], redis: 'up' });

    await redis.kill();
    await eventually(async () => (await ready()).status === 503, '/ready 503 once Redis is gone');
    expect(await ready()).toMatchObject({ status: 503, retryAfter: '5', body: { ready: false, reasons: ['redis'], redis: 'down', stripe: { reachable: true } } });
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', redis: 'down' } });
    // Still answering queries, straight from Stripe.
    expect((await query(p, `{ customer(id: "${DEMO.customer}") { id } }`)).data?.customer?.id).toBe(DEMO.customer);

    await redis.restart();
    await eventually(async () => (await ready()).status === 200, '/ready 200 once Redis is back', 30_000);
    expect((await ready()).body).toMatchObject({ ready: true, reasons: [], redis: 'up' });
    expect(await health()).toMatchObject({ status: 200, body: { redis: 'up' } });
  }, 90_000);
});
