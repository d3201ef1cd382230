/**
 * Security headers (issue 10, `src/http/security-headers.ts`): every answer of the gateway — data, errors of every
 * kind, `/health`, GraphiQL's page — carries `Cache-Control: no-store`, `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY`; answers but HTML carry `Content-Security-Policy:
 * default-src 'none'; frame-ancestors 'none'`, GraphiQL's page `frame-ancestors 'none'` (it runs inline scripts;
 * test/e2e/graphiql.test.ts renders it in a browser).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/http/server.js';
import { ADMIN_KEY, startGateway, type GatewayHarness } from '../support/gateway.js';
import { GRAPHQL_RESPONSE, listen, postJson, send, type Answer, type Listening } from './support.js';

let h: GatewayHarness;
let withGraphiQL: Gateway;
beforeAll(async () => {
  h = await startGateway();
  withGraphiQL = createGateway({ graphiql: true, corsOrigins: ['https://app.example.com'] }, h.deps);
});
afterAll(() => h.stop());

const COMMON = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function expectHeaders(answer: Pick<Answer, 'headers' | 'status'>, csp = "default-src 'none'; frame-ancestors 'none'"): void {
  const headers = Object.fromEntries(Object.keys(COMMON).map((name) => [name, answer.headers.get(name)]));
  expect(headers, `HTTP ${answer.status}`).toEqual(COMMON);
  expect(answer.headers.get('content-security-policy'), `HTTP ${answer.status}`).toBe(csp);
}

describe('security headers', () => {
  it('on a GraphQL answer with data', async () => {
    const answer = await postJson(h, { query: '{ viewer { role } }' });
    expect(answer.status).toBe(200);
    expectHeaders(answer);
  });

  it('on every kind of error answer: field error, validation, limits, body, CSRF, unauthenticated', async () => {
    const answers = [
      await postJson(h, { query: '{ customer(id: "cus_missing0000000") { id } }' }),
      await postJson(h, { query: '{ nope }' }),
      await postJson(h, { query: `{ viewer { ${'role '.repeat(1_100)}} }` }),
      await postJson(h, { query: '{ viewer { role } }', padding: 'x'.repeat(110_000) }),
      await send(h, { method: 'POST', headers: { 'content-type': 'text/plain', accept: GRAPHQL_RESPONSE }, body: '{"query":"{ viewer { role } }"}' }),
      await postJson(h, { query: '{ viewer { role } }' }, { authorization: null }),
      await postJson(h, 'not json'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 400, 400, 413, 403, 401, 400]);
    for (const answer of answers) expectHeaders(answer);
  });

  it('over GET, and on a CORS preflight', async () => {
    const get = await send(h, {
      url: `http://gateway.test/graphql?query=${encodeURIComponent('{ viewer { role } }')}`,
      headers: { accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}`, 'x-graphql-csrf': '1' },
    });
    expect(get.status).toBe(200);
    expectHeaders(get);
    const preflight = await send(
      h,
      { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } },
      withGraphiQL,
    );
    expect(preflight.status).toBeLessThan(300);
    expectHeaders(preflight);
  });

  it('on /health, which still answers 200', async () => {
    const answer = await send(h, { url: 'http://gateway.test/health' });
    expect(answer.status).toBe(200);
    expectHeaders(answer);
  });

  it('on GraphiQL’s page, whose policy lets its inline scripts run', async () => {
    const page = await send(h, { url: 'http://gateway.test/graphql', headers: { accept: 'text/html' } }, withGraphiQL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expectHeaders(page, "frame-ancestors 'none'");
  });

  it('over a real socket too', async () => {
    const server: Listening = await listen(h.yoga);
    try {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
      await response.text();
      expectHeaders(response);
    } finally {
      await server.close();
    }
  });
});
