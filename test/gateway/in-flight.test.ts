/**
 * The process-wide cap on Stripe calls in flight (`STRIPE_MAX_IN_FLIGHT`, `Limiter`): never more than the cap at
 * once, first come first served, and a call whose client went away leaves the queue without being made — over the
 * real HTTP server, where the request's signal aborts when its connection closes.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../src/config.js';
import { Limiter } from '../../src/stripe/gateway.js';
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
    const waiting = limiter.run(async () => void ran.push('abandoned'), controller.signal);
    const after = limiter.run(async () => void ran.push('after'));
    await flush();
    controller.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(limiter.queued).toBe(1);
    first.open();
    await Promise.all([running, after]);
    expect(ran).toEqual(['first', 'after']);
    await expect(limiter.run(async () => 1, controller.signal)).rejects.toThrow('client gone');
  });
});

describe('STRIPE_MAX_IN_FLIGHT', () => {
  it('defaults to 16 and refuses nonsense', () => {
    expect(loadGatewayConfig({}).stripeMaxInFlight).toBe(16);
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
