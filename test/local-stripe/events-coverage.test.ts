/**
 * The change journal misses nothing: each kind of state change (API requests, a hosted invoice page payment, a
 * portal page cancellation, clock advances) is made against a demo-seeded local Stripe, and a full rendering of the
 * store before and after (test-only cost) is compared with the events `/v1/events` then lists: every object that
 * changed has its event of the right type, whose `data.object` is the object as the API renders it now, whose
 * `previous_attributes` turn it back into what it was, and whose `request` names what caused it; nothing unchanged
 * has one.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderObject } from '../../src/local-stripe/expand.js';
import type { Store } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';
import { visitPortal } from '../support/portal-page.js';

type Json = Record<string, unknown>;

let h: Harness;
let stripe: Stripe;
const seen = new Set<string>();

beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
  stripe = h.stripe;
});
afterAll(() => h.local.stop());

/** Each watched collection, by the kind it renders as, and the prefix of its events. */
const KINDS: { kind: string; prefix: string; of: (store: Store) => Iterable<{ id: string }> }[] = [
  { kind: 'customer', prefix: 'customer', of: (s) => s.customers.newestFirst() },
  { kind: 'invoice', prefix: 'invoice', of: (s) => s.invoices.newestFirst() },
  { kind: 'invoiceitem', prefix: 'invoiceitem', of: (s) => s.invoiceItems.newestFirst() },
  { kind: 'subscription', prefix: 'customer.subscription', of: (s) => s.subscriptions.newestFirst() },
  { kind: 'payment_method', prefix: 'payment_method', of: (s) => s.paymentMethods.newestFirst() },
  { kind: 'price', prefix: 'price', of: (s) => s.prices.newestFirst() },
  { kind: 'product', prefix: 'product', of: (s) => s.products.newestFirst() },
  { kind: 'billing_portal.configuration', prefix: 'billing_portal.configuration', of: (s) => s.configurations.newestFirst() },
];

/** Events that tell of a fact no field shows. */
const NOTICES = new Set(['invoice.sent', 'customer.subscription.trial_will_end', 'billing_portal.session.created']);

interface Snapshot {
  objects: Map<string, string>;
  sessions: number;
}

/** Every object of the store as the API renders it (what a test may afford; the journal never does this). */
function snapshot(): Snapshot {
  const store = h.local.store;
  const objects = new Map<string, string>();
  for (const { kind, prefix, of } of KINDS) {
    for (const item of of(store)) {
      objects.set(`${prefix}|${item.id}`, JSON.stringify(renderObject(kind, item, { store, baseUrl: h.local.url })));
    }
  }
  return { objects, sessions: store.sessions.size };
}

/** The prefix of an event type's object kind (`customer.subscription.updated` → `customer.subscription`). */
function prefixOf(type: string): string {
  return KINDS.map((k) => k.prefix)
    .sort((a, b) => b.length - a.length)
    .find((p) => type.startsWith(`${p}.`)) ?? type.slice(0, type.lastIndexOf('.'));
}

/** The events listed since the last call, oldest first. */
async function newEvents(): Promise<Stripe.Event[]> {
  const all = await stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  const fresh = all.filter((e) => !seen.has(e.id)).reverse();
  for (const e of fresh) seen.add(e.id);
  return fresh;
}

