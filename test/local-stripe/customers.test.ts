/**
 * Customers through the real SDK: create, retrieve, update, delete, list filters and search.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.local.stop());

describe('customers', () => {
  it('creates a customer with Stripe’s shape and defaults', async () => {
    const customer = await h.stripe.customers.create({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: '+441234567',
      balance: -500,
      address: { line1: '12 St James’s Square', city: 'London', country: 'GB' },
      preferred_locales: ['en-GB'],
      invoice_settings: { footer: 'Thanks!', custom_fields: [{ name: 'PO', value: '42' }] },
      shipping: { name: 'Ada', address: { line1: '1 Dock Rd', country: 'GB' } },
      metadata: { plan: 'analytical' },
    });
    expectTypeOf(customer).toMatchTypeOf<Stripe.Customer>();
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(customer).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      balance: -500,
      livemode: false,
      delinquent: false,
      tax_exempt: 'none',
      next_invoice_sequence: 1,
      address: { line1: '12 St James’s Square', line2: null, city: 'London', country: 'GB', postal_code: null, state: null },
      invoice_settings: { footer: 'Thanks!', custom_fields: [{ name: 'PO', value: '42' }], default_payment_method: null },
      shipping: { name: 'Ada', address: { line1: '1 Dock Rd', country: 'GB' }, phone: null },
      metadata: { plan: 'analytical' },
    });
    expect(customer.invoice_prefix).toMatch(/^[0-9A-F]{8}$/);
    expect(Math.abs(customer.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it('validates email addresses and invoice prefixes', async () => {
    const email = await stripeError(h.stripe.customers.create({ email: 'not an email' }));
    expect([email.statusCode, email.param, email.code]).toEqual([400, 'email', 'email_invalid']);
    const prefix = await stripeError(h.stripe.customers.create({ invoice_prefix: 'lower' }));
    expect(prefix.param).toBe('invoice_prefix');
  });

  it('updates fields and unsets them with empty strings', async () => {
    const customer = await h.stripe.customers.create({ name: 'Before', phone: '+100', address: { city: 'Paris' } });
    const updated = await h.stripe.customers.update(customer.id, {
      name: 'After',
      phone: '',
      address: { line1: '1 Rue' },
      tax_exempt: 'exempt',
    });
    expect(updated).toMatchObject({ name: 'After', phone: null, tax_exempt: 'exempt' });
    expect(updated.address).toMatchObject({ city: 'Paris', line1: '1 Rue' });
    const cleared = await h.stripe.customers.update(customer.id, { address: '' });
    expect(cleared.address).toBeNull();
  });

  it('deletes a customer: retrieve answers the deleted stub, everything else 404s', async () => {
    const customer = await h.stripe.customers.create({ email: 'gone@example.com' });
    const deleted = await h.stripe.customers.del(customer.id);
    expectTypeOf(deleted).toMatchTypeOf<Stripe.DeletedCustomer>();
    expect(deleted).toMatchObject({ id: customer.id, object: 'customer', deleted: true });
    const retrieved = await h.stripe.customers.retrieve(customer.id);
    expect(retrieved.deleted).toBe(true);
    expect(Object.keys(retrieved).filter((k) => k !== 'lastResponse').sort()).toEqual(['deleted', 'id', 'object']);
    expect((await stripeError(h.stripe.customers.update(customer.id, { name: 'x' }))).code).toBe('resource_missing');
    expect((await stripeError(h.stripe.customers.del(customer.id))).statusCode).toBe(404);
    expect((await h.stripe.customers.list({ email: 'gone@example.com' })).data).toEqual([]);
  });

  it('filters lists by exact, case-sensitive email', async () => {
    await h.stripe.customers.create({ email: 'Case@Example.com' });
    expect((await h.stripe.customers.list({ email: 'Case@Example.com' })).data).toHaveLength(1);
    expect((await h.stripe.customers.list({ email: 'case@example.com' })).data).toHaveLength(0);
  });
});

describe('customer search', () => {
  beforeAll(async () => {
    await h.stripe.customers.create({ email: 'grace@navy.mil', name: 'Grace Hopper', metadata: { team: 'cobol' } });
    await h.stripe.customers.create({ email: 'alan@bletchley.uk', name: 'Alan Turing', metadata: { team: 'enigma' } });
    await h.stripe.customers.create({ email: 'joan@bletchley.uk', name: 'Joan Clarke', metadata: { team: 'enigma' } });
  });

  const names = (result: Stripe.ApiSearchResult<Stripe.Customer>) => result.data.map((c) => c.name);

  it('matches exact values (case-insensitive), substrings, metadata and negations', async () => {
    expect(names(await h.stripe.customers.search({ query: "email:'GRACE@navy.mil'" }))).toEqual(['Grace Hopper']);
    expect(names(await h.stripe.customers.search({ query: "email~'bletchley'" }))).toEqual(['Joan Clarke', 'Alan Turing']);
    expect(names(await h.stripe.customers.search({ query: "metadata['team']:'enigma' AND -name:'Joan Clarke'" }))).toEqual([
      'Alan Turing',
    ]);
    expect(names(await h.stripe.customers.search({ query: "name:'Grace Hopper' OR name:\"Joan Clarke\"" }))).toEqual([
      'Joan Clarke',
      'Grace Hopper',
    ]);
  });

  it('compares numbers and pages with next_page', async () => {
    const all = await h.stripe.customers.search({ query: 'created>0', limit: 2, expand: ['total_count'] });
    expect(all).toMatchObject({ object: 'search_result', has_more: true, url: '/v1/customers/search' });
    expect(all.total_count).toBeGreaterThan(3);
    expect(all.next_page).toEqual(expect.any(String));
    const next = await h.stripe.customers.search({ query: 'created>0', limit: 2, page: all.next_page ?? '' });
    expect(next.data[0]?.id).not.toBe(all.data[0]?.id);
    const walked = await h.stripe.customers.search({ query: "email~'bletchley'", limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(walked).toHaveLength(2);
  });

  it('treats quotes and escapes as data, so a value cannot widen the search', async () => {
    const injected = await h.stripe.customers.search({ query: "name:'x\\' OR name:\\'Alan Turing'" });
    expect(injected.data).toEqual([]);
  });

  it('rejects bad queries with a 400 on param query', async () => {
    for (const query of ['', "colour:'red'", "name~'ab'", "name:'a' AND email:'b' OR phone:'c'", "name:'unterminated", 'created>"x"']) {
      const error = await stripeError(h.stripe.customers.search({ query }));
      expect(error.statusCode, query).toBe(400);
      expect(error.param, query).toBe('query');
    }
    const unknown = await stripeError(h.stripe.customers.search({ query: "colour:'red'" }));
    expect(unknown.message).toContain('unsupported search field');
  });
});
