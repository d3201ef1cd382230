/**
 * The bench's data, added to the local Stripe's demo seed through the SDK: 30 more customers with 5 invoices each
 * (so `customers(first: 50)` finds 50 customers with invoices; one currency per customer, as Stripe requires), and an invoice with 25 lines (more than the 10 Stripe
 * embeds). Returns the ids the scenarios need.
 */
import { DEMO } from '../src/local-stripe/seed.js';
import { createStripeClient } from '../src/stripe/client.js';
import type { BenchIds } from './scenarios.js';

export async function createFixture(stripeUrl: string, secretKey: string): Promise<BenchIds> {
  const stripe = createStripeClient({ secretKey, apiBase: new URL(stripeUrl), maxNetworkRetries: 0 });
  const currencies = ['usd', 'eur', 'gbp', 'jpy'] as const;
  let customer = '';
  for (let c = 0; c < 30; c++) {
    const created = await stripe.customers.create({ name: `Bench Customer ${c + 1}`, email: `bench${c + 1}@example.com` });
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const currency = currencies[c % currencies.length]!;
        const invoice = await stripe.invoices.create({ customer: created.id, currency, auto_advance: false });
        await stripe.invoiceItems.create({ customer: created.id, invoice: invoice.id, amount: 1000 + 137 * i + c, currency });
        if (i % 2 === 0) await stripe.invoices.finalizeInvoice(invoice.id);
      }),
    );
    customer = created.id;
  }
  const long = await stripe.customers.create({ name: 'Bench Lines Ltd' });
  const longInvoice = await stripe.invoices.create({ customer: long.id, currency: 'usd', auto_advance: false });
  for (let i = 1; i <= 25; i++) {
    await stripe.invoiceItems.create({ customer: long.id, invoice: longInvoice.id, amount: 100 * i, currency: 'usd', description: `Line ${i}` });
  }
  const newest = await stripe.invoices.list({ limit: 100 });
  const deepCursor = newest.data.at(-1)?.id;
  if (deepCursor === undefined || newest.data.length < 100) throw new Error('bench fixture: fewer than 100 invoices');
  // The demo seed's subscriber: a card, a plan, a next invoice.
  const subscriptions = await stripe.subscriptions.list({ customer: DEMO.customer, limit: 5 });
  const products = new Set(subscriptions.data.flatMap((s) => s.items.data.map((i) => i.price.product as string)));
  return { customer, longInvoice: longInvoice.id, deepCursor, subscriber: DEMO.customer, subscriberProducts: products.size };
}
