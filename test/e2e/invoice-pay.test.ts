/**
 * The hosted invoice page's Pay button in a real browser (Debian's Chromium): the form posts from the page itself,
 * so this is what proves the page's own posts pass its origin check (under `Referrer-Policy: no-referrer` a browser
 * sends `Origin: null` and every Pay was refused — a request-level test that sets Origin by hand cannot see that).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/local-stripe.js';
import { JOURNEY_TIMEOUT_MS, openBrowser, screenshots, SETUP_TIMEOUT_MS, type BrowserSession } from './browser.js';

let h: Harness;
let browser: BrowserSession;

beforeAll(async () => {
  h = await startHarness();
  browser = await openBrowser();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await h?.local.stop();
});

it(
  'pays an open invoice with the default card from the hosted page',
  async () => {
    const shot = screenshots(() => browser.page, 'invoice-pay');
    const customer = await h.stripe.customers.create({
      email: 'payer@example.com',
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const draft = await h.stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 });
    await h.stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 2_500, currency: 'usd', description: 'Workshop' });
    const open = await h.stripe.invoices.finalizeInvoice(draft.id);
    expect(open.status).toBe('open');

    await browser.page.goto(open.hosted_invoice_url!);
    expect(await browser.page.textContent('#card')).toBe('Visa •••• 4242');
    await shot('open');
    await Promise.all([browser.page.waitForNavigation(), browser.page.click('#pay-button')]);
    await shot('paid');

    const paid = await h.stripe.invoices.retrieve(open.id);
    expect(paid.status, `the page says: ${(await browser.page.textContent('main'))?.slice(0, 300)}`).toBe('paid');
    expect(paid.amount_paid).toBe(2_500);
  },
  JOURNEY_TIMEOUT_MS,
);
