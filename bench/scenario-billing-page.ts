/**
 * The billing page scenario (issue 11): a customer with its card, its subscriptions' prices and products, when they
 * renew, and its next invoice — what every SaaS billing page shows first. Its own module so that `scenarios.ts`
 * stays small; `SCENARIOS` lists it.
 */
import type Stripe from 'stripe';
import { formatMoney } from '../src/stripe-facts/money.js';
import type { Scenario } from './scenarios.js';

const money = (amount: number, currency: string) => ({ formatted: formatMoney(amount, currency) });
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const BRANDS = new Set(['amex', 'diners', 'discover', 'eftpos_au', 'jcb', 'link', 'mastercard', 'unionpay', 'visa']);

/** The subscription's current period: that of the item that renews first (periods live on items). */
const renewal = (sub: Stripe.Subscription) => Math.min(...sub.items.data.map((item) => item.current_period_end));

export const BILLING_PAGE: Scenario = {
  name: 'billing page: customer + card + subscriptions (price, product) + next invoice',
  kind: 'nested',
  operationName: 'BillingPageBench',
  query: `query BillingPageBench($id: ID!) {
  customer(id: $id) { id name
    defaultPaymentMethod { card { brand last4 expMonth expYear } }
    subscriptions(first: 5) { edges { node { id status cancelAtPeriodEnd currentPeriodEnd
      items { quantity price { id unitAmount { formatted } recurring { interval } product { id name } } } } } }
    upcomingInvoice { amountDue { formatted } nextPaymentAttempt } } }`,
  variables: (ids) => ({ id: ids.subscriber }),
  minStripeCalls: 4,
  minWaves: () => 2,
  reasoning:
    'the customer (its default card expanded in the same retrieve), its subscriptions (a list filtered by customer) and ' +
    'the preview of its next invoice need only the id: one wave of 3. The items embed their prices, but a list cannot ' +
    'expand data.items.data.price.product (5 levels, over Stripe’s 4): every product of the page in one products.list({ ids }).',
  calls: (ids) => [
    `GET /v1/customers/${ids.subscriber} expand=invoice_settings.default_payment_method`,
    `GET /v1/subscriptions?limit=5&customer=${ids.subscriber}`,
    `POST /v1/invoices/create_preview?customer=${ids.subscriber}`,
    `GET /v1/products?limit=${ids.subscriberProducts}`,
  ],
  async baseline({ stripe, call }, variables) {
    const id = String(variables['id']);
    const [customer, subscriptions, preview] = await Promise.all([
      call(() => stripe.customers.retrieve(id, { expand: ['invoice_settings.default_payment_method'] })),
      call(() => stripe.subscriptions.list({ customer: id, limit: 5 })),
      call(() => stripe.invoices.createPreview({ customer: id })).catch((error: { code?: string }) => {
        if (error.code === 'invoice_upcoming_none') return null;
        throw error;
      }),
    ]);
    if (customer.deleted) throw new Error(`customer ${id} is deleted`);
    const productIds = [...new Set(subscriptions.data.flatMap((s) => s.items.data.map((i) => i.price.product as string)))];
    // No subscriptions, no products to name: no call (as the gateway).
    const products = new Map(
      productIds.length === 0
        ? []
        : (await call(() => stripe.products.list({ ids: productIds, limit: productIds.length }))).data.map((p) => [p.id, p]),
    );
    const pm = customer.invoice_settings.default_payment_method as Stripe.PaymentMethod | null;
    return {
      customer: {
        id: customer.id,
        name: customer.name ?? null,
        defaultPaymentMethod:
          pm === null
            ? null
            : {
                card:
                  pm.card === undefined
                    ? null
                    : {
                        brand: BRANDS.has(pm.card.brand) ? pm.card.brand.toUpperCase() : 'UNKNOWN',
                        last4: pm.card.last4,
                        expMonth: pm.card.exp_month,
                        expYear: pm.card.exp_year,
                      },
              },
        subscriptions: {
          edges: subscriptions.data.map((sub) => ({
            node: {
              id: sub.id,
              status: sub.status.toUpperCase(),
              cancelAtPeriodEnd: sub.cancel_at_period_end,
              currentPeriodEnd: sub.items.data.length > 0 ? iso(renewal(sub)) : null,
              items: sub.items.data.map((item) => ({
                quantity: item.quantity ?? null,
                price: {
                  id: item.price.id,
                  unitAmount: item.price.unit_amount === null ? null : money(item.price.unit_amount, item.price.currency),
                  recurring: item.price.recurring === null ? null : { interval: item.price.recurring.interval.toUpperCase() },
                  product: { id: item.price.product as string, name: products.get(item.price.product as string)!.name },
                },
              })),
            },
          })),
        },
        upcomingInvoice:
          preview === null
            ? null
            : {
                amountDue: money(preview.amount_due, preview.currency),
                nextPaymentAttempt: preview.next_payment_attempt === null ? null : iso(preview.next_payment_attempt),
              },
      },
    };
  },
};
