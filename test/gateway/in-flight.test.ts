/**
 * The process-wide cap on Stripe calls in flight (`STRIPE_MAX_IN_FLIGHT`, `Limiter`): never more than the cap at
 * once, shared fairly between callers (round robin; first come first served within a caller), and a call whose
 * client went away leaves the queue without being made — over the real HTTP server, where the request's signal
 * aborts when its connection closes.
 */
import { getEventListeners } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../src/config.js';
import { Limiter } from '../../src/stripe/limiter.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { ADMIN_KEY, startGateway, type GatewayHarness } from '../support/gateway.js';

/** A task that finishes when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  it('runs at most `max` tasks at once, the rest in arrival order', async () => {
    const limiter = new Limiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const done = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.opened;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(limiter.queued).toBe(3);
    gates[1]!.open();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    // A newcomer arriving as a slot frees waits behind those already queued.
    const late = limiter.run(async () => void started.push(99));
    gates[0]!.open();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    await Promise.all([...done, late]);
    expect(started).toEqual([0, 1, 2, 3, 4, 99]);
    expect(limiter.queued).toBe(0);
  });

  it('drops a waiting task whose signal aborts, and refuses one already aborted', async () => {
    const limiter = new Limiter(1);
    const first = gate();
    const ran: string[] = [];
    const running = limiter.run(async () => {
      ran.push('first');
      await first.opened;
    });
    const controller = new AbortController();
    const ticket = limiter.ticket('a', controller.signal);
    const waiting = limiter.run(async () => void ran.push('abandoned'), ticket);
    const after = limiter.run(async () => void ran.push('after'));
    await flush();
    controller.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(limiter.queued).toBe(1);
    first.open();
    await Promise.all([running, after]);
    expect(ran).toEqual(['first', 'after']);
    await expect(limiter.run(async () => 1, ticket)).rejects.toThrow('client gone');
  });
});

describe('Limiter: fair between callers', () => {
  it("gives a freed slot to the callers in turn: one caller's backlog does not hold another's call", async () => {
    const limiter = new Limiter(1);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const task = (name: string) => async () => {
      started.push(name);
      const g = gate();
      gates.set(name, g);
      await g.opened;
    };
    const big = limiter.ticket('admin:big');
    const small = limiter.ticket('customer:cus_small');
    const other = limiter.ticket('customer:cus_other');
    const runs = Array.from({ length: 20 }, (_, i) => limiter.run(task(`big${i}`), big));
    await flush();
    // big0 runs; big1…big19 wait. Then two other callers arrive, each with one call.
    runs.push(limiter.run(task('small'), small), limiter.run(task('other'), other));
    expect(limiter.queued).toBe(21);
    for (let i = 0; i < 4; i++) {
      gates.get(started.at(-1)!)!.open();
      await flush();
    }
    // FIFO would have run all 20 of big's calls first; round robin serves the newcomers within one turn each.
    expect(started).toEqual(['big0', 'big1', 'small', 'other', 'big2']);
    for (let i = 0; i < 17; i++) {
      gates.get(started.at(-1)!)!.open();
      await flush();
    }
    gates.get(started.at(-1)!)!.open();
    await Promise.all(runs);
    expect(started.filter((name) => name.startsWith('big'))).toEqual(Array.from({ length: 20 }, (_, i) => `big${i}`));
    expect(limiter.queued).toBe(0);
    expect(limiter.running).toBe(0);
  });

  it('listens to a request signal once, however many of its calls wait (no MaxListenersExceededWarning)', async () => {
    const limiter = new Limiter(1);
    const first = gate();
    const running = limiter.run(() => first.opened);
    const controller = new AbortController();
    const ticket = limiter.ticket('admin:x', controller.signal);
    const waiting = Array.from({ length: 50 }, () => limiter.run(async () => 'ran', ticket));
    await flush();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('client gone'));
    for (const call of waiting) await expect(call).rejects.toThrow('client gone');
    expect(limiter.queued).toBe(0);
    first.open();
    await running;
    expect(limiter.running).toBe(0);
  });
});

describe('STRIPE_MAX_IN_FLIGHT', () => {
  it('follows from the Stripe budget when unset (half a second per call), and refuses nonsense', () => {
    // Test mode: 25 reads + 25 writes a second; live: 100 + 100.
    expect(loadGatewayConfig({}).stripeMaxInFlight).toBe(25);
    expect(loadGatewayConfig({ STRIPE_SECRET_KEY: 'sk_live_abc', GATEWAY_API_KEYS: 'k'.repeat(32) }).stripeMaxInFlight).toBe(100);
    expect(loadGatewayConfig({ STRIPE_READS_PER_SECOND: '10', STRIPE_WRITES_PER_SECOND: '4' }).stripeMaxInFlight).toBe(7);
    expect(loadGatewayConfig({ STRIPE_MAX_IN_FLIGHT: '4' }).stripeMaxInFlight).toBe(4);
    expect(() => loadGatewayConfig({ STRIPE_MAX_IN_FLIGHT: '0' })).toThrow(/STRIPE_MAX_IN_FLIGHT must be a whole number of at least 1/);
  });
});

describe('a client that goes away', () => {
  let h: GatewayHarness;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // Every invoice list hangs (until the SDK's 300 ms timeout): 16 are in flight, the rest queue behind them.
    h = await startGateway(
      { faults: { rules: [{ kind: 'hang', path: '/v1/invoices' }] } },
      { stripeTimeoutMs: 300, gateway: { limits: { maxDepth: 12 } } },
    );
    server = createServer(h.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await h.stop();
  });

  it('costs no further Stripe call: its calls still queued are dropped', async () => {
    const before = h.local.requests.length;
    const body = JSON.stringify({ query: '{ customers(first: 30) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }' });
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/graphql',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', () => undefined);
    req.end(body);
    // The customer list, then 16 invoice lists in flight (hanging); 14 wait for a slot.
    while (h.local.requests.length - before < 17) await new Promise((resolve) => setTimeout(resolve, 10));
    req.destroy();
    // The 16 hanging calls time out after 300 ms and free their slots: a gateway that kept the abandoned calls
    // queued would now send them.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const made = h.local.requests.slice(before);
    expect(made.filter((call) => call.path === '/v1/customers')).toHaveLength(1);
    expect(made.filter((call) => call.path === '/v1/invoices')).toHaveLength(16);
  });
});

describe('fair between callers, over the whole stack', () => {
  it("serves a customer's one-call request while an admin's 21-call request is still queued", async () => {
    // One slot and 20 ms per Stripe call: the admin's page of 20 customers queues 20 invoice lists behind it.
    const g = await startGateway({ faults: { latencyMs: 20 } }, { stripeMaxInFlight: 1, gateway: { limits: { maxDepth: 12 } } });
    try {
      const before = g.local.requests.length;
      const admin = g.gql('{ customers(first: 20) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }');
      // Once the admin's backlog has started, the customer arrives with one call.
      const deadline = Date.now() + 10_000;
      while (g.local.requests.length - before < 3) {
        if (Date.now() > deadline) throw new Error('the admin request never reached Stripe');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const arrivedAt = g.local.requests.length - before;
      const customer = await g.gql('{ viewer { customer { name } } }', {}, { customer: DEMO.customer });
      expect(customer.errors).toBeUndefined();
      expect((await admin).errors).toBeUndefined();
      const order = g.local.requests.slice(before).map((r) => r.path);
      expect(order).toHaveLength(22);
      const position = order.indexOf(`/v1/customers/${DEMO.customer}`);
      // First come first served would put it last (22nd); in turn, it goes within a call or two of arriving.
      expect(position, order.join('\n')).toBeLessThanOrEqual(arrivedAt + 2);
      expect(order.slice(position + 1).filter((path) => path === '/v1/invoices').length).toBeGreaterThan(10);
    } finally {
      await g.stop();
    }
  });
});