function isPlain(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `after` with `previous` put back: what the object was, by Stripe's `previous_attributes`. */
function restore(after: Json, previous: Json, before: Json): Json {
  const out: Json = { ...after };
  for (const [key, old] of Object.entries(previous)) {
    if (old === null && !(key in before)) delete out[key];
    else if (isPlain(old) && isPlain(after[key]) && isPlain(before[key])) out[key] = restore(after[key] as Json, old, before[key] as Json);
    else out[key] = old;
  }
  return out;
}

/** The event type a change of this kind must have (beside `.updated`). */
function mainType(prefix: string, before: Json, after: Json): string {
  if (prefix === 'invoice' && before['status'] !== after['status']) {
    const byStatus: Record<string, string> = { open: 'finalized', paid: 'paid', void: 'voided', uncollectible: 'marked_uncollectible' };
    return `invoice.${byStatus[after['status'] as string] ?? 'updated'}`;
  }
  if (prefix === 'customer.subscription' && before['status'] !== after['status']) {
    if (['canceled', 'incomplete_expired'].includes(after['status'] as string)) return 'customer.subscription.deleted';
    if (after['status'] === 'paused') return 'customer.subscription.paused';
    if (before['status'] === 'paused') return 'customer.subscription.resumed';
  }
  if (prefix === 'payment_method' && before['customer'] !== after['customer']) {
    return after['customer'] === null ? 'payment_method.detached' : 'payment_method.attached';
  }
  return `${prefix}.updated`;
}

interface Expectation {
  /** Several units of work (clock advances): only the newest event of an object shows its final state. */
  many?: boolean;
  /** What every event's `request` must be. */
  request?: (request: Stripe.Event.Request | null) => void;
}

/** Runs `change`, then checks that the events since match what changed in the store; returns those events. */
async function covered(change: () => Promise<unknown>, expectation: Expectation = {}): Promise<Stripe.Event[]> {
  await newEvents();
  const before = snapshot();
  await change();
  const after = snapshot();
  const events = await newEvents();
  const byObject = new Map<string, Stripe.Event[]>();
  for (const event of events) {
    const key = `${prefixOf(event.type)}|${(event.data.object as { id: string }).id}`;
    byObject.set(key, [...(byObject.get(key) ?? []), event]);
    expectation.request?.(event.request);
  }
  const changed = new Set<string>();
  for (const key of new Set([...before.objects.keys(), ...after.objects.keys()])) {
    const [prefix] = key.split('|') as [string];
    const was = before.objects.get(key);
    const now = after.objects.get(key);
    const mine = (byObject.get(key) ?? []).filter((e) => !NOTICES.has(e.type));
    const types = mine.map((e) => e.type);
    if (was === now) {
      expect(types, `${key} did not change but has events`).toEqual([]);
      continue;
    }
    changed.add(key);
    if (prefix === 'invoiceitem' && was !== undefined && now !== undefined) {
      // No `invoiceitem.updated` exists in this API version; the invoice's own event shows the change.
      expect(types).toEqual([]);
      continue;
    }
    if (now === undefined) {
      expect(types, `${key} was removed`).toEqual([`${prefix}.deleted`]);
      expect(mine[0]?.data.object).toEqual(JSON.parse(was as string));
      continue;
    }
    const nowJson = JSON.parse(now) as Json;
    const last = mine[mine.length - 1];
    if (prefix === 'payment_method' && was === undefined && nowJson['customer'] === null) {
      expect(types, `${key}: Stripe reports a payment method when it is attached`).toEqual([]);
      continue;
    }
    expect(last, `${key} changed but has no event`).toBeDefined();
    expect(last?.data.object, `${key}: data.object is the object as the API renders it now`).toEqual(nowJson);
    if (was === undefined) {
      expect(types, `${key} was created`).toContain(prefix === 'payment_method' ? 'payment_method.attached' : `${prefix}.created`);
      continue;
    }
    const wasJson = JSON.parse(was) as Json;
    if (expectation.many) continue;
    expect(types, `${key}: ${JSON.stringify(wasJson['status'])} → ${JSON.stringify(nowJson['status'])}`).toContain(mainType(prefix, wasJson, nowJson));
    for (const event of mine) {
      expect(event.data.object).toEqual(nowJson);
      if (!event.type.endsWith('.updated')) {
        expect(event.data.previous_attributes, `${event.type} has no previous_attributes`).toBeUndefined();
        continue;
      }
      const previous = event.data.previous_attributes as Json;
      expect(Object.keys(previous).length, `${event.type} names what changed`).toBeGreaterThan(0);
      expect(restore(nowJson, previous, wasJson), `${event.type}: previous_attributes restore ${key}`).toEqual(wasJson);
    }
  }
  for (const [key, list] of byObject) {
    for (const event of list) {
      if (NOTICES.has(event.type)) continue;
      expect(changed.has(key), `${event.type} for ${key}, which did not change`).toBe(true);
    }
  }
  const sessions = events.filter((e) => e.type === 'billing_portal.session.created').length;
  expect(sessions, 'one billing_portal.session.created per new portal session').toBe(after.sessions - before.sessions);
  return events;
}

/** Expects every event to carry this API request's id and idempotency key. */
function fromRequest(response: { lastResponse: Stripe.Response<object>['lastResponse'] }, events: Stripe.Event[]): void {
  for (const event of events) {
    expect(event.request).toEqual({ id: response.lastResponse.requestId, idempotency_key: response.lastResponse.idempotencyKey ?? null });
  }
}

const types = (events: Stripe.Event[]) => events.map((e) => e.type);

describe('every API change has its events', () => {
  let customer: Stripe.Response<Stripe.Customer>;
  let product: Stripe.Product;
  let price: Stripe.Price;

  it('customers, products and prices', async () => {
    let events = await covered(async () => {
      customer = await stripe.customers.create({
        email: 'journal@example.com',
        payment_method: 'pm_card_visa',
        invoice_settings: { default_payment_method: 'pm_card_visa' },
      });
    });
    expect(types(events)).toEqual(['customer.created', 'payment_method.attached']);
    fromRequest(customer, events);
    events = await covered(() => stripe.customers.update(customer.id, { name: 'Journal Keeper', metadata: { tier: 'gold' } }));
    expect(types(events)).toEqual(['customer.updated']);
    expect(events[0]?.data.previous_attributes).toEqual({ name: null, metadata: { tier: null } });

    events = await covered(async () => {
      product = await stripe.products.create({ name: 'Ledger' });
      price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' } });
    });
    expect(types(events)).toEqual(['product.created', 'price.created']);
    events = await covered(() => stripe.prices.update(price.id, { metadata: { shelf: 'top' } }));
    expect(types(events)).toEqual(['price.updated']);
    events = await covered(() => stripe.products.update(product.id, { description: 'Every change, kept' }));
    expect(types(events)).toEqual(['product.updated']);
    const spare = await stripe.products.create({ name: 'Spare' });
    events = await covered(() => stripe.products.del(spare.id));
    expect(types(events)).toEqual(['product.deleted']);
  });

  it('subscriptions: created with their first invoice paid, updated, canceled', async () => {
    let subscription!: Stripe.Response<Stripe.Subscription>;
    let events = await covered(async () => {
      subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    });
    fromRequest(subscription, events);
    expect(types(events)).toEqual(
      expect.arrayContaining(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']),
    );
    // Creations first, then what happened to them, in Stripe's order.
    const order = types(events).filter((t) => t.startsWith('invoice.') || t === 'customer.subscription.created');
    expect(order).toEqual(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded']);

    events = await covered(() => stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }));
    expect(types(events)).toEqual(['customer.subscription.updated']);
    expect(events[0]?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    events = await covered(() => stripe.subscriptions.cancel(subscription.id));
    expect(types(events)).toContain('customer.subscription.deleted');
    expect(types(events)).not.toContain('customer.subscription.updated');
  });

  it('invoices through their lifecycle, and invoice items', async () => {
    const draft = async () => {
      const invoice = await stripe.invoices.create({ customer: customer.id });
      await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 2500, currency: 'usd', description: 'Audit' });
      return invoice;
    };
    let invoice!: Stripe.Invoice;
    let events = await covered(async () => {
      invoice = await stripe.invoices.create({ customer: customer.id });
    });
    expect(types(events)).toEqual(['invoice.created']);
    events = await covered(() => stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 2500, currency: 'usd' }));
    expect(types(events)).toEqual(['invoiceitem.created', 'invoice.updated']);
    events = await covered(() => stripe.invoices.finalizeInvoice(invoice.id));
    // The customer's `next_invoice_sequence` moves on: that is a change of the customer too.
    expect(types(events)).toEqual(['invoice.updated', 'invoice.finalized', 'customer.updated']);
    expect(events[0]?.data.previous_attributes).toMatchObject({ status: 'draft' });
    events = await covered(() => stripe.invoices.sendInvoice(invoice.id));
    expect(types(events)).toEqual(['invoice.sent']);
    events = await covered(() => stripe.invoices.pay(invoice.id));
    expect(types(events)).toEqual(['invoice.updated', 'invoice.paid', 'invoice.payment_succeeded']);

    const toVoid = await draft();
    await stripe.invoices.finalizeInvoice(toVoid.id);
    events = await covered(() => stripe.invoices.voidInvoice(toVoid.id));
    expect(types(events)).toEqual(['invoice.updated', 'invoice.voided']);
    const uncollectible = await draft();
    await stripe.invoices.finalizeInvoice(uncollectible.id);
    events = await covered(() => stripe.invoices.markUncollectible(uncollectible.id));
    expect(types(events)).toEqual(['invoice.updated', 'invoice.marked_uncollectible']);
    const doomed = await draft();
    events = await covered(() => stripe.invoices.del(doomed.id));
    expect(types(events)).toEqual(['invoice.deleted', 'invoiceitem.deleted']);
    const pending = await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd' });
    events = await covered(() => stripe.invoiceItems.del(pending.id));
    expect(types(events)).toEqual(['invoiceitem.deleted']);
  });

  it('a declined payment fails the request and still tells of the attempt', async () => {
    const debtor = await stripe.customers.create({
      payment_method: 'pm_card_chargeCustomerFail',
      invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' },
    });
    const invoice = await stripe.invoices.create({ customer: debtor.id });
    await stripe.invoiceItems.create({ customer: debtor.id, invoice: invoice.id, amount: 900, currency: 'usd' });
    await stripe.invoices.finalizeInvoice(invoice.id);
    const events = await covered(async () => {
      expect((await stripeError(stripe.invoices.pay(invoice.id))).code).toBe('card_declined');
    });
    expect(types(events)).toEqual(['invoice.updated', 'invoice.payment_failed']);
  });

  it('payment methods, portal configurations and sessions; the customer deleted', async () => {
    const card = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } } as Stripe.PaymentMethodCreateParams);
    let events = await covered(() => stripe.paymentMethods.attach(card.id, { customer: customer.id }));
    expect(types(events)).toEqual(['payment_method.attached']);
    events = await covered(() => stripe.paymentMethods.update(card.id, { metadata: { wallet: 'work' } }));
    expect(types(events)).toEqual(['payment_method.updated']);
    events = await covered(() => stripe.paymentMethods.detach(card.id));
    expect(types(events)).toEqual(['payment_method.detached']);

    let configuration!: Stripe.BillingPortal.Configuration;
    events = await covered(async () => {
      configuration = await stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } });
    });
    expect(types(events)).toEqual(['billing_portal.configuration.created']);
    events = await covered(() => stripe.billingPortal.configurations.update(configuration.id, { metadata: { team: 'billing' } }));
    expect(types(events)).toEqual(['billing_portal.configuration.updated']);
    events = await covered(() =>
      stripe.billingPortal.sessions.create({ customer: customer.id, configuration: configuration.id, return_url: 'https://app.example.com/' }),
    );
    expect(types(events)).toEqual(['billing_portal.session.created']);

    events = await covered(() => stripe.customers.del(customer.id));
    expect(types(events)).toEqual(['customer.deleted']);
    expect(events[0]?.data.object).toMatchObject({ id: customer.id, object: 'customer', email: 'journal@example.com' });
  });

  it('an idempotent replay makes no second set of events; a refused request none', async () => {
    const key = `journal-${Date.now()}`;
    const events = await covered(async () => {
      await stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: key });
      await stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: key });
    });
    expect(types(events)).toEqual(['customer.created']);
    expect(events[0]?.request?.idempotency_key).toBe(key);
    expect(await covered(() => stripeError(stripe.customers.update('cus_missing', { name: 'x' })))).toEqual([]);
  });
});

