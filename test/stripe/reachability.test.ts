/**
 * `StripeReachability` on the real SDK's requests (`createStripeClient` with taps): a server that resets every
 * connection makes Stripe unreachable, in words; however often readiness asks, Stripe itself is probed at most once
 * per interval; and the latest request to start decides, so that an old hang timing out does not hide a newer answer.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { StripeBudget } from '../../src/stripe/budget.js';
import { StripeHttpTaps } from '../../src/stripe/budget-http.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { StripeReachability } from '../../src/stripe/reachability.js';

const RATES = { readsPerSecond: 1000, writesPerSecond: 1000, searchesPerSecond: 1000 };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function watched(base: string, reachability: StripeReachability, timeoutMs = 10_000) {
  const taps = new StripeHttpTaps();
  taps.add(reachability);
  return createStripeClient({
    secretKey: 'sk_test_reachability',
    apiBase: new URL(base),
    budget: new StripeBudget(RATES, 'acct'),
    taps,
    maxNetworkRetries: 0,
    timeoutMs,
  });
}

/** A TCP server that accepts and at once resets every connection, counting them. */
async function resetting(): Promise<{ base: string; port: number; connections: () => number }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}`, port, connections: () => connections };
}

describe('StripeReachability', () => {
  it('marks Stripe unreachable when a request gets no answer, saying why; probes at most once per interval', async () => {
    const server = await resetting();
    const reachability = new StripeReachability({ base: server.base, probeEveryMs: 60_000 });
    const stripe = watched(server.base, reachability);
    expect(reachability.state()).toEqual({ reachable: true, lastSeenAt: null });
    // Reachable: asking sends nothing.
    await reachability.check(1_000);
    expect(server.connections()).toBe(0);

    await expect(stripe.customers.retrieve(DEMO.customer)).rejects.toThrow();
    const sent = server.connections();
    expect(sent).toBeGreaterThan(0);
    expect(reachability.state()).toMatchObject({ reachable: false, lastSeenAt: null, error: `connection reset by 127.0.0.1:${server.port}` });

    for (let i = 0; i < 5; i++) {
      expect(await reachability.check(5_000)).toMatchObject({ reachable: false, error: `connection reset by 127.0.0.1:${server.port}` });
    }
    expect(reachability.probes).toBe(1);
    expect(server.connections() - sent, 'one probe reached the server').toBe(1);
    expect(Date.parse(reachability.state().lastProbeAt!)).not.toBeNaN();
  });

  it('the latest request to start wins: an older request timing out after a newer answer leaves Stripe reachable', async () => {
    const local: LocalStripe = await startLocalStripe({ port: 0, seed: 'demo' });
    closers.push(() => local.stop());
    const reachability = new StripeReachability({ base: local.url });
    const stripe = watched(local.url, reachability, 3_000);
    local.setFaults({ rules: [{ kind: 'hang', path: `/v1/customers/${DEMO.customer}`, count: 1 }] });

    const hanging = stripe.customers.retrieve(DEMO.customer).then(
      () => 'answered',
      () => 'no answer',
    );
    // Sent (and held) before the next one starts.
    for (let i = 0; i < 200 && local.requests.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(local.requests.map((r) => r.path)).toEqual([`/v1/customers/${DEMO.customer}`]);
    const customer = await stripe.customers.retrieve(DEMO.customer);
    expect(customer.id).toBe(DEMO.customer);
    expect(reachability.state()).toMatchObject({ reachable: true, lastStatus: 200 });

    expect(await hanging).toBe('no answer');
    expect(reachability.state()).toMatchObject({ reachable: true, lastStatus: 200 });
    expect(reachability.probes).toBe(0);
  });

  it('a refused connection says so; the probe, keyless, brings it back with any status', async () => {
    let local: LocalStripe = await startLocalStripe({ port: 0, seed: 'demo' });
    const port = Number(new URL(local.url).port);
    const reachability = new StripeReachability({ base: local.url, probeEveryMs: 0 });
    const stripe = watched(local.url, reachability);
    await local.stop();
    await expect(stripe.customers.retrieve(DEMO.customer)).rejects.toThrow();
    expect(reachability.state()).toMatchObject({ reachable: false, error: `connection refused by 127.0.0.1:${port}` });

    local = await startLocalStripe({ port, seed: 'demo' });
    closers.push(() => local.stop());
    expect(await reachability.check(5_000)).toMatchObject({ reachable: true, lastStatus: 401 });
    expect(local.requests.map((r) => [r.method, r.path, r.headers['authorization']])).toEqual([['GET', '/v1/', undefined]]);
  });
});
