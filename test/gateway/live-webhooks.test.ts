/**
 * End to end: a change made through the Stripe SDK on the local Stripe becomes Stripe events, delivered signed to
 * the gateway's `/webhooks/stripe` (forwarded like `stripe listen --forward-to`, with duplicate deliveries on
 * purpose), verified and published to the hub, and heard by the customer's subscription — with the object as it is
 * now, each event id at most once, and nothing for another customer's subscriber.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvoiceUpdatedDocument } from '../../src/client/index.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { expectAllData, idsOf, listen, until } from '../support/live.js';
import { SECRET_A } from '../support/webhooks.js';

let p: ProductionApp;
let stripe: Stripe;

beforeAll(async () => {
  p = await startProductionApp({ STRIPE_WEBHOOK_SECRET: SECRET_A });
  p.stripe.forwardWebhooks({ url: p.app.webhooks.url, secret: SECRET_A });
  // Every event delivered twice: the gateway de-duplicates, and the hub would not publish an id twice anyway.
  p.stripe.webhooks.setFaults({ duplicate: { probability: 1, count: 1 } });
  stripe = new Stripe(p.stripe.secretKey, { ...p.stripe.stripeConfig, maxNetworkRetries: 0 });
});
afterAll(() => p?.stop());

describe('a webhook delivery reaches the subscriber', () => {
  it('an invoice paid through the SDK arrives PAID on its customer’s stream, once per event, and not on another’s', async () => {
    const open = [...p.stripe.store.invoices.newestFirst()].find((i) => i.status === 'open' && i.customer === DEMO.businessCustomer)!;
    const acme = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.businessCustomer });
    const ada = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer });
    try {
      await until(() => p.app.events.stats().streams === 2, 'both streams to open');
      const paid = await stripe.invoices.pay(open.id);
      expect(paid.status).toBe('paid');
      await until(() => acme.events.some((e) => e.data?.invoiceUpdated.status === 'PAID'), 'the paid invoice on the stream');
      // The duplicate deliveries came, and were answered as such.
      await until(() => p.app.webhooks.stats().duplicate > 0 && p.stripe.webhooks.attempts.some((a) => a.duplicate), 'a duplicate delivery');
      expectAllData(acme.events);
      expect(acme.events.every((e) => e.data?.invoiceUpdated.id === open.id)).toBe(true);
      expect(new Set(idsOf(acme.events)).size).toBe(acme.events.length);
      for (const id of idsOf(acme.events)) expect(id).toMatch(/^evt_/);
      expect(ada.events).toEqual([]);
    } finally {
      await Promise.all([acme.close(), ada.close()]);
    }
  });
});
