/**
 * URLs the local Stripe does not serve answer as Stripe answers them — 404 `invalid_request_error` "Unrecognized
 * request URL" — instead of as an object: Stripe's route words in the id position (`upcoming`, `create_preview` as a GET,
 * `search`) are not ids, because an id segment must carry its resource's prefix; an empty id (`retrieve('')`, a
 * trailing slash) is not the list. Ids of the right shape that name nothing still get `resource_missing`.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../../src/local-stripe/api.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { Router } from '../../src/local-stripe/router.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
});
afterAll(() => h.local.stop());

const HELP = 'Please see https://stripe.com/docs or we can help at https://support.stripe.com/.';
const TRAILING_SLASH_HINT =
  'If you are trying to list objects, remove the trailing slash. If you are trying to retrieve an object, make sure ' +
  'you passed a valid (non-empty) identifier in your code.';

/** Fails unless `call` got Stripe's "Unrecognized request URL" for `method` and `path`, and changed nothing. */
async function expectUnrecognized(call: () => Promise<unknown>, method: string, path: string, hint = ''): Promise<void> {
  const invoicesBefore = h.local.store.invoices.size;
  const customersBefore = h.local.store.customers.size;
  h.local.clearRequests();
  const error = await stripeError(call());
  expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  expect({ status: error.statusCode, type: error.rawType, code: error.code, param: error.param, message: error.message }).toEqual({
    status: 404,
    type: 'invalid_request_error',
    code: undefined,
    param: undefined,
    message: `Unrecognized request URL (${method}: ${path}).${hint ? ` ${hint}` : ''} ${HELP}`,
  });
  expect(h.local.requests.map((r) => [r.method, r.path, r.status])).toEqual([[method, path, 404]]);
  expect([h.local.store.invoices.size, h.local.store.customers.size]).toEqual([invoicesBefore, customersBefore]);
}

describe('routes Stripe has and the local Stripe does not serve', () => {
  it('GET /v1/invoices/create_preview (create_preview is a POST) is not invoice "create_preview"', async () => {
    await expectUnrecognized(
      () => h.stripe.rawRequest('GET', '/v1/invoices/create_preview'),
      'GET',
      '/v1/invoices/create_preview',
    );
  });

  it('GET /v1/invoices/upcoming and /v1/invoices/upcoming/lines are not invoice "upcoming"', async () => {
    await expectUnrecognized(
      () => h.stripe.rawRequest('GET', `/v1/invoices/upcoming?customer=${DEMO.customer}`),
      'GET',
      '/v1/invoices/upcoming',
    );
    await expectUnrecognized(() => h.stripe.rawRequest('GET', '/v1/invoices/upcoming/lines'), 'GET', '/v1/invoices/upcoming/lines');
  });

  it('a route word with a method Stripe does not serve it for is not an id either', async () => {
    await expectUnrecognized(() => h.stripe.rawRequest('POST', '/v1/customers/search', {}), 'POST', '/v1/customers/search');
    await expectUnrecognized(() => h.stripe.rawRequest('DELETE', '/v1/invoices/search'), 'DELETE', '/v1/invoices/search');
    await expectUnrecognized(
      () => h.stripe.rawRequest('POST', '/v1/billing_portal/configurations/search', {}),
      'POST',
      '/v1/billing_portal/configurations/search',
    );
  });

  it('while the route words it does serve still work', async () => {
    const search = await h.stripe.invoices.search({ query: `customer:'${DEMO.customer}'` });
    expect(search.object).toBe('search_result');
    expect(search.data.length).toBeGreaterThan(0);
    const preview = await h.stripe.invoices.createPreview({ customer: DEMO.customer });
    expect(preview.id).toMatch(/^upcoming_/);
  });
});

describe('an empty id is not the list', () => {
  it('retrieve(\'\') sends a trailing slash: Unrecognized, with Stripe\'s hint', async () => {
    await expectUnrecognized(() => h.stripe.customers.retrieve(''), 'GET', '/v1/customers/', TRAILING_SLASH_HINT);
    await expectUnrecognized(() => h.stripe.invoices.retrieve(''), 'GET', '/v1/invoices/', TRAILING_SLASH_HINT);
    await expectUnrecognized(() => h.stripe.invoices.listLineItems(''), 'GET', '/v1/invoices//lines');
    await expectUnrecognized(() => h.stripe.rawRequest('GET', '/v1//customers'), 'GET', '/v1//customers');
  });
});

describe('an id of the right shape that names nothing', () => {
  it('still reaches its route and gets resource_missing', async () => {
    const calls: Array<() => Promise<unknown>> = [
      () => h.stripe.invoices.retrieve('in_nope'),
      () => h.stripe.invoices.update('in_nope', { description: 'x' }),
      () => h.stripe.invoices.finalizeInvoice('in_nope'),
      () => h.stripe.invoices.listLineItems('in_nope'),
    ];
    for (const call of calls) {
      const error = await stripeError(call());
      expect({ status: error.statusCode, code: error.code, param: error.param, message: error.message }).toEqual({
        status: 404,
        code: 'resource_missing',
        param: 'id',
        message: "No such invoice: 'in_nope'",
      });
    }
    const customer = await stripeError(h.stripe.customers.retrieve('cus_nope'));
    expect([customer.statusCode, customer.code, customer.message]).toEqual([404, 'resource_missing', "No such customer: 'cus_nope'"]);
    const configuration = await stripeError(h.stripe.billingPortal.configurations.retrieve('bpc_nope'));
    expect([configuration.statusCode, configuration.code]).toEqual([404, 'resource_missing']);
    const item = await stripeError(h.stripe.invoiceItems.retrieve('ii_nope'));
    expect([item.statusCode, item.code]).toEqual([404, 'resource_missing']);
  });
});

describe('the router', () => {
  it('refuses an id segment that does not name its prefix, so no route can take any word for an id', () => {
    const handler = () => ({});
    expect(() => new Router([route('GET', '/v1/things/:id', handler)])).toThrow(
      'local Stripe route /v1/things/:id: write an id segment as :name(prefix_), not :id',
    );
    const router = new Router([route('GET', '/v1/things/:id(thg_)', handler), route('GET', '/v1/things/special', handler)]);
    expect(router.match('GET', '/v1/things/thg_1')?.params).toEqual({ id: 'thg_1' });
    expect(router.match('GET', '/v1/things/special')?.params).toEqual({});
    expect(router.match('GET', '/v1/things/other')).toBeUndefined();
    expect(router.match('GET', '/v1/things/thg_')).toBeUndefined();
    expect(router.match('GET', '/v1/things/')).toBeUndefined();
  });
});
