/**
 * `npm start` as a user meets it: the whole app in-process (demo mode on the embedded local Stripe, and against a
 * separately started Stripe), then as real child processes — the banner, `/health`, SIGTERM, configuration errors.
 * Everything binds port 0; nothing is mocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { banner, startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { startProductionApp } from '../support/app.js';
import { ADMIN_KEY as SUPPORT_ADMIN_KEY } from '../support/gateway.js';
import { watchOutput } from '../support/process-output.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Result {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, authorization?: string): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Result, 'status'>) };
}

/** `src`/`href` of scripts, styles and frames, CSS imports and `url()`s that leave this host. */
function externalReferences(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/<(script|link|img|iframe|style)\b[^>]*\b(src|href)\s*=\s*["']?([^"'\s>]+)/gi)) {
    if (/^(https?:)?\/\//i.test(m[3] ?? '')) found.push(m[0]);
  }
  for (const m of html.matchAll(/@import\s+(url\()?\s*["']?(https?:)?\/\//gi)) found.push(m[0]);
  for (const m of html.matchAll(/url\(\s*["']?(https?:)?\/\/[^)]{0,100}\)/gi)) found.push(m[0]);
  for (const m of html.matchAll(/unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.|fonts\.googleapis\.com/gi)) found.push(m[0]);
  return found;
}

/** The banner's example `curl`, taken apart: its URL, headers and body, as a shell would pass them. */
function curlIn(text: string): { url: string; headers: Record<string, string>; body: string } {
  const command = text.slice(text.indexOf('curl -s ')).replace(/\\\n\s*/g, ' ');
  const headers: Record<string, string> = {};
  for (const [, name, value] of command.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[name!.toLowerCase()] = value!;
  return { url: /^curl -s (\S+)/.exec(command)![1]!, headers, body: /-d '([^']*)'/.exec(command)![1]! };
}

const CUSTOMERS = '{ customers(first: 3) { edges { node { id name balance { formatted } } } } }';
const VIEWER = '{ viewer { role customer { id name email } } }';
const OPEN_PORTAL = `mutation Open($input: CreatePortalSessionInput!) {
  createPortalSession(input: $input) { ... on CreatePortalSessionPayload { portalSession { url returnUrl customer { id } } } }
}`;

describe('startApp in demo mode with a shorter token lifetime', () => {
  it('prints a customer token the gateway accepts: no longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
    const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error', AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600' }));
    try {
      expect(app.demo!.customerTokenSeconds).toBe(3600);
      expect(banner(app)).toContain('role CUSTOMER, expires in 1h;');
      const result = await gql(app.graphqlUrl, VIEWER, {}, `Bearer ${app.demo!.customerToken}`);
      expect(result.errors).toBeUndefined();
      expect(result.data?.viewer).toMatchObject({ role: 'CUSTOMER', customer: { id: DEMO.customer } });
    } finally {
      await app.stop();
    }
  });
});

describe('startApp in demo mode', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error' }));
  });
  afterAll(() => app?.stop());

  it('listens on a free port and answers /health', async () => {
    expect(app.port).toBeGreaterThan(0);
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    expect(app.localStripe).toBeDefined();
    expect(app.stripeBase).toBe(app.localStripe?.url);
    const response = await fetch(`${app.url}/health`);
    expect(response.status).toBe(200);
  });

  it('prints the URL, the generated admin key, the customer token and an example curl', () => {
    const text = banner(app);
    const demo = app.demo!;
    expect(demo.adminKeyGenerated).toBe(true);
    expect(demo.customerId).toBe(DEMO.customer);
    expect(text).toContain(`listening on ${app.url}`);
    expect(text).toContain(app.graphqlUrl);
    expect(text).toContain(`Admin key:      ${demo.adminKey}`);
    expect(text).toContain(`Customer token: ${demo.customerToken}`);
    expect(text).toContain(`${DEMO.customer} (Ada Lovelace)`);
    expect(text).toContain(`curl -s ${app.graphqlUrl}`);
  });

  it('prints an example request that works as printed, asking for the spec’s statuses', async () => {
    const curl = curlIn(banner(app));
    expect(curl.url).toBe(app.graphqlUrl);
    expect(curl.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${app.demo!.adminKey}`,
    });
    const response = await fetch(curl.url, { method: 'POST', headers: curl.headers, body: curl.body });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(((await response.json()) as Result).data?.customers.edges).toHaveLength(3);
  });

  it('serves GraphiQL to a browser, offline: every asset inline, nothing from another host', async () => {
    const response = await fetch(app.graphqlUrl, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
    expect(html.length).toBeGreaterThan(1_000_000); // the bundled build, not a page of CDN links
    expect(externalReferences(html)).toEqual([]);
    // Opening tabs: the example operations, with the demo admin header pre-filled.
    for (const name of ['CustomerWithInvoices', 'InvoicesWithCustomers', 'InvoiceWithLines', 'CreatePortalSession']) {
      expect(html).toContain(name);
    }
    expect(html).toContain(`Bearer ${app.demo!.adminKey}`);
    // The same page again comes from the cache, identical.
    const again = await (await fetch(app.graphqlUrl, { headers: { accept: 'text/html' } })).text();
    expect(again).toBe(html);
  });

  it('sends a browser at / to GraphiQL (the demo portal returns there)', async () => {
    const response = await fetch(`${app.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/graphql');
  });

  it('answers the printed admin key as ADMIN', async () => {
    const result = await gql(app.graphqlUrl, CUSTOMERS, {}, `Bearer ${app.demo!.adminKey}`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.customers.edges).toHaveLength(3);
    expect((await gql(app.graphqlUrl, VIEWER, {}, `Bearer ${app.demo!.adminKey}`)).data?.viewer).toEqual({ role: 'ADMIN', customer: null });
  });

  it('answers the printed customer token with that customer’s own record', async () => {
    const result = await gql(app.graphqlUrl, VIEWER, {}, `Bearer ${app.demo!.customerToken}`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.viewer).toEqual({
      role: 'CUSTOMER',
      customer: { id: DEMO.customer, name: 'Ada Lovelace', email: 'ada@example.com' },
    });
    // …and nobody else's.
    const other = await gql(app.graphqlUrl, `{ customer(id: "${DEMO.businessCustomer}") { id name } }`, {}, `Bearer ${app.demo!.customerToken}`);
    expect(other.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    // No key, no data.
    expect((await gql(app.graphqlUrl, VIEWER)).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('opens a portal session for the signed-in customer whose URL answers, returning to the gateway', async () => {
    const result = await gql(app.graphqlUrl, OPEN_PORTAL, { input: {} }, `Bearer ${app.demo!.customerToken}`);
    expect(result.errors).toBeUndefined();
    const session = result.data?.createPortalSession.portalSession;
    expect(session.customer.id).toBe(DEMO.customer);
    expect(session.returnUrl).toBe(`${app.url}/`);
    expect(session.url.startsWith(`${app.localStripe!.url}/`)).toBe(true);
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`${app.url}/`);
  });

  it('runs every GraphiQL tab as it opens: the example operations, their demo ids and the admin header', async () => {
    const tabs = app.graphiql.tabs ?? [];
    expect(tabs.length).toBeGreaterThanOrEqual(6);
    const authorization = app.graphiql.headers?.['Authorization'];
    expect(authorization).toBe(`Bearer ${app.demo!.adminKey}`);
    for (const tab of tabs) {
      // Subscriptions are streams, run by GraphiQL over SSE (test/gateway/live-updates.test.ts): not one answer each.
      if (/^\s*subscription\s/m.test(tab.query)) continue;
      const name = /(?:query|mutation)\s+(\w+)/.exec(tab.query)?.[1];
      const result = await gql(app.graphqlUrl, tab.query, JSON.parse(tab.variables ?? '{}') as Record<string, unknown>, authorization);
      expect(result.errors, `${name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
      expect(result.data, name).toBeTruthy();
      if (name === 'InvoiceWithLines') expect(result.data?.invoice.lines.edges.length).toBeGreaterThan(1);
      if (name === 'CustomerWithInvoices') expect(result.data?.customer.id).toBe(DEMO.customer);
      if (name === 'CreatePortalSession') {
        expect((await fetch(result.data?.createPortalSession.portalSession.url as string)).status).toBe(200);
      }
    }
  });
});

describe('stopping', () => {
  it('lets a request in flight finish, closes keep-alive connections, and stops the local Stripe', async () => {
    const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error' }));
    const local = app.localStripe!;
    // A keep-alive connection left open, as a browser leaves one.
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      get(`${app.url}/health`, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      }).on('error', reject);
    });
    // A request in flight when the stop begins: Stripe answers slowly.
    local.setFaults({ latencyMs: 300 });
    const inFlight = gql(app.graphqlUrl, CUSTOMERS, {}, `Bearer ${app.demo!.adminKey}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await app.stop();
    // It waited for the request in flight (about 200 ms more), not for the idle keep-alive connection.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(3_000);
    const finished = await inFlight;
    expect(finished.errors).toBeUndefined();
    expect(finished.data?.customers.edges).toHaveLength(3);
    await expect(fetch(`${app.url}/health`)).rejects.toThrow();
    await expect(fetch(`${local.url}/v1/customers`)).rejects.toThrow();
    agent.destroy();
    await app.stop(); // a second stop is harmless
  });
});

describe('startApp, other settings', () => {
  it('in production serves neither GraphiQL nor introspection', async () => {
    // Production refuses demo mode: against a Stripe of its own.
    const { app, stop } = await startProductionApp();
    try {
      const page = await fetch(app.graphqlUrl, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
      const result = await gql(app.graphqlUrl, '{ __schema { queryType { name } } }', {}, `Bearer ${SUPPORT_ADMIN_KEY}`);
      expect(result.errors?.[0]?.message).toContain('introspection has been disabled');
      expect((await gql(app.graphqlUrl, VIEWER, {}, `Bearer ${SUPPORT_ADMIN_KEY}`)).data?.viewer.role).toBe('ADMIN');
    } finally {
      await stop();
    }
  });

  it('refuses a port in use with a message that says what to do', async () => {
    const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error' }));
    try {
      await expect(startApp(loadGatewayConfig({ PORT: String(app.port) }))).rejects.toThrow(
        `cannot listen on 127.0.0.1:${app.port}: the port is in use (set PORT to another port, or PORT=0 for any free one)`,
      );
    } finally {
      await app.stop();
    }
  });
});

describe('startApp against a Stripe given by STRIPE_SECRET_KEY / STRIPE_API_BASE', () => {
  const ADMIN_KEY = 'ops-admin-key-0123456789abcdef';
  const JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters!';
  let local: LocalStripe;
  let app: App;
  beforeAll(async () => {
    local = await startLocalStripe({ port: 0, seed: 'demo', apiKeys: ['sk_test_gatewayOnly'] });
    app = await startApp(
      loadGatewayConfig({
        PORT: '0',
        STRIPE_SECRET_KEY: 'sk_test_gatewayOnly',
        STRIPE_API_BASE: local.url,
        GATEWAY_API_KEYS: ADMIN_KEY,
        AUTH_JWT_SECRET: JWT_SECRET,
        PORTAL_RETURN_URL: 'https://app.example.com/billing',
      }),
    );
  });
  afterAll(async () => {
    await app?.stop();
    await local?.stop();
  });

  it('runs no Stripe of its own, generates nothing, and talks to the given one with the given key', async () => {
    expect(app.demo).toBeUndefined();
    expect(app.localStripe).toBeUndefined();
    expect(app.stripeBase).toBe(local.url);
    local.clearRequests();
    const result = await gql(app.graphqlUrl, `{ customer(id: "${DEMO.customer}") { name invoices(first: 2) { edges { node { id } } } } }`, {}, `Bearer ${ADMIN_KEY}`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer.name).toBe('Ada Lovelace');
    expect(local.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([`GET /v1/customers/${DEMO.customer}`, 'GET /v1/invoices']),
    );
    expect(local.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('returns portal sessions to PORTAL_RETURN_URL', async () => {
    const result = await gql(app.graphqlUrl, OPEN_PORTAL, { input: { customerId: DEMO.businessCustomer } }, `Bearer ${ADMIN_KEY}`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.createPortalSession.portalSession.returnUrl).toBe('https://app.example.com/billing');
    expect((await fetch(result.data?.createPortalSession.portalSession.url as string)).status).toBe(200);
  });

  it('prints an example request naming GATEWAY_API_KEYS, which works once a key is filled in', async () => {
    const text = banner(app);
    expect(text).not.toContain('$GATEWAY_API_KEY');
    const curl = curlIn(text);
    expect(curl.url).toBe(app.graphqlUrl);
    expect(curl.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: 'Bearer <one of GATEWAY_API_KEYS>',
    });
    const send = (authorization: string) => fetch(curl.url, { method: 'POST', headers: { ...curl.headers, authorization }, body: curl.body });
    const filledIn = await send(curl.headers['authorization']!.replace('<one of GATEWAY_API_KEYS>', ADMIN_KEY));
    expect(filledIn.status).toBe(200);
    expect(await filledIn.json()).toMatchObject({ data: { viewer: { role: 'ADMIN' } } });
    // As printed, the placeholder is no key: the spec's 401, in the spec's media type.
    const asPrinted = await send(curl.headers['authorization']!);
    expect(asPrinted.status).toBe(401);
    expect(asPrinted.headers.get('content-type')).toContain('application/graphql-response+json');
  });

  it('never prints or serves a secret', async () => {
    const text = banner(app);
    for (const secret of [ADMIN_KEY, JWT_SECRET, 'sk_test_gatewayOnly']) expect(text).not.toContain(secret);
    expect(text).toContain(local.url);
    const html = await (await fetch(app.graphqlUrl, { headers: { accept: 'text/html' } })).text();
    expect(html).not.toContain(ADMIN_KEY);
    expect(html).not.toContain('Authorization');
    expect(externalReferences(html)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real processes

const GATEWAY_ENV = [
  'PORT', 'HOST', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'GATEWAY_API_KEYS', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL',
  'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE', 'AUTH_CUSTOMER_CLAIM', 'PORTAL_RETURN_URL', 'ALLOWED_RETURN_URL_ORIGINS',
  'CORS_ORIGINS', 'GRAPHIQL', 'LOCAL_STRIPE_PORT', 'LOCAL_STRIPE_HOST',
];

const children: ChildProcess[] = [];

function run(command: string, args: string[], env: Record<string, string>) {
  const base: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'development' };
  for (const name of GATEWAY_ENV) delete base[name];
  // Its own process group, so that a failed test can take down npm's children too.
  const child = spawn(command, args, { cwd: ROOT, env: { ...base, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return { child, ...watchOutput(child) };
}

afterEach(() => {
  // The whole group, even when its leader has exited: npm's children may outlive npm.
  for (const child of children.splice(0)) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
});

// `npm start` runs the compiled build, tested in test/build/compiled.test.ts; `npm run dev` is the same start from the
// sources under the same npm wrapper, so these are the sources' behaviour, with npm passing signals on.
describe('npm run dev (the sources), as a process', () => {
  it('prints the banner, serves the demo, and exits 0 on SIGTERM', async () => {
    const gateway = run('npm', ['run', 'dev', '--silent'], { PORT: '0' });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/);
    const [, token] = await gateway.waitFor(/Customer token: (\S+)/);
    const [, adminKey] = await gateway.waitFor(/Admin key:\s+(\S+)/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const graphql = `${url}/graphql`;
    expect((await gql(graphql, CUSTOMERS, {}, `Bearer ${adminKey}`)).data?.customers.edges).toHaveLength(3);
    expect((await gql(graphql, VIEWER, {}, `Bearer ${token}`)).data?.viewer.customer.id).toBe(DEMO.customer);
    // SIGTERM to npm itself, as a container runtime sends it: npm passes it on, the gateway stops cleanly.
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('SIGTERM: stopping');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('stops on a configuration error with one line per problem, and exit code 1', async () => {
    const gateway = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      PORT: 'abc',
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      AUTH_JWT_SECRET: 'short',
    });
    expect(await gateway.exited).toBe(1);
    const [heading, ...problems] = gateway.output().trim().split('\n');
    expect(heading).toBe('Invalid configuration:');
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('STRIPE_API_BASE is set, so STRIPE_SECRET_KEY is required'),
        expect.stringContaining('AUTH_JWT_SECRET must be at least 32 characters'),
        expect.stringContaining("PORT must be a port number between 0 and 65535, got 'abc'"),
      ]),
    );
    expect(gateway.output()).not.toContain('listening');
  });

  it('runs unchanged against the standalone `npm run local-stripe`', async () => {
    const stripe = run(process.execPath, ['--import', 'tsx', 'src/local-stripe/main.ts'], { LOCAL_STRIPE_PORT: '0' });
    const [, stripeUrl] = await stripe.waitFor(/listening on (http:\/\/\S+)/);
    const adminKey = 'standalone-admin-key-0123456789';
    const gateway = run(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      PORT: '0',
      STRIPE_SECRET_KEY: 'sk_test_standalone',
      STRIPE_API_BASE: stripeUrl!,
      GATEWAY_API_KEYS: adminKey,
    });
    const [, url] = await gateway.waitFor(/listening on (http:\/\/\S+)/);
    await gateway.waitFor(/Try:/);
    expect(gateway.output()).not.toContain(adminKey);
    expect(gateway.output()).toContain(`Stripe:         ${stripeUrl}`);
    const result = await gql(`${url}/graphql`, `{ invoices(first: 3) { edges { node { id customer { name } } } } }`, {}, `Bearer ${adminKey}`);
    expect(result.errors).toBeUndefined();
    expect(result.data?.invoices.edges).toHaveLength(3);
    // It reached the standalone local Stripe: one list call, customers expanded in it.
    const log = (await (await fetch(`${stripeUrl}/_local/requests`)).json()) as { data: Array<{ path: string; expand: string[] }> };
    expect(log.data.map((r) => [r.path, r.expand])).toEqual([['/v1/invoices', ['data.customer']]]);
    gateway.child.kill('SIGTERM');
    stripe.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(await stripe.exited).toBe(0);
  });
});
