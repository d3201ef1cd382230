/**
 * GraphQL subscriptions over SSE, through a started app over real HTTP (production settings: trusted documents, so
 * customers subscribe with the typed client's persisted documents), with changes published on the app's event hub
 * as the webhook route publishes them. Who hears what; payloads re-read per event with their own loaders and call
 * count; deleted objects; `Last-Event-ID` replay; refusals before any Stripe call.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CustomerUpdatedDocument,
  InvoiceUpdatedDocument,
  SubscriptionUpdatedDocument,
  type InvoiceUpdatedSubscription,
} from '../../src/client/index.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { change, expectAllData, idsOf, listen, payloadsOf, readRaw, until, type Listener } from '../support/live.js';

let p: ProductionApp;
let stripe: Stripe;
/** One invoice of Ada (DEMO.customer) and one of Acme (DEMO.businessCustomer). */
let adaInvoice: string;
let adaInvoice2: string;
let acmeInvoice: string;

const invoicesOf = (customer: string) => [...p.stripe.store.invoices.newestFirst()].filter((i) => i.customer === customer).map((i) => i.id);
const open = (listener: Listener<unknown>) => until(() => listener.opens > 0 && p.app.events.stats().streams > 0, 'the stream to open');
const sseHeaders = (authorization?: string) => ({
  'content-type': 'application/json',
  accept: 'text/event-stream',
  ...(authorization !== undefined ? { authorization } : {}),
});

beforeAll(async () => {
  p = await startProductionApp();
  stripe = new Stripe(p.stripe.secretKey, { ...p.stripe.stripeConfig, maxNetworkRetries: 0 });
  [adaInvoice, adaInvoice2] = invoicesOf(DEMO.customer) as [string, string];
  [acmeInvoice] = invoicesOf(DEMO.businessCustomer) as [string];
});
afterAll(() => p?.stop());

describe('who hears what', () => {
  it("two customers each hear only their own invoices; an admin hears both, or one customer's with customerId", async () => {
    const ada = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer });
    const acme = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.businessCustomer });
    const admin = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, 'admin');
    const adminAcme = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, { customerId: DEMO.businessCustomer }, 'admin');
    try {
      await until(() => p.app.events.stats().streams >= 4, 'four streams to open');
      const forAda = change('invoice', adaInvoice, DEMO.customer);
      const forAcme = change('invoice', acmeInvoice, DEMO.businessCustomer);
      p.app.events.publish(forAda);
      p.app.events.publish(forAcme);
      await until(() => admin.events.length === 2 && ada.events.length === 1 && acme.events.length === 1 && adminAcme.events.length === 1, 'every payload');
      for (const l of [ada, acme, admin, adminAcme]) expectAllData(l.events);
      expect(ada.events.map((e) => e.data?.invoiceUpdated.id)).toEqual([adaInvoice]);
      expect(ada.events[0]!.data?.invoiceUpdated.customer?.id).toBe(DEMO.customer);
      expect(idsOf(ada.events)).toEqual([forAda.eventId]);
      expect(acme.events.map((e) => e.data?.invoiceUpdated.id)).toEqual([acmeInvoice]);
      expect(admin.events.map((e) => e.data?.invoiceUpdated.id)).toEqual([adaInvoice, acmeInvoice]);
      expect(adminAcme.events.map((e) => e.data?.invoiceUpdated.id)).toEqual([acmeInvoice]);
      // The payload is the invoice as the query reads it.
      const stored = p.stripe.store.invoices.get(adaInvoice)!;
      expect(ada.events[0]!.data?.invoiceUpdated).toMatchObject({ number: stored.number, total: { amount: stored.total } });
    } finally {
      await Promise.all([ada, acme, admin, adminAcme].map((l) => l.close()));
    }
  });

  it('a customer naming another customer is FORBIDDEN before anything, with no Stripe call; a bad id is BAD_USER_INPUT', async () => {
    const calls = p.stripe.requests.length;
    const other = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, { customerId: DEMO.businessCustomer }, { customer: DEMO.customer });
    await other.closed;
    expect(other.errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    const bad = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, { customerId: 'in_nope' }, 'admin');
    await bad.closed;
    expect(bad.errors.map((e) => e.code)).toEqual(['BAD_USER_INPUT']);
    expect(p.stripe.requests.length).toBe(calls);
    expect(p.app.events.stats().streams).toBe(0);
  });

  it('an anonymous subscription is refused with 401 before anything (and so is a bad token)', async () => {
    const calls = p.stripe.requests.length;
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const raw = await readRaw(p.app.graphqlUrl, {
        method: 'POST',
        headers: sseHeaders(authorization),
        body: JSON.stringify({ query: 'subscription { invoiceUpdated { id } }' }),
      });
      await raw.done;
      expect(raw.response.status).toBe(401);
      expect(payloadsOf(raw.text())[0]!.body['errors'][0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(p.stripe.requests.length).toBe(calls);
  });
});

