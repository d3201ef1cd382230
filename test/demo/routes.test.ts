/**
 * `/demo` over HTTP, without a browser: the page and its script are served in demo mode only, the page is
 * self-contained under a strict CSP, and the demo sign-in mints short-lived customer tokens — only for the demo
 * customers it lists, only from the page's own origin — that the gateway accepts as exactly that customer.
 * The whole app runs in-process on port 0; nothing is mocked.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';

const VIEWER = '{ viewer { role customer { id name } } }';

async function gql(app: App, query: string, token: string): Promise<{ data?: any; errors?: Array<{ extensions?: { code?: string } }> }> {
  const response = await fetch(app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
}

function signIn(app: App, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}/demo/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('/demo in demo mode', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error' }));
  });
  afterAll(() => app?.stop());

  it('serves a self-contained page under a strict Content-Security-Policy', async () => {
    expect(app.demoPageUrl).toBe(`${app.url}/demo`);
    const response = await fetch(app.demoPageUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/demo/app.js"></script>');
    // Nothing from elsewhere, and no secret written into the page.
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toContain(app.demo!.adminKey);
    expect(html).not.toContain(app.demo!.customerToken);
    expect((await fetch(`${app.url}/demo/`, { redirect: 'manual' })).headers.get('location')).toBe('/demo');
  });

  it('serves the page script bundled into one file, with an ETag', async () => {
    const response = await fetch(`${app.url}/demo/app.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const code = await response.text();
    expect(code.length).toBeGreaterThan(1_000);
    // One file: no imports left for the browser to fetch, and no HTML parsing of data.
    expect(code).not.toMatch(/\bimport\s*[{*\w]|\bimport\(/);
    expect(code).not.toContain('innerHTML');
    expect(code).toContain('/graphql');
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${app.url}/demo/app.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('lists the demo customers one may sign in as', async () => {
    const response = await fetch(`${app.url}/demo/customers`);
    expect(response.status).toBe(200);
    const { customers } = (await response.json()) as { customers: Array<{ id: string; name: string; email: string | null; summary: string }> };
    expect(customers.map((c) => c.id)).toEqual(expect.arrayContaining([DEMO.customer, DEMO.businessCustomer, DEMO.newCustomer]));
    expect(customers.find((c) => c.id === DEMO.customer)).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(customers.find((c) => c.id === DEMO.newCustomer)?.summary).toContain('no invoices yet');
  });

  it('signs in: a one-hour customer token that the gateway accepts as that customer, and nobody else', async () => {
    const response = await signIn(app, { customerId: DEMO.businessCustomer }, { origin: app.url });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { token: string; expiresAt: string; customer: { id: string; name: string } };
    expect(body.customer).toMatchObject({ id: DEMO.businessCustomer, name: 'Acme Corporation' });
    const claims = decodeJwt(body.token);
    expect(claims[app.config.jwt.customerClaim]).toBe(DEMO.businessCustomer);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(Date.parse(body.expiresAt)).toBe(claims.exp! * 1000);

    const viewer = await gql(app, VIEWER, body.token);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data.viewer).toEqual({ role: 'CUSTOMER', customer: { id: DEMO.businessCustomer, name: 'Acme Corporation' } });
    const other = await gql(app, `{ customer(id: "${DEMO.customer}") { id } }`, body.token);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses what is not a sign-in from the page: other customers, other origins, other content types, other methods', async () => {
    const someoneElse = [...app.localStripe!.store.customers.newestFirst()].find((c) => c.email === 'claude@example.com')!;
    expect((await signIn(app, { customerId: someoneElse.id })).status).toBe(404);
    expect((await signIn(app, { customerId: 'cus_doesNotExist' })).status).toBe(404);
    expect((await signIn(app, {})).status).toBe(400);
    expect((await signIn(app, '{not json')).status).toBe(400);
    expect((await signIn(app, { customerId: DEMO.customer }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await signIn(app, { customerId: DEMO.customer, padding: 'x'.repeat(5_000) })).status).toBe(413);
    const form = await fetch(`${app.url}/demo/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `customerId=${DEMO.customer}`,
    });
    expect(form.status).toBe(415);
    const get = await fetch(`${app.url}/demo/session`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(app.demoPageUrl!, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${app.url}/demo/elsewhere`)).status).toBe(404);
  });

  it('names the page in the start-up banner', async () => {
    const { banner } = await import('../../src/app.js');
    expect(banner(app)).toContain(`Billing page:   ${app.url}/demo`);
  });
});

describe('/demo outside demo mode', () => {
  let local: LocalStripe;
  let app: App;
  beforeAll(async () => {
    local = await startLocalStripe({ port: 0, seed: 'demo' });
    app = await startApp(
      loadGatewayConfig({
        PORT: '0',
        STRIPE_SECRET_KEY: 'sk_test_notDemoMode',
        STRIPE_API_BASE: local.url,
        AUTH_JWT_SECRET: 'a-jwt-secret-of-at-least-32-characters!',
      }),
    );
  });
  afterAll(async () => {
    await app?.stop();
    await local?.stop();
  });

  it('does not exist: no page, no script, no customer list, no sign-in', async () => {
    expect(app.demoPageUrl).toBeUndefined();
    for (const path of ['/demo', '/demo/app.js', '/demo/customers']) {
      expect((await fetch(`${app.url}${path}`, { headers: { accept: 'text/html' } })).status, path).toBe(404);
    }
    const response = await signIn(app, { customerId: DEMO.customer });
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('eyJ');
  });
});
