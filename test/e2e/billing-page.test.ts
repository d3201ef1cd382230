/**
 * The demo billing page in a real browser (Debian's Chromium through playwright-core), against the whole app
 * started in-process in demo mode on port 0: sign in as a demo customer, read the invoices, page forward and
 * back, open the billing portal on the embedded local Stripe, return signed in; plus the empty, error and
 * signed-out states, and escaping. Screenshots of each step go to `test-results/e2e/billing-page-*.png`.
 */
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { formatMoney } from '../../src/stripe-facts/money.js';
import { demoJourney, JOURNEY_TIMEOUT_MS } from './browser.js';

const PAGE_SIZE = 5;
const STATUS_LABEL: Record<string, string> = { draft: 'Draft', open: 'Open', paid: 'Paid', uncollectible: 'Uncollectible', void: 'Void' };
const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

interface Row {
  id: string;
  date: string;
  number: string;
  status: string;
  amount: string;
  view: string | null;
  pdf: string | null;
}

// Trusted documents on, as in production: customers may run only the manifest's documents, by id — which is all
// the page sends.
const journey = demoJourney('billing-page', { TRUSTED_DOCUMENTS: 'true' });

/** The customer's invoices as the local Stripe holds them, newest first, as the page should show them. */
function expectedRows(customerId: string): Row[] {
  const rows: Row[] = [];
  for (const invoice of journey.app.localStripe!.store.invoices.newestFirst()) {
    const owner = typeof invoice.customer === 'string' ? invoice.customer : invoice.customer?.id;
    if (owner !== customerId) continue;
    rows.push(rowOf(invoice));
  }
  return rows;
}

/** The local Stripe keeps hosted-page URLs as paths and answers them absolute, on its own origin. */
function absolute(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  return url.startsWith('/') ? `${journey.app.localStripe!.url}${url}` : url;
}

function rowOf(invoice: Stripe.Invoice): Row {
  return {
    id: invoice.id,
    date: dateFormat.format(invoice.created * 1000),
    number: invoice.number ?? 'Not yet issued',
    status: STATUS_LABEL[invoice.status ?? ''] ?? 'Unknown',
    amount: formatMoney(invoice.total, invoice.currency),
    view: absolute(invoice.hosted_invoice_url),
    pdf: absolute(invoice.invoice_pdf),
  };
}

/** The invoice rows on screen. */
function shownRows(): Promise<Row[]> {
  return journey.page.$$eval('#invoices tbody tr[data-invoice-id]', (rows) =>
    rows.map((row) => {
      const text = (selector: string) => row.querySelector(selector)?.textContent?.trim() ?? '';
      return {
        id: (row as HTMLElement).dataset['invoiceId'] ?? '',
        date: text('td:first-child'),
        number: text('.invoice-number'),
        status: text('.badge'),
        amount: text('.amount'),
        view: row.querySelector('a.invoice-link')?.getAttribute('href') ?? null,
        pdf: row.querySelector('a.pdf-link')?.getAttribute('href') ?? null,
      };
    }),
  );
}

/** Waits until the invoice list has settled on `page` (the page number the pager shows). */
async function invoicesReady(page: number): Promise<void> {
  await journey.page.waitForSelector(`#invoices[data-state="ready"][data-page="${page}"]`);
}

async function signInAs(customerId: string): Promise<void> {
  await journey.page.waitForSelector(`#sign-in [data-customer-id="${customerId}"]:not([disabled])`);
  await journey.page.click(`[data-customer-id="${customerId}"]`);
}

