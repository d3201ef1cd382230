/**
 * The hand-written baseline the gateway is measured against: a plain `node:http` server that answers each
 * scenario's POST (chosen by `operationName`) by making the same Stripe calls with the same SDK client the gateway
 * builds (`createStripeClient`: same settings, same keep-alive connections) under the same in-flight cap (dropping, as the
 * gateway does, the waiting calls of a request whose client has gone), and
 * returning the same JSON — with no GraphQL parsing, validation, execution, auth library or logging. What the
 * gateway costs on top of it is the price of GraphQL and of the gateway's guarantees.
 *
 *   node --import tsx bench/baseline.ts   (env: STRIPE_SECRET_KEY, STRIPE_API_BASE, BENCH_API_KEY)
 *
 * Prints `baseline listening on http://…` when ready. Run by `npm run bench`, never by `npm test`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CursorCodec } from '../src/graphql/connections.js';
import { createStripeClient } from '../src/stripe/client.js';
import { Limiter } from '../src/stripe/limiter.js';
import { PORTAL_RETURN_URL, SCENARIOS, type BaselineDeps, type Scenario } from './scenarios.js';
import { DEFAULT_STRIPE_MAX_IN_FLIGHT } from '../src/config.js';

const secretKey = process.env['STRIPE_SECRET_KEY'] ?? '';
const apiBase = new URL(process.env['STRIPE_API_BASE'] ?? '');
const expected = `Bearer ${process.env['BENCH_API_KEY'] ?? ''}`;

const limiter = new Limiter(Number(process.env['STRIPE_MAX_IN_FLIGHT'] || DEFAULT_STRIPE_MAX_IN_FLIGHT));
const stripe = createStripeClient({ secretKey, apiBase });
// The gateway's cursors, keyed from the same Stripe key: the answers must be the same bytes.
const cursors = new CursorCodec(secretKey);
/** Like the gateway, a request's calls still waiting for a slot are dropped once its client has gone. */
const depsFor = (signal: AbortSignal): BaselineDeps => {
  const ticket = limiter.ticket('bench', signal);
  return {
    stripe,
    call: (task) => limiter.run(task, ticket),
    returnUrl: PORTAL_RETURN_URL,
    cursor: (id, list) => cursors.encode(id, 'admin', list),
  };
};
const byOperation = new Map<string, Scenario>(SCENARIOS.map((s) => [s.operationName, s]));

function send(response: import('node:http').ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.headers.authorization !== expected) return send(response, 401, { errors: [{ message: 'unauthenticated' }] });
    let body: { operationName?: string; variables?: Record<string, unknown> };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return send(response, 400, { errors: [{ message: 'bad JSON' }] });
    }
    const scenario = byOperation.get(body.operationName ?? '');
    if (scenario === undefined) return send(response, 400, { errors: [{ message: 'unknown operation' }] });
    const closed = new AbortController();
    response.once('close', () => closed.abort());
    scenario.baseline(depsFor(closed.signal), body.variables ?? {}).then(
      (data) => send(response, 200, { data }),
      (error: unknown) => send(response, 500, { errors: [{ message: error instanceof Error ? error.message : String(error) }] }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
