/**
 * Structured logs and request ids: one JSON line per GraphQL request (method, path, operation, status, duration,
 * role, error codes, Stripe `Request-Id`s), masked errors at error level with their stack, an `x-request-id` on
 * every response — and never a key, a token or a Stripe secret in any line, error or extension.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redact, redactString, REDACTED, type Logger } from '../../src/observability/log.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { createGateway, type Gateway } from '../../src/http/server.js';
import { ADMIN_KEY, JWT_SECRET, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { postJson, send } from './support.js';

interface Line {
  level: string;
  msg: string;
  [key: string]: any;
}

function capturingLogger(level: 'info' | 'error' = 'info'): { logger: Logger; lines: string[]; parsed(): Line[] } {
  const lines: string[] = [];
  return {
    logger: createLogger({ level, sink: (line) => lines.push(line) }),
    lines,
    parsed: () => lines.map((line) => JSON.parse(line) as Line),
  };
}

const GATEWAY_STRIPE_KEY = 'sk_test_gatewaysOwnKeyTAIL';

let h: GatewayHarness;
let refused: GatewayHarness;
let customerToken: string;
beforeAll(async () => {
  h = await startGateway();
  // A local Stripe that refuses the gateway's key: every call fails with 401, which the gateway masks.
  refused = await startGateway({ apiKeys: ['sk_test_theotherkey'] }, { stripeSecretKey: GATEWAY_STRIPE_KEY });
  customerToken = await signCustomerToken(DEMO.customer);
});
afterAll(async () => {
  await h.stop();
  await refused.stop();
});

const requestLines = (lines: Line[]) => lines.filter((line) => line.msg === 'request');

describe('the request log', () => {
  let capture: ReturnType<typeof capturingLogger>;
  let yoga: Gateway;
  beforeAll(() => {
    capture = capturingLogger();
    yoga = createGateway({ graphiql: false, corsOrigins: [], logger: capture.logger }, h.deps);
  });

  it('writes one line per request: method, path, operation, status, duration, role, codes, Stripe request ids', async () => {
    capture.lines.length = 0;
    const answer = await postJson(h, {
      query: `query CustomerAndInvoices { customer(id: "${DEMO.customer}") { id invoices(first: 2) { edges { node { id } } } } }`,
    }, { yoga });
    expect(answer.status).toBe(200);
    const [line, ...rest] = requestLines(capture.parsed());
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/graphql',
      operationName: 'CustomerAndInvoices',
      status: 200,
      role: 'ADMIN',
      errorCodes: [],
      stripeCalls: answer.calls.length,
    });
    expect(typeof line!['durationMs']).toBe('number');
    expect(typeof line!['time']).toBe('string');
    // The Stripe Request-Ids are the ones Stripe (here the local one) answered with.
    expect(answer.calls.length).toBeGreaterThan(0);
    expect([...line!['stripeRequestIds']].sort()).toEqual(answer.calls.map((c) => c.requestId).sort());
    expect(line!['requestId']).toBe(answer.headers.get('x-request-id'));
  });

  it('logs the caller’s role, never its token, and the error codes answered', async () => {
    capture.lines.length = 0;
    await postJson(h, { query: '{ viewer { role } }' }, { yoga, authorization: `Bearer ${customerToken}` });
    await postJson(h, { query: `{ customer(id: "${DEMO.customer}") { id } }` }, { yoga, authorization: 'Bearer sk_live_pastedByMistake123' });
    await postJson(h, { query: '{ customers { edges { node { id } } } }' }, { yoga, authorization: `Bearer ${customerToken}` });
    const lines = requestLines(capture.parsed());
    expect(lines.map((l) => [l['role'], l['status'], l['errorCodes']])).toEqual([
      ['CUSTOMER', 200, []],
      ['ANONYMOUS', 401, ['UNAUTHENTICATED']],
      ['CUSTOMER', 200, ['FORBIDDEN']],
    ]);
  });

  it('gives every response an x-request-id, and echoes a sane one the client sent', async () => {
    const sent = await postJson(h, { query: '{ viewer { role } }' }, { yoga, headers: { 'x-request-id': 'client-abc.123' } });
    expect(sent.headers.get('x-request-id')).toBe('client-abc.123');
    for (const insane of ['has spaces', 'x'.repeat(200), 'a\u0007b', '<script>']) {
      const answer = await postJson(h, { query: '{ viewer { role } }' }, { yoga, headers: { 'x-request-id': insane } });
      expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Refusals and other paths too.
    const health = await send(h, { url: 'http://gateway.test/health' }, yoga);
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const limited = await postJson(h, { query: `{ viewer { ${'role '.repeat(1100)}} }` }, { yoga });
    expect(limited.status).toBe(400);
    expect(limited.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const first = await postJson(h, { query: '{ viewer { role } }' }, { yoga });
    const second = await postJson(h, { query: '{ viewer { role } }' }, { yoga });
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
  });
});

describe('Stripe request ids', () => {
  it('come back in the extensions of a Stripe error, and in the log line', async () => {
    const capture = capturingLogger();
    const yoga = createGateway({ graphiql: false, corsOrigins: [], logger: capture.logger }, h.deps);
    const answer = await postJson(h, { query: '{ customer(id: "cus_doesNotExist1") { id } }' }, { yoga });
    expect(answer.body!.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const stripeRequestId = answer.body!.errors![0]!.extensions!['stripeRequestId'];
    expect(stripeRequestId).toBe(answer.calls[0]!.requestId);
    const [line] = requestLines(capture.parsed());
    expect(line!['stripeRequestIds']).toEqual([stripeRequestId]);
    expect(line!['errorCodes']).toEqual(['NOT_FOUND']);
  });
});

describe('no secret in any log line', () => {
  it('across an admin key, a customer JWT and a masked Stripe error', async () => {
    const capture = capturingLogger();
    // Deliberately no `secrets` list: nothing the gateway logs may contain them in the first place.
    const yoga = createGateway({ graphiql: false, corsOrigins: [], logger: capture.logger }, refused.deps);
    const good = createGateway({ graphiql: false, corsOrigins: [], logger: capture.logger }, h.deps);

    const admin = await postJson(h, { query: `query AsAdmin { customer(id: "${DEMO.customer}") { name } }` }, { yoga: good });
    expect(admin.status).toBe(200);
    const customer = await postJson(h, { query: 'query AsCustomer { viewer { customer { id name } } }' }, { yoga: good, authorization: `Bearer ${customerToken}` });
    expect(customer.body!.errors).toBeUndefined();
    // The caller's token inside the document and variables as well (a confused client).
    await postJson(h, { query: `query Confused($t: String) { viewer { role } } # ${customerToken}`, variables: { t: customerToken } }, { yoga: good, authorization: `Bearer ${customerToken}` });
    // The gateway's own key refused by Stripe: masked to the caller, logged for the operator.
    const masked = await send(refused, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: `query Masked { customer(id: "${DEMO.customer}") { name } }` }),
    }, yoga);
    expect(masked.body!.errors![0]!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(masked.body!.errors![0]!.message).toBe('Unexpected error.');
    const sessionAnswer = await send(refused, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${customerToken}` },
      body: JSON.stringify({ query: 'mutation { createPortalSession(input: {}) { __typename } }' }),
    }, yoga);
    expect(sessionAnswer.body!.errors![0]!.extensions!['code']).toBe('INTERNAL_SERVER_ERROR');

    const lines = capture.parsed();
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const maskedLine = errors.find((line) => line['requestId'] === masked.headers.get('x-request-id'));
    expect(maskedLine, capture.lines.join('\n')).toBeDefined();
    expect(maskedLine!['error']['message']).toMatch(/credentials/);
    expect(maskedLine!['error']['stack']).toMatch(/at /);
    expect(maskedLine!['stripeRequestId']).toBe(masked.calls[0]!.requestId);
    expect(requestLines(lines).map((l) => l['operationName'])).toEqual(['AsAdmin', 'AsCustomer', 'Confused', 'Masked', undefined]);

    const everything = [...capture.lines, admin.text, customer.text, masked.text, sessionAnswer.text].join('\n');
    for (const secret of [ADMIN_KEY, customerToken, customerToken.split('.')[2]!, JWT_SECRET, GATEWAY_STRIPE_KEY, 'TAIL', 'sk_test_']) {
      expect(everything, secret).not.toContain(secret);
    }
    expect(everything).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(everything).not.toMatch(/Bearer\s+(?!\[REDACTED\])/);
  });
});

describe('redaction', () => {
  it('removes Stripe keys, JWTs, bearer credentials and configured secrets from strings', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdHJpcGVfY3VzdG9tZXJfaWQiOiJjdXNfMSJ9.c2lnbmF0dXJl';
    expect(redactString(`key sk_live_abc123 and rk_test_XYZ and whsec_abc`)).toBe(`key ${REDACTED} and ${REDACTED} and ${REDACTED}`);
    expect(redactString(`token ${jwt}!`)).toBe(`token ${REDACTED}!`);
    expect(redactString('Authorization: Bearer abc.def')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactString('Basic Zm9vOmJhcg==')).toBe(`Basic ${REDACTED}`);
    expect(redactString('the key is demo_admin_0123456789', ['demo_admin_0123456789'])).toBe(`the key is ${REDACTED}`);
    expect(redactString('cus_HI4eggv5wQw860 and req_123 stay')).toBe('cus_HI4eggv5wQw860 and req_123 stay');
  });

  it('replaces values under secret-looking keys, deeply, and serialises errors', () => {
    const out = redact({
      headers: { authorization: 'anything', Cookie: 'a=b', 'x-api-key': 'k', accept: '*/*' },
      nested: [{ clientSecret: 'x', password: 'p', role: 'ADMIN' }],
      error: new Error('failed with sk_test_123'),
    }) as any;
    expect(out.headers).toEqual({ authorization: REDACTED, Cookie: REDACTED, 'x-api-key': REDACTED, accept: '*/*' });
    expect(out.nested).toEqual([{ clientSecret: REDACTED, password: REDACTED, role: 'ADMIN' }]);
    expect(out.error.message).toBe(`failed with ${REDACTED}`);
    expect(out.error.stack).not.toContain('sk_test_123');
  });

  it('writes configured secrets nowhere, whatever field they hide in', () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line), secrets: ['my-very-secret-admin-key'] });
    logger.info('hello', { note: 'x my-very-secret-admin-key y', list: ['my-very-secret-admin-key'] });
    logger.error('oops', { error: new Error('my-very-secret-admin-key') });
    expect(lines.join('\n')).not.toContain('my-very-secret-admin-key');
    expect(lines.map((line) => JSON.parse(line).level)).toEqual(['info', 'error']);
  });

  it('honours the level: error drops info lines, silent drops everything', () => {
    const lines: string[] = [];
    createLogger({ level: 'error', sink: (line) => lines.push(line) }).info('x');
    createLogger({ level: 'silent', sink: (line) => lines.push(line) }).error('x');
    expect(lines).toEqual([]);
  });
});