describe('payloads', () => {
  it('re-reads the object for every event, in a fresh scope: the newest state each time, one Stripe call each', async () => {
    const ada = listen(p.app.graphqlUrl, CustomerUpdatedDocument, {}, { customer: DEMO.customer });
    try {
      await open(ada);
      for (const name of ['Ada A. Lovelace', 'Ada King']) {
        await stripe.customers.update(DEMO.customer, { name });
        const before = ada.events.length;
        p.app.events.publish(change('customer', DEMO.customer, DEMO.customer));
        await until(() => ada.events.length === before + 1, `the payload after renaming to ${name}`);
        expect(ada.events.at(-1)!.data?.customerUpdated.name).toBe(name);
      }
      expectAllData(ada.events);
      // Per event: the customer (its card expanded in the same call) and its upcoming invoice — never the first
      // event's loaders' copy.
      for (const event of ada.events) expect((event.extensions?.['stripe'] as { calls: number }).calls).toBe(2);
    } finally {
      await ada.close();
    }
  });

  it('a subscription change arrives as the subscription, with its items and product', async () => {
    const ada = listen(p.app.graphqlUrl, SubscriptionUpdatedDocument, {}, { customer: DEMO.customer });
    try {
      await open(ada);
      p.app.events.publish(change('subscription', DEMO.subscription, DEMO.customer));
      // Another customer's subscription is not heard.
      p.app.events.publish(change('subscription', DEMO.businessSubscription, DEMO.businessCustomer));
      await until(() => ada.events.length === 1, 'the payload');
      expectAllData(ada.events);
      const sub = ada.events[0]!.data!.subscriptionUpdated;
      expect(sub).toMatchObject({ id: DEMO.subscription, status: 'ACTIVE', customer: { id: DEMO.customer } });
      expect(sub.items[0]?.price.product.name).toBeTruthy();
    } finally {
      await ada.close();
    }
  });

  it('a deleted object arrives as NOT_FOUND with extensions.deleted, and the stream goes on', async () => {
    const admin = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, 'admin');
    try {
      await open(admin);
      p.app.events.publish(change('invoice', 'in_deletedDraft0001', DEMO.customer, { type: 'invoice.deleted', deleted: true }));
      p.app.events.publish(change('invoice', adaInvoice, DEMO.customer));
      await until(() => admin.events.length === 2, 'both payloads');
      expect(admin.events[0]!.data).toBeNull();
      expect(admin.events[0]!.errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', id: 'in_deletedDraft0001', deleted: true } });
      expect(admin.events[1]!.data?.invoiceUpdated.id).toBe(adaInvoice);
    } finally {
      await admin.close();
    }
  });
});

describe('Last-Event-ID', () => {
  it('a reconnect misses nothing retained and repeats nothing', async () => {
    const first = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer });
    const seen = change('invoice', adaInvoice, DEMO.customer);
    await open(first);
    p.app.events.publish(seen);
    await until(() => first.events.length === 1, 'the first payload');
    await first.close();
    expect(first.lastEventId()).toBe(seen.eventId);
    await until(() => p.app.events.stats().streams === 0, 'the stream to close');

    // While away: two of Ada's, one of Acme's.
    const missed = [change('invoice', adaInvoice2, DEMO.customer), change('invoice', acmeInvoice, DEMO.businessCustomer), change('invoice', adaInvoice, DEMO.customer)];
    for (const c of missed) p.app.events.publish(c);

    const again = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer }, { lastEventId: first.lastEventId() });
    try {
      await until(() => again.events.length === 2, 'the replay');
      const live = change('invoice', adaInvoice2, DEMO.customer);
      p.app.events.publish(live);
      await until(() => again.events.length === 3, 'the live payload after the replay');
      expectAllData(again.events);
      expect(idsOf(again.events)).toEqual([missed[0]!.eventId, missed[2]!.eventId, live.eventId]);
      expect(again.resyncs).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('over GET, `lastEventId` in the query string resumes too; right after opening, `id:` says where a reconnect would resume', async () => {
    const before = change('invoice', adaInvoice, DEMO.customer);
    const after = change('invoice', adaInvoice2, DEMO.customer);
    p.app.events.publish(before);
    p.app.events.publish(after);
    const query = new URLSearchParams({ query: 'subscription { invoiceUpdated { id } }', lastEventId: before.eventId });
    const raw = await readRaw(`${p.app.graphqlUrl}?${query}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${ADMIN_KEY}`, 'x-graphql-csrf': '1' } });
    try {
      await until(() => payloadsOf(raw.text()).length === 1, 'the replayed payload');
      expect(payloadsOf(raw.text()).map((x) => [x.id, x.body['data'].invoiceUpdated.id])).toEqual([[after.eventId, adaInvoice2]]);
    } finally {
      raw.stop();
    }
    // Nothing to replay: the stream opens with the latest id the gateway accepted.
    const fresh = await readRaw(p.app.graphqlUrl, { method: 'POST', headers: sseHeaders(`Bearer ${ADMIN_KEY}`), body: JSON.stringify({ query: 'subscription { invoiceUpdated { id } }' }) });
    try {
      await until(() => fresh.text().includes(`id: ${after.eventId}\n\n`), 'the resume id');
    } finally {
      fresh.stop();
    }
  });

  it('an id no longer retained is NOT_FOUND (replayUnavailable): the client resyncs and subscribes afresh', async () => {
    const raw = await readRaw(p.app.graphqlUrl, {
      method: 'POST',
      headers: { ...sseHeaders(`Bearer ${ADMIN_KEY}`), 'last-event-id': 'evt_longGone' },
      body: JSON.stringify({ query: 'subscription { invoiceUpdated { id } }' }),
    });
    await raw.done;
    expect(payloadsOf(raw.text())[0]!.body['errors'][0].extensions).toMatchObject({ code: 'NOT_FOUND', reason: 'replayUnavailable' });

    const client: Listener<InvoiceUpdatedSubscription> = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer }, { lastEventId: 'evt_longGone' });
    try {
      await until(() => client.resyncs === 1 && p.app.events.stats().streams === 1, 'the resync and the fresh stream');
      p.app.events.publish(change('invoice', adaInvoice, DEMO.customer));
      await until(() => client.events.length === 1, 'a payload on the fresh stream');
      expect(client.errors).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
