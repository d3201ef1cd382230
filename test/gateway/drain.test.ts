/**
 * SIGTERM as an orchestrator sends it, to a real gateway process (`node --import tsx src/main.ts`, demo mode, a free
 * port, `DRAIN_DELAY_SECONDS=3`): `/ready` answers 503 `draining` at once while `/health` stays 200 and GraphQL is
 * still answered — each answer closing its keep-alive connection, so that callers reconnect elsewhere — then the
 * subscription stream still open is ended, and the process exits 0. No timings asserted: the checks run while the
 * process says it is draining, and the drain delay only has to outlast a few local requests.
 */
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnReplica, eventually, type Replica } from '../support/replicas.js';

interface Answer {
  status: number;
  connection: string | undefined;
  body: any;
}

/** Over a keep-alive agent, so that whether the connection stays open is the server's choice. */
function send(url: string, agent: Agent, init: { authorization?: string; query?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: init.query !== undefined ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json', ...(init.authorization !== undefined ? { authorization: init.authorization } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(init.query !== undefined ? JSON.stringify({ query: init.query }) : undefined);
  });
}

let gateway: Replica | undefined;
afterAll(async () => {
  await gateway?.stop();
});

describe('SIGTERM', () => {
  it('turns /ready 503 first, keeps serving (Connection: close) for DRAIN_DELAY_SECONDS, then exits 0', async () => {
    gateway = await spawnReplica(1, { PORT: '0', HOST: '127.0.0.1', DRAIN_DELAY_SECONDS: '3', LOG_LEVEL: 'error' });
    const g = gateway;
    await eventually(() => /Admin key:\s+\S+/.test(g.output()), 'the banner’s admin key');
    const authorization = `Bearer ${/Admin key:\s+(\S+)/.exec(g.output())![1]}`;
    const agent = new Agent({ keepAlive: true });
    const query = '{ customers(first: 2) { edges { node { id } } } }';

    const before = await send(`${g.url}/ready`, agent);
    expect(before).toMatchObject({ status: 200, connection: 'keep-alive', body: { ready: true, reasons: [], draining: false } });
    // A subscription stream open when the signal comes.
    const stream = await fetch(g.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization },
      body: JSON.stringify({ query: 'subscription { invoiceUpdated { id } }' }),
    });
    expect(stream.status).toBe(200);
    const streamText = stream.text();

    const exited = g.stop();
    await eventually(() => g.output().includes('SIGTERM: stopping: /ready answers 503 now'), 'the gateway to say it is draining');

    const ready = await send(`${g.url}/ready`, agent);
    expect(ready).toMatchObject({ status: 503, connection: 'close', body: { ready: false, reasons: ['draining'], draining: true } });
    const health = await send(`${g.url}/health`, agent);
    expect(health).toMatchObject({ status: 200, connection: 'close', body: { status: 'ok', draining: true } });
    const answered = await send(g.graphqlUrl, agent, { authorization, query });
    expect(answered.status).toBe(200);
    expect(answered.connection).toBe('close');
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data.customers.edges).toHaveLength(2);

    expect(await exited, `exit code; it printed:\n${g.output().slice(-3_000)}`).toBe(0);
    // The stream was ended by the stop, with a payload that says why.
    expect(await streamText).toContain('The gateway is stopping: subscribe again shortly');
    await expect(fetch(`${g.url}/health`)).rejects.toThrow();
    agent.destroy();
  }, 90_000);
});