describe('hosted pages and the clock make their events too', () => {
  const pageRequest = (request: Stripe.Event.Request | null) => {
    expect(request?.id).toMatch(/^req_/);
    expect(request?.idempotency_key).toBeNull();
  };

  it('paying on the hosted invoice page', async () => {
    const payer = await stripe.customers.create({ payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const invoice = await stripe.invoices.create({ customer: payer.id });
    await stripe.invoiceItems.create({ customer: payer.id, invoice: invoice.id, amount: 4100, currency: 'usd' });
    const open = await stripe.invoices.finalizeInvoice(invoice.id);
    const url = new URL(open.hosted_invoice_url as string);
    const events = await covered(async () => {
      const response = await fetch(`${url.href}/pay`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: url.origin },
        body: new URLSearchParams({ secret: url.pathname.split('/')[2] as string }).toString(),
        redirect: 'manual',
      });
      expect(response.status).toBeLessThan(400);
    }, { request: pageRequest });
    expect(types(events)).toEqual(['invoice.updated', 'invoice.paid', 'invoice.payment_succeeded']);
  });

  it('canceling in the portal page', async () => {
    const price = (await stripe.prices.list({ type: 'recurring', active: true, limit: 1 })).data[0] as Stripe.Price;
    const configuration = await stripe.billingPortal.configurations.create({
      features: { subscription_cancel: { enabled: true, mode: 'at_period_end' } },
    });
    const subscriber = await stripe.customers.create({ email: 'leaving@example.com' });
    const subscription = await stripe.subscriptions.create({
      customer: subscriber.id,
      items: [{ price: price.id }],
      collection_method: 'send_invoice',
      days_until_due: 30,
    });
    const portal = await visitPortal(stripe, subscriber.id, configuration.id);
    await portal.open(`/subscriptions/${subscription.id}/cancel`);
    const events = await covered(() => portal.act(`/subscriptions/${subscription.id}/cancel`, {}, 'cancels_at_period_end'), {
      request: pageRequest,
    });
    expect(types(events)).toEqual(['customer.subscription.updated']);
    expect(events[0]?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
  });

  it('advancing the clock: renewals, finalization, payments, retries and cancellations at their own times', async () => {
    // Twice 20 days: `/v1/events` shows 30 days, like Stripe, so a longer step would hide its own first events.
    for (let i = 0; i < 2; i++) {
      const start = h.local.clock.now();
      const events = await covered(async () => h.local.clock.advance(20 * 24 * 60 * 60), {
        many: true,
        request: (request) => expect(request).toEqual({ id: null, idempotency_key: null }),
      });
      expect(types(events)).toEqual(expect.arrayContaining(['invoice.created', 'invoice.finalized', 'customer.subscription.updated']));
      const times = events.map((e) => e.created);
      expect(Math.min(...times)).toBeGreaterThan(start);
      expect(new Set(times).size, 'each step at its own time').toBeGreaterThan(1);
    }
  });

  it('tells of a trial ending three days ahead, once', async () => {
    const price = (await stripe.prices.list({ type: 'recurring', active: true, limit: 1 })).data[0] as Stripe.Price;
    const trialist = await stripe.customers.create({ email: 'trial@example.com' });
    const subscription = await stripe.subscriptions.create({ customer: trialist.id, items: [{ price: price.id }], trial_period_days: 7 });
    const day = 24 * 60 * 60;
    const early = await covered(async () => h.local.clock.advance(3 * day), { many: true });
    expect(early.filter((e) => e.type === 'customer.subscription.trial_will_end')).toEqual([]);
    const events = await covered(async () => h.local.clock.advance(day + 60), { many: true });
    const notice = events.filter((e) => e.type === 'customer.subscription.trial_will_end');
    expect(notice).toHaveLength(1);
    expect(notice[0]?.data.object).toMatchObject({ id: subscription.id, status: 'trialing' });
    expect(notice[0]?.created).toBe((subscription.trial_end as number) - 3 * day);
    const later = await covered(async () => h.local.clock.advance(day), { many: true });
    expect(later.filter((e) => e.type === 'customer.subscription.trial_will_end')).toEqual([]);
  });
});
