/**
 * The logs on pino: `LOG_LEVEL`'s levels mean what pino's mean (and `info`, `error`, `silent` what they always
 * meant), lines at `warn` and up go to stderr, `LOG_FORMAT=pretty` writes readable lines (no JSON, no colours
 * without a terminal), and a secret put in any field, the message or a child's bindings, at any level, in either
 * format, is never written. Then the gateway's own lines: a request's lines carry its id, `LOG_LEVEL=debug` adds a
 * line per Stripe request tied to the request line by Stripe's `Request-Id`, and a Stripe that does not answer is
 * a warning.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, LOG_LEVELS, REDACTED, type LineLevel, type LoggerOptions } from '../../src/observability/log.js';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY, JWT_SECRET, signCustomerToken } from '../support/gateway.js';
import { startReplicas, stopReplicas, type Replica } from '../support/replicas.js';

const LINE_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

function capture(options: LoggerOptions = {}) {
  const lines: Array<{ line: string; level: LineLevel }> = [];
  const logger = createLogger({ ...options, sink: (line, level) => lines.push({ line, level }) });
  return { logger, lines, text: () => lines.map((l) => l.line).join('\n') };
}

describe('levels', () => {
  it.each(LOG_LEVELS)('LOG_LEVEL=%s writes the lines at its level and above, labelled as pino names them', (level) => {
    const { logger, lines } = capture({ level });
    for (const at of LINE_LEVELS) logger[at](`a ${at} line`, { at });
    const expected = LINE_LEVELS.slice(LOG_LEVELS.indexOf(level));
    expect(lines.map((l) => l.level)).toEqual(expected);
    const parsed = lines.map((l) => JSON.parse(l.line) as Record<string, unknown>);
    expect(parsed.map((p) => [p['level'], p['msg'], p['at']])).toEqual(expected.map((at) => [at, `a ${at} line`, at]));
    for (const p of parsed) expect(Date.parse(p['time'] as string), 'an ISO time').not.toBeNaN();
  });

  it('binds a child logger’s fields to each of its lines, and only to its own', () => {
    const { logger, lines } = capture();
    const child = logger.child({ requestId: 'req-in-the-child' });
    child.info('from the child', { n: 1 });
    logger.info('from the parent');
    expect(lines.map((l) => JSON.parse(l.line))).toMatchObject([
      { msg: 'from the child', requestId: 'req-in-the-child', n: 1 },
      { msg: 'from the parent' },
    ]);
    expect(JSON.parse(lines[1]!.line)).not.toHaveProperty('requestId');
  });

  it('writes to stdout below warn and to stderr from warn up, by default', async () => {
    const script = [
      "import { createLogger } from './src/observability/log.js';",
      "const logger = createLogger({ level: 'debug' });",
      "for (const level of ['debug', 'info', 'warn', 'error']) logger[level](`at ${level}`);",
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    const messages = (text: string) => text.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages(stdout)).toEqual(['at debug', 'at info']);
    expect(messages(stderr)).toEqual(['at warn', 'at error']);
  }, 30_000);
});

describe('LOG_FORMAT=pretty', () => {
  it('writes a line a person reads: time, level, message, then the fields one per line — no JSON', () => {
    const { logger, lines } = capture({ format: 'pretty' });
    logger.child({ requestId: 'req-pretty-1' }).warn('Redis is unreachable', { redis: 'redis://cache.internal:6379' });
    expect(lines).toHaveLength(1);
    const [{ line, level }] = lines as [{ line: string; level: LineLevel }];
    expect(level).toBe('warn');
    expect(() => JSON.parse(line)).toThrow();
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: Redis is unreachable\n/);
    expect(line).toContain('requestId: "req-pretty-1"');
    expect(line).toContain('redis: "redis://cache.internal:6379"');
  });
});

describe('no secret at any level, in either format', () => {
  const CONFIGURED = 'configured-gateway-key-0123456789';
  const STRIPE_KEY = 'sk_live_51SecretStripeKeyABCDEF';
  const WEBHOOK_SECRET = 'whsec_SecretWebhookSigningABCDEF';
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXNfMSJ9.c2lnbmF0dXJlU2VjcmV0';
  const OPAQUE = 'opaqueBearerCredential987';
  const PASSWORD = 'a-redis-password-of-some-length';
  const SECRETS = [CONFIGURED, STRIPE_KEY, WEBHOOK_SECRET, JWT, 'c2lnbmF0dXJlU2VjcmV0', OPAQUE, PASSWORD, 'SecretStripeKey'];

  for (const format of ['json', 'pretty'] as const) {
    it.each(LINE_LEVELS)(`${format}, at %s: message, fields at any depth, errors and their causes, child bindings`, (level) => {
      const { logger, lines, text } = capture({ level: 'trace', format, secrets: [CONFIGURED] });
      const child = logger.child({ requestId: 'req-kept-1', authorization: `Bearer ${OPAQUE}`, note: `key ${CONFIGURED}` });
      const error = new Error(`Stripe refused ${STRIPE_KEY}`, { cause: new Error(`and the webhook secret ${WEBHOOK_SECRET}`) });
      child[level](`logged with ${STRIPE_KEY} and ${CONFIGURED}`, {
        customer: 'cus_keptAsItIs1',
        top: CONFIGURED,
        nested: { deeper: { list: [`Bearer ${OPAQUE}`, JWT, { redisPassword: PASSWORD }] } },
        headers: { cookie: `sid=${OPAQUE}`, 'x-api-key': CONFIGURED },
        url: `redis://user:${PASSWORD}@cache.internal:6379`,
        error,
      });
      expect(lines.map((l) => l.level)).toEqual([level]);
      const written = text();
      for (const secret of SECRETS) expect(written, secret).not.toContain(secret);
      // What is no secret is still there: the line is redacted, not dropped.
      for (const kept of ['cus_keptAsItIs1', 'req-kept-1', 'cache.internal', 'Stripe refused', 'and the webhook secret', REDACTED]) {
        expect(written).toContain(kept);
      }
    });
  }
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function query(app: ProductionApp, document: string): Promise<{ status: number; requestId: string | null; body: any }> {
  const response = await fetch(app.app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: document }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: await response.json() };
}

describe('the gateway’s lines', () => {
  const CUSTOMER_AND_INVOICES = `query CustomerAndInvoices { customer(id: "${DEMO.customer}") { name invoices(first: 2) { edges { node { id } } } } }`;
  let lines: Array<{ line: string; level: LineLevel }>;
  let debug: ProductionApp;
  beforeAll(async () => {
    lines = [];
    debug = await startProductionApp({ LOG_LEVEL: 'debug' }, { logSink: (line, level) => lines.push({ line, level }) });
  });
  afterAll(async () => {
    await debug?.stop();
  });
  const parsed = () => lines.map((l): Record<string, any> => ({ ...(JSON.parse(l.line) as Record<string, any>), sinkLevel: l.level }));

  it('at debug: a line per Stripe request, its endpoint without ids, tied to the request line by Stripe’s Request-Id', async () => {
    lines.length = 0;
    const before = debug.stripe.requests.length;
    const answer = await query(debug, CUSTOMER_AND_INVOICES);
    expect(answer.status).toBe(200);
    const sent = debug.stripe.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);

    const all = parsed();
    const [request, ...others] = all.filter((l) => l['msg'] === 'request');
    expect(others).toEqual([]);
    expect(request).toMatchObject({ level: 'info', requestId: answer.requestId, operationName: 'CustomerAndInvoices', stripeCalls: sent.length });
    const calls = all.filter((l) => l['msg'] === 'Stripe request');
    expect(calls.map((c) => [c['level'], c['sinkLevel'], c['status']])).toEqual(sent.map(() => ['debug', 'debug', 200]));
    expect(calls.map((c) => c['stripeRequestId']).sort()).toEqual(sent.map((r) => r.requestId).sort());
    expect([...request!['stripeRequestIds']].sort()).toEqual(sent.map((r) => r.requestId).sort());
    expect(calls.map((c) => c['endpoint']).sort()).toEqual(['GET /v1/customers/{id}', 'GET /v1/invoices']);
    expect(JSON.stringify(calls)).not.toContain(DEMO.customer);
  });

  it('at info: the request line, and no Stripe request lines', async () => {
    const infoLines: string[] = [];
    const app = await startProductionApp({ LOG_LEVEL: 'info' }, { logSink: (line) => infoLines.push(line) }, debug.stripe);
    try {
      expect((await query(app, CUSTOMER_AND_INVOICES)).status).toBe(200);
    } finally {
      await app.stop();
    }
    const msgs = infoLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(msgs).toContain('request');
    expect(msgs).not.toContain('Stripe request');
  });

  it('a Stripe that does not answer: a warning per request sent, nothing at info', async () => {
    const warned: Array<{ line: string; level: LineLevel }> = [];
    const app = await startProductionApp(
      { LOG_LEVEL: 'warn', STRIPE_API_BASE: `http://127.0.0.1:${await closedPort()}` },
      { logSink: (line, level) => warned.push({ line, level }) },
      debug.stripe,
    );
    let answer: Awaited<ReturnType<typeof query>>;
    try {
      answer = await query(app, `{ customer(id: "${DEMO.customer}") { id } }`);
    } finally {
      await app.stop();
    }
    expect(answer.body.errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    const records = warned.map((l): Record<string, any> => ({ ...(JSON.parse(l.line) as Record<string, any>), sinkLevel: l.level }));
    const noAnswer = records.filter((r) => r['msg'] === 'Stripe request got no answer');
    expect(noAnswer.length, warned.map((l) => l.line).join('\n')).toBeGreaterThan(0);
    for (const r of noAnswer) expect(r).toMatchObject({ level: 'warn', sinkLevel: 'warn', endpoint: 'GET /v1/customers/{id}', status: null });
    expect(records.map((r) => r['level'])).not.toContain('info');
  });
});

describe('a gateway process with LOG_FORMAT=pretty and no terminal', () => {
  let stripe: LocalStripe;
  let replicas: Replica[] = [];
  beforeAll(async () => {
    stripe = await startLocalStripe({ port: 0, seed: 'demo' });
    replicas = await startReplicas(1, { stripe, env: { LOG_FORMAT: 'pretty', LOG_LEVEL: 'debug' } });
  }, 90_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    await stripe?.stop();
  }, 30_000);

  it('writes readable lines without colours or JSON, and without the keys it was called with', async () => {
    const [gateway] = replicas as [Replica];
    const token = await signCustomerToken(DEMO.customer);
    const before = stripe.requests.length;
    const response = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      // A confused client's customer token in the document: the gateway logs no document.
      body: JSON.stringify({ query: `query Named { customer(id: "${DEMO.customer}") { name } } # ${token}` }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const sent = stripe.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    // The request line is written as the response goes: wait for it, boundedly.
    const deadline = Date.now() + 15_000;
    while (!gateway.output().includes(`requestId: "${requestId}"`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const output = gateway.output();
    expect(output, output).toContain(`requestId: "${requestId}"`);
    expect(output).toMatch(/\] INFO: request\n/);
    expect(output).toMatch(/\] DEBUG: Stripe request\n/);
    for (const { requestId: stripeId } of sent) expect(output.split(stripeId).length - 1, stripeId).toBeGreaterThanOrEqual(2);
    expect(output).not.toMatch(/^\{"level"/m);
    expect(output).not.toContain('\u001b[');
    for (const secret of [token, ADMIN_KEY, JWT_SECRET, stripe.secretKey]) expect(output).not.toContain(secret);
  });
});
