/**
 * `/health` and `/ready` of one process without Redis: the process is up and ready; a stop makes it not ready
 * (503, `draining`) for what still reaches it — here a request sent on a keep-alive connection while another
 * request holds the drain open.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY } from '../support/gateway.js';

let p: ProductionApp;
beforeAll(async () => {
  p = await startProductionApp({ REQUEST_TIMEOUT_MS: '2000' });
});
afterAll(() => p?.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A request over `agent` (node:http, so that the connection it uses is the agent's choice). */
function send(url: string, agent: Agent, init: { method?: string; query?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, method: init.method ?? 'GET', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(init.query !== undefined ? JSON.stringify({ query: init.query }) : undefined);
  });
}

describe('/health and /ready', () => {
  it('say the process is up and ready, with no Redis configured; only GET', async () => {
    const agent = new Agent();
    const health = await send(`${p.app.url}/health`, agent);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', draining: false, redis: 'off', stripe: { reachable: true, lastSeenAt: null } } });
    expect(health.headers['cache-control']).toBe('no-store');
    expect(await send(`${p.app.url}/ready`, agent)).toMatchObject({
      status: 200,
      body: { ready: true, reasons: [], draining: false, redis: 'off', stripe: { reachable: true } },
    });
    expect(await send(`${p.app.url}/ready`, agent, { method: 'POST' })).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
  });

  it('/ready is 503 draining once a stop has begun', async () => {
    // One request hangs at Stripe (until its 2 s deadline), holding the drain open; another takes 300 ms, and its
    // keep-alive connection then carries the readiness probe.
    p.stripe.setFaults({ latencyMs: 300, rules: [{ kind: 'hang', path: `/v1/customers/${DEMO.customer}`, count: 1 }] });
    const holding = send(p.app.graphqlUrl, new Agent(), { method: 'POST', query: `{ customer(id: "${DEMO.customer}") { name } }` });
    const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const quick = send(p.app.graphqlUrl, probeAgent, { method: 'POST', query: '{ invoices(first: 1) { edges { node { id } } } }' });
    // Queued behind `quick` on the agent's one connection: sent the moment `quick` is answered, during the drain.
    const probe = send(`${p.app.url}/ready`, probeAgent);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopping = p.app.stop();
    expect((await quick).status).toBe(200);
    const answer = await probe;
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ ready: false, reasons: ['draining'], draining: true, redis: 'off', stripe: { reachable: true } });
    expect(answer.headers['retry-after']).toBe('5');
    await holding.catch(() => undefined);
    await stopping;
  }, 20_000);
});
