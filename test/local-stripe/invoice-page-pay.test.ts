/**
 * The hosted invoice page's Pay button over real HTTP: the page shows the default card and a POST form; posting it
 * pays the invoice through `POST /v1/invoices/:id/pay` (seen through the SDK afterwards); a decline is shown on the
 * page in Stripe's words and the invoice stays open; no card says so; cross-site posts and stale forms are refused.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payForm } from '../support/invoice-page.js';
import { startHarness, type Harness } from '../support/local-stripe.js';

let h: Harness;
let stripe: Stripe;

beforeAll(async () => {
  h = await startHarness();
  stripe = h.stripe;
});
afterAll(() => h.local.stop());

async function openInvoiceFor(magic: string | undefined): Promise<Stripe.Invoice> {
  const customer = await stripe.customers.create({
    name: 'Page Payer',
    ...(magic !== undefined ? { payment_method: magic, invoice_settings: { default_payment_method: magic } } : {}),
  });
  const invoice = await stripe.invoices.create({ customer: customer.id });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 3100, description: 'Hosting' });
  return stripe.invoices.finalizeInvoice(invoice.id);
}

function pageUrl(invoice: Stripe.Invoice): string {
  if (!invoice.hosted_invoice_url) throw new Error(`invoice ${invoice.id} has no hosted page`);
  return invoice.hosted_invoice_url;
}

async function submit(action: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(action, h.local.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

describe('the hosted invoice page’s Pay button', () => {
  it('shows the default card and pays the invoice with it', async () => {
    const invoice = await openInvoiceFor('pm_card_mastercard');
    const page = await fetch(pageUrl(invoice));
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    const body = await page.text();
    expect(body).toContain('Mastercard •••• 4444');
    const { action, fields } = payForm(body);
    expect(action).toMatch(/^\/i\/test_[A-Za-z0-9]+\/pay$/);

    const response = await submit(action, fields, { Origin: h.local.url });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(new URL(pageUrl(invoice)).pathname);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_paid: 3100, attempt_count: 1 });

    const after = await (await fetch(pageUrl(invoice))).text();
    expect(after).toContain('Paid');
    expect(after).not.toContain('<form method="post"');
  });

  it('shows a decline in Stripe’s words and leaves the invoice open', async () => {
    const invoice = await openInvoiceFor('pm_card_chargeCustomerFail');
    const { action, fields } = payForm(await (await fetch(pageUrl(invoice))).text());
    const response = await submit(action, fields);
    expect(response.status).toBe(402);
    const body = await response.text();
    expect(body).toContain('<p id="pay-error" class="alert" role="alert">Your card was declined.</p>');
    expect(body).toContain('Visa •••• 0341');
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open', attempted: true, attempt_count: 1 });
  });

  it('says so when there is no card to pay with', async () => {
    const invoice = await openInvoiceFor(undefined);
    const body = await (await fetch(pageUrl(invoice))).text();
    expect(body).toContain('There is no card on file to pay this invoice with.');
    expect(body).not.toContain('<form method="post"');
  });

  it('refuses cross-site posts, stale forms and other methods, paying nothing', async () => {
    const invoice = await openInvoiceFor('pm_card_visa');
    const { action, fields } = payForm(await (await fetch(pageUrl(invoice))).text());
    const crossSite = await submit(action, fields, { Origin: 'https://attacker.example' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain('sent from another site');
    const stale = await submit(action, { secret: 'test_other' });
    expect(stale.status).toBe(400);
    expect((await fetch(new URL(action, h.local.url))).status).toBe(405);
    expect((await submit('/i/test_unknown/pay', { secret: 'test_unknown' })).status).toBe(404);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open', attempt_count: 0 });
  });
});