describe('the demo billing page, as a customer uses it', () => {
  it('signs in as a demo customer and lists their invoices: status, amount, dates and links', async () => {
    const { page } = journey;
    await page.goto(journey.app.demoPageUrl!);
    await page.waitForSelector('#sign-in [data-customer-id]');
    const offered = await page.$$eval('[data-customer-id]', (buttons) => buttons.map((b) => (b as HTMLElement).dataset['customerId']));
    expect(offered).toEqual(expect.arrayContaining([DEMO.customer, DEMO.businessCustomer, DEMO.newCustomer]));
    await journey.shot('sign-in');

    await signInAs(DEMO.customer);
    await invoicesReady(1);
    expect(await page.textContent('#signed-in-as')).toBe('Ada Lovelace');
    expect(await page.textContent('#customer-line')).toBe('Ada Lovelace · ada@example.com');
    // The token is kept for this tab only.
    const stored = await page.evaluate(() => sessionStorage.getItem('billing-gateway:demo-session'));
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ customer: { id: DEMO.customer }, token: expect.any(String) });

    const all = expectedRows(DEMO.customer);
    expect(all.length).toBeGreaterThan(PAGE_SIZE); // enough to page
    expect(await shownRows()).toEqual(all.slice(0, PAGE_SIZE));
    // Statuses come as badges; amounts are right-aligned.
    const statuses = new Set((await shownRows()).map((r) => r.status));
    expect([...statuses].every((s) => ['Paid', 'Open', 'Void', 'Draft', 'Uncollectible'].includes(s))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1);
    const align = await page.$eval('#invoices tbody tr td.num', (cell) => getComputedStyle(cell).textAlign);
    expect(align).toBe('right');
    expect(await page.textContent('#balance .value')).toBeTruthy();
    expect(await page.isDisabled('#prev-page')).toBe(true);
    expect(await page.isEnabled('#next-page')).toBe(true);
    await journey.shot('invoices-page-1');
  }, JOURNEY_TIMEOUT_MS);

  it('pages forward and back through the invoices', async () => {
    const { page } = journey;
    const all = expectedRows(DEMO.customer);
    await page.click('#next-page');
    await invoicesReady(2);
    expect(await shownRows()).toEqual(all.slice(PAGE_SIZE, PAGE_SIZE * 2));
    expect(await page.textContent('#page-label')).toBe('Page 2');
    expect(await page.isEnabled('#prev-page')).toBe(true);
    expect(await page.isEnabled('#next-page')).toBe(all.length > PAGE_SIZE * 2);
    await journey.shot('invoices-page-2');

    await page.click('#prev-page');
    await invoicesReady(1);
    expect(await shownRows()).toEqual(all.slice(0, PAGE_SIZE));
    expect(await page.isDisabled('#prev-page')).toBe(true);
    await journey.shot('invoices-back-to-page-1');
  }, JOURNEY_TIMEOUT_MS);

  it('"Manage billing" opens the portal for this customer, and its return link comes back here, still signed in', async () => {
    const { page } = journey;
    const local = journey.app.localStripe!;
    local.clearRequests();
    await page.click('#manage-billing');
    await page.waitForURL((url) => url.href.startsWith(`${local.url}/p/session/`));
    await page.waitForSelector('#customer-name');

    // The portal shows the signed-in customer…
    expect(await page.textContent('#customer-name')).toBe('Ada Lovelace');
    expect(await page.textContent('#customer-email')).toBe('ada@example.com');
    // …its URL is the session the gateway opened for that customer, returning to the billing page…
    const secret = new URL(page.url()).pathname.split('/').pop()!;
    const session = local.store.sessions.get(secret)?.session;
    expect(session?.customer).toBe(DEMO.customer);
    expect(session?.return_url).toBe(journey.app.demoPageUrl);
    // …and that is what reached Stripe: one session create, for this customer, with this return URL.
    const creates = local.requests.filter((r) => r.method === 'POST' && r.path === '/v1/billing_portal/sessions');
    expect(creates).toHaveLength(1);
    expect(creates[0]?.params).toMatchObject({ customer: DEMO.customer, return_url: journey.app.demoPageUrl });
    await journey.shot('portal');

    await page.click('#return-link');
    await page.waitForURL(journey.app.demoPageUrl!);
    await invoicesReady(1);
    expect(await page.textContent('#signed-in-as')).toBe('Ada Lovelace');
    expect(await shownRows()).toEqual(expectedRows(DEMO.customer).slice(0, PAGE_SIZE));
    await journey.shot('returned-signed-in');

    // Nothing but the app and its local Stripe was ever asked for anything; nothing went wrong in the page.
    const hosts = new Set(journey.browser.requests.map((url) => new URL(url).origin));
    expect([...hosts].filter((origin) => origin !== journey.app.url && origin !== local.url)).toEqual([]);
    expect(journey.problems).toEqual([]);
    // Every GraphQL request named a trusted document by id; none sent a document's text.
    // (Beside them, the page's live subscriptions, opened again after each load: `test/e2e/live-updates.test.ts`.)
    const live = new Set(['BillingPageInvoiceUpdated', 'BillingPagePlanUpdated', 'BillingPageAccountUpdated']);
    expect(journey.graphqlBodies.map((body) => body['operationName']).filter((name) => !live.has(String(name)))).toEqual(['BillingPage', 'BillingPage', 'BillingPage', 'CreatePortalSession', 'BillingPage']);
    expect(journey.graphqlBodies.every((body) => typeof body['documentId'] === 'string' && !('query' in body))).toBe(true);
  }, JOURNEY_TIMEOUT_MS);

  it('shows a loading state while Stripe is slow, and an error with "Try again" while it is down', async () => {
    const { page } = journey;
    const local = journey.app.localStripe!;
    await page.click('#sign-out');
    try {
      // Slow: the first page shows placeholder rows until the invoices arrive.
      local.setFaults({ latencyMs: 1_500 });
      await signInAs(DEMO.businessCustomer);
      await page.waitForSelector('#invoices[data-state="loading"] tbody .skeleton');
      expect(await page.getAttribute('#invoices', 'aria-busy')).toBe('true');
      await journey.shot('loading');
      await invoicesReady(1);
      expect(await shownRows()).toEqual(expectedRows(DEMO.businessCustomer).slice(0, PAGE_SIZE));

      // Down: the next page cannot be loaded; the page says so and offers to try again.
      local.setFaults({ rules: [{ kind: 'server_error', status: 503, path: '/v1/invoices' }] });
      await page.click('#next-page');
      await page.waitForSelector('#invoices[data-state="error"] #invoices-alert .alert');
      expect(await page.textContent('#invoices-alert .alert strong')).toBe('Your invoices could not be loaded.');
      await journey.shot('error');

      local.setFaults(undefined);
      await page.click('#invoices-alert .alert button');
      await invoicesReady(2);
      expect(await shownRows()).toEqual(expectedRows(DEMO.businessCustomer).slice(PAGE_SIZE, PAGE_SIZE * 2));
    } finally {
      local.setFaults(undefined);
    }
  }, JOURNEY_TIMEOUT_MS);

  it('signs out, and shows the empty state for a customer with no invoices', async () => {
    const { page } = journey;
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in [data-customer-id]');
    expect(await page.evaluate(() => sessionStorage.getItem('billing-gateway:demo-session'))).toBeNull();
    expect(await page.isHidden('#account')).toBe(true);

    await signInAs(DEMO.newCustomer);
    await page.waitForSelector('#invoices[data-state="empty"]');
    expect(await page.textContent('#no-invoices h3')).toBe('No invoices yet');
    expect(await page.textContent('#signed-in-as')).toBe('Joan Clarke');
    await journey.shot('empty-state');
  }, JOURNEY_TIMEOUT_MS);

  it('shows other currencies as the gateway formats them', async () => {
    const { page } = journey;
    await page.click('#sign-out');
    const tanaka = [...journey.app.localStripe!.store.customers.newestFirst()].find((c) => c.email === 'keiri@tanaka.example')!;
    await signInAs(tanaka.id);
    await invoicesReady(1);
    const rows = await shownRows();
    expect(rows).toEqual(expectedRows(tanaka.id).slice(0, PAGE_SIZE));
    expect(rows.every((r) => r.amount.startsWith('¥'))).toBe(true);
    await journey.shot('yen-invoices');
  }, JOURNEY_TIMEOUT_MS);

  it('renders what it is sent as text: markup in a name stays text, and only http(s) URLs become links', async () => {
    const { page } = journey;
    const store = journey.app.localStripe!.store;
    const customer = [...store.customers.newestFirst()].find((c) => c.email === 'edsger@example.com')!;
    const invoice = [...store.invoices.newestFirst()].find((i) => i.customer === customer.id || (i.customer as { id?: string })?.id === customer.id)!;
    const name = '<img src=x onerror="window.__pwned=1">Edsger & <b>Co</b>';
    const originalName = customer.name;
    const originalUrl = invoice.hosted_invoice_url;
    customer.name = name;
    invoice.hosted_invoice_url = 'javascript:window.__pwned=2';
    try {
      await page.click('#sign-out');
      await signInAs(customer.id);
      await invoicesReady(1);
      expect(await page.textContent('#signed-in-as')).toBe(name);
      expect(await page.textContent('#contact .value')).toBe(name);
      expect(await page.$$('#app img, #account img, #app b')).toHaveLength(0);
      const row = page.locator(`tr[data-invoice-id="${invoice.id}"]`);
      expect(await row.locator('a.invoice-link').count()).toBe(0);
      expect(await row.locator('a.pdf-link').count()).toBe(1);
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      await journey.shot('escaped');
    } finally {
      customer.name = originalName;
      invoice.hosted_invoice_url = originalUrl;
    }
  }, JOURNEY_TIMEOUT_MS);

  it('sends the customer back to sign in, saying why, when the gateway no longer accepts the token', async () => {
    const { page } = journey;
    // A token the gateway refuses, as after the secret changed (e.g. a restart) or the token was revoked.
    await page.evaluate(() => {
      const key = 'billing-gateway:demo-session';
      const session = JSON.parse(sessionStorage.getItem(key) ?? '{}') as { token: string };
      sessionStorage.setItem(key, JSON.stringify({ ...session, token: `${session.token.slice(0, -4)}AAAA` }));
    });
    await page.reload();
    await page.waitForSelector('#sign-in .alert');
    expect(await page.textContent('#sign-in .alert')).toContain('Your session has ended');
    expect(await page.evaluate(() => sessionStorage.getItem('billing-gateway:demo-session'))).toBeNull();
    await journey.shot('session-ended');
  }, JOURNEY_TIMEOUT_MS);
});
