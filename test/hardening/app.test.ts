/**
 * The hardening settings from the environment to the listening app: `MAX_*`, `RATE_LIMIT_PER_MINUTE`, `LOG_LEVEL`
 * and `NODE_ENV=production` parsed by config.ts and applied by `startApp`, over real HTTP on port 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { DEFAULT_LIMITS, loadGatewayConfig } from '../../src/config.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY } from '../support/gateway.js';

describe('configuration of the limits', () => {
  const base = { STRIPE_SECRET_KEY: 'sk_test_abc', GATEWAY_API_KEYS: 'k'.repeat(20) };

  it('defaults to depth 10, aliases 15, tokens 1000, directives 50, cost 5000, body 102400, variables 1000/10/10000; info logs', () => {
    const config = loadGatewayConfig(base);
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config.logLevel).toBe('info');
  });

  it('reads MAX_DEPTH, MAX_ALIASES, MAX_TOKENS, MAX_DIRECTIVES, MAX_COST, MAX_BODY_BYTES, MAX_STRIPE_CALLS, MAX_VARIABLE_*, LOG_LEVEL', () => {
    const config = loadGatewayConfig({
      ...base,
      MAX_DEPTH: '8',
      MAX_ALIASES: '0',
      MAX_TOKENS: '2000',
      MAX_DIRECTIVES: '5',
      MAX_COST: '20000',
      MAX_BODY_BYTES: '1048576',
      MAX_STRIPE_CALLS: '40',
      MAX_VARIABLE_VALUES: '50',
      MAX_VARIABLE_DEPTH: '4',
      MAX_VARIABLE_STRING_LENGTH: '2048',
      LOG_LEVEL: 'error',
    });
    expect(config.limits).toEqual({
      maxDepth: 8,
      maxAliases: 0,
      maxTokens: 2000,
      maxDirectives: 5,
      maxCost: 20000,
      maxBodyBytes: 1_048_576,
      maxStripeCalls: 40,
      maxVariableValues: 50,
      maxVariableDepth: 4,
      maxVariableStringLength: 2048,
    });
    expect(config.logLevel).toBe('error');
  });

  it('refuses nonsense, one line per problem', () => {
    let problems: readonly string[] = [];
    try {
      loadGatewayConfig({
        ...base,
        MAX_DEPTH: '0',
        MAX_TOKENS: 'many',
        MAX_COST: '1.5',
        MAX_BODY_BYTES: '10',
        MAX_VARIABLE_VALUES: '0',
        MAX_VARIABLE_DEPTH: '-1',
        MAX_VARIABLE_STRING_LENGTH: '10k',
        LOG_LEVEL: 'verbose',
      });
    } catch (error) {
      problems = (error as { problems: string[] }).problems;
    }
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(
      /MAX_DEPTH[\s\S]*MAX_TOKENS[\s\S]*MAX_COST[\s\S]*MAX_BODY_BYTES[\s\S]*MAX_VARIABLE_VALUES[\s\S]*MAX_VARIABLE_DEPTH[\s\S]*MAX_VARIABLE_STRING_LENGTH[\s\S]*LOG_LEVEL/,
    );
  });
});

describe('startApp with the settings', () => {
  let app: App;
  let production: ProductionApp;
  beforeAll(async () => {
    // Production refuses demo mode: against a Stripe of its own.
    production = await startProductionApp({ MAX_DEPTH: '3', MAX_BODY_BYTES: '4096', MAX_VARIABLE_STRING_LENGTH: '100', RATE_LIMIT_PER_MINUTE: '6' });
    app = production.app;
  });
  afterAll(() => production.stop());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(app.graphqlUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${ADMIN_KEY}`,
        ...headers,
      },
      body: JSON.stringify(body),
    });
  const json = async (response: Response) => (await response.json()) as { errors?: Array<{ message: string; extensions: Record<string, unknown> }> };

  it('applies MAX_DEPTH, MAX_BODY_BYTES, MAX_VARIABLE_STRING_LENGTH, hides suggestions in production, then rate limits the caller', async () => {
    const deep = await post({ query: '{ viewer { customer { balance { amount } } } }' });
    expect(deep.status).toBe(400);
    expect(deep.headers.get('x-request-id')).toBeTruthy();
    expect((await json(deep)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'depth', max: 3 });

    const big = await post({ query: '{ viewer { role } }', variables: { pad: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect((await json(big)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'body' });

    const long = await post({ query: 'query ($id: ID!) { customer(id: $id) { id } }', variables: { id: `cus_${'x'.repeat(100)}` } });
    expect(long.status).toBe(400);
    expect((await json(long)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'variables', max: 100 });

    const misspelt = await post({ query: '{ viewr { role } }' });
    expect(misspelt.status).toBe(400);
    const body = await json(misspelt);
    expect(body.errors![0]!.extensions['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).not.toMatch(/Did you mean|viewer/);

    // Three requests counted so far (the refused body never reached the limiter); six per minute.
    for (let i = 0; i < 3; i++) expect((await post({ query: '{ viewer { role } }' })).status).toBe(200);
    const limited = await post({ query: '{ viewer { role } }' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await json(limited)).errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('gives the demo page’s responses a request id too (demo mode: never production)', async () => {
    const demo = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent' }));
    try {
      const page = await fetch(demo.demoPageUrl!);
      expect(page.status).toBe(200);
      expect(page.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await demo.stop();
    }
  });
});
