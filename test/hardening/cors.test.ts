/**
 * CORS: only the configured origins (`CORS_ORIGINS`) get `Access-Control-Allow-Origin`, and credentials only with
 * them; any other origin gets no CORS headers at all, on preflight or on the request itself. Without CORS_ORIGINS,
 * none at all (same-origin only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/http/server.js';
import { ADMIN_KEY, startGateway, type GatewayHarness } from '../support/gateway.js';
import { listen, send, type Listening } from './support.js';

const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

let h: GatewayHarness;
let withCors: Gateway;
beforeAll(async () => {
  h = await startGateway();
  withCors = createGateway({ graphiql: false, corsOrigins: [ALLOWED, 'http://localhost:5173'] }, h.deps);
});
afterAll(() => h.stop());

const preflight = (yoga: Gateway, origin: string) =>
  send(
    h,
    {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    },
    yoga,
  );

const post = (yoga: Gateway, origin: string) =>
  send(
    h,
    {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    },
    yoga,
  );

describe('with CORS_ORIGINS', () => {
  it('answers a preflight from an allowed origin with that origin, credentials, POST and the headers asked for', async () => {
    const answer = await preflight(withCors, ALLOWED);
    expect(answer.status).toBeLessThan(300);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('access-control-allow-methods')).toContain('POST');
    expect(answer.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(answer.headers.get('vary')?.toLowerCase()).toContain('origin');
    expect(answer.calls).toEqual([]);
  });

  it('allows the request itself from an allowed origin, and exposes x-request-id', async () => {
    const answer = await post(withCors, ALLOWED);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
  });

  it('gives another origin no Access-Control-Allow-Origin and no credentials, on preflight or request', async () => {
    for (const origin of [EVIL, 'null', `${ALLOWED}.evil.example`, 'http://app.example.com', 'https://APP.example.com.evil']) {
      for (const answer of [await preflight(withCors, origin), await post(withCors, origin)]) {
        expect(answer.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(answer.headers.get('access-control-allow-credentials'), origin).toBeNull();
      }
    }
  });
});

describe('without CORS_ORIGINS (same-origin only)', () => {
  it('sends no CORS headers to anyone', async () => {
    for (const origin of [ALLOWED, EVIL]) {
      for (const answer of [await preflight(h.yoga, origin), await post(h.yoga, origin)]) {
        expect(answer.headers.get('access-control-allow-origin')).toBeNull();
        expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      }
    }
  });
});

describe('over a real socket', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await listen(withCors);
  });
  afterAll(() => server.close());

  it('answers preflights the same way', async () => {
    const ask = (origin: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await ask(ALLOWED);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const evil = await ask(EVIL);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
