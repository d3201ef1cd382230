/**
 * `changesOf(event)`: a verified event as the objects it changed. The events wrap objects as the local Stripe's API
 * renders them (made and read through the real SDK over HTTP), recorded in its event log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { changesOf } from '../../src/events/changes.js';
import { DEMO, DEMO_CATALOG } from '../../src/local-stripe/index.js';
import type { NewEvent } from '../../src/local-stripe/events/event-log.js';
import { startHarness, type Harness } from '../support/local-stripe.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
});
afterAll(async () => {
  await h.local.stop();
});

const eventOf = (input: NewEvent): Stripe.Event => h.local.store.events.append(input);

describe('changesOf', () => {
  it('keeps the event\'s identity: id, type, created, account, livemode', async () => {
    const customer = await h.stripe.customers.retrieve(DEMO.customer);
    const event = eventOf({ type: 'customer.updated', object: customer, previousAttributes: { name: 'Ada King' } });
    expect(changesOf(event)).toEqual({
      eventId: event.id,
      type: 'customer.updated',
      created: event.created,
      account: null,
      livemode: false,
      changes: [{ kind: 'customer', id: DEMO.customer, customerId: DEMO.customer, deleted: false }],
    });
    const connected = eventOf({ type: 'customer.updated', object: customer, account: 'acct_1ConnectedAccount0' });
    expect(changesOf(connected).account).toBe('acct_1ConnectedAccount0');
  });

  it('a deleted customer or invoice is deleted; an ended subscription is not (it stays readable, canceled)', async () => {
    const customer = await h.stripe.customers.create({ email: 'gone@example.com' });
    await h.stripe.customers.del(customer.id);
    expect(changesOf(eventOf({ type: 'customer.deleted', object: customer })).changes).toEqual([
      { kind: 'customer', id: customer.id, customerId: customer.id, deleted: true },
    ]);
    const draft = await h.stripe.invoices.create({ customer: DEMO.customer, auto_advance: false });
    await h.stripe.invoices.del(draft.id);
    expect(changesOf(eventOf({ type: 'invoice.deleted', object: draft })).changes).toEqual([
      { kind: 'invoice', id: draft.id, customerId: DEMO.customer, deleted: true },
    ]);
    const subscription = await h.stripe.subscriptions.cancel(DEMO.businessSubscription);
    expect(changesOf(eventOf({ type: 'customer.subscription.deleted', object: subscription })).changes).toEqual([
      { kind: 'subscription', id: DEMO.businessSubscription, customerId: DEMO.businessCustomer, deleted: false },
    ]);
  });

  it('reads the customer of an invoice whether its customer field is an id or expanded', async () => {
    const [invoice] = (await h.stripe.invoices.list({ customer: DEMO.customer, limit: 1, expand: ['data.customer'] })).data;
    expect(typeof invoice!.customer).toBe('object');
    expect(changesOf(eventOf({ type: 'invoice.paid', object: invoice! })).changes).toEqual([
      { kind: 'invoice', id: invoice!.id, customerId: DEMO.customer, deleted: false },
    ]);
  });

  it('an invoice item names the invoice it is on too (that invoice\'s lines changed)', async () => {
    const draft = await h.stripe.invoices.create({ customer: DEMO.newCustomer, auto_advance: false });
    const item = await h.stripe.invoiceItems.create({ customer: DEMO.newCustomer, invoice: draft.id, amount: 500, currency: 'usd' });
    expect(changesOf(eventOf({ type: 'invoiceitem.created', object: item })).changes).toEqual([
      { kind: 'invoiceitem', id: item.id, customerId: DEMO.newCustomer, deleted: false },
      { kind: 'invoice', id: draft.id, customerId: DEMO.newCustomer, deleted: false },
    ]);
  });

  it('a detached payment method belongs to the customer it was detached from (previous_attributes)', async () => {
    const pm = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    await h.stripe.paymentMethods.attach(pm.id, { customer: DEMO.newCustomer });
    const detached = await h.stripe.paymentMethods.detach(pm.id);
    expect(detached.customer).toBeNull();
    const event = eventOf({ type: 'payment_method.detached', object: detached, previousAttributes: { customer: DEMO.newCustomer } });
    expect(changesOf(event).changes).toEqual([{ kind: 'payment_method', id: pm.id, customerId: DEMO.newCustomer, deleted: false }]);
  });

  it('catalog objects and portal configurations belong to no customer; a portal session to its customer', async () => {
    const product = await h.stripe.products.update(DEMO_CATALOG.products.pro, { name: 'Pro (renamed)' });
    expect(changesOf(eventOf({ type: 'product.updated', object: product })).changes).toEqual([
      { kind: 'product', id: product.id, customerId: null, deleted: false },
    ]);
    const configuration = await h.stripe.billingPortal.configurations.retrieve(DEMO.defaultConfiguration);
    expect(changesOf(eventOf({ type: 'billing_portal.configuration.updated', object: configuration })).changes).toEqual([
      { kind: 'billing_portal.configuration', id: DEMO.defaultConfiguration, customerId: null, deleted: false },
    ]);
    const session = await h.stripe.billingPortal.sessions.create({ customer: DEMO.customer, return_url: 'https://app.example.com/' });
    expect(changesOf(eventOf({ type: 'billing_portal.session.created', object: session })).changes).toEqual([
      { kind: 'billing_portal.session', id: session.id, customerId: DEMO.customer, deleted: false },
    ]);
  });

  it('an event about an object the gateway does not show changes nothing', () => {
    const charge = { id: 'ch_3MmlLrLkdIwHu7ix0snN0B15', object: 'charge', amount: 1099, customer: DEMO.customer };
    expect(changesOf(eventOf({ type: 'charge.succeeded', object: charge })).changes).toEqual([]);
  });
});

