/**
 * The wire protocol, as stripe-node and curl speak it: auth, encodings, headers, errors, lists, expand,
 * idempotency, accounts, rate limits and the request log. Everything goes through the real SDK over HTTP,
 * or through plain `fetch` where a test needs the exact bytes Stripe's docs show (curl style).
 */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ connectedAccounts: ['acct_1ConnectedTest01'] });
});
afterAll(() => h.local.stop());
afterEach(() => h.local.setFaults(undefined));

async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('Authorization', `Bearer ${init.key ?? h.local.secretKey}`);
  const response = await fetch(`${h.local.url}${path}`, { ...init, headers });
  return { response, body: (await response.json()) as Record<string, any> };
}

describe('authentication', () => {
  it('rejects a request without a key with 401 and Stripe’s message', async () => {
    const { response, body } = await raw('/v1/customers', { key: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('request-id')).toMatch(/^req_\w{14}$/);
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('You did not provide an API key');
  });

  it('rejects live and malformed keys through the SDK as StripeAuthenticationError, never echoing the key', async () => {
    for (const key of ['sk_live_1234567890abcdef', 'pk_test_abcdef123456', 'sk_test_', 'nonsense']) {
      const error = await stripeError(h.client({}, key).customers.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.statusCode).toBe(401);
      expect(error.code).toBe('api_key_invalid');
      if (key.length > 12) expect(error.message).not.toContain(key);
    }
  });

  it('accepts restricted keys and HTTP Basic auth with the key as user name', async () => {
    const list = await h.client({}, 'rk_test_restricted1').customers.list({ limit: 1 });
    expect(list.object).toBe('list');
    const basic = Buffer.from(`${h.local.secretKey}:`).toString('base64');
    const { response } = await raw('/v1/customers', { key: null, headers: { Authorization: `Basic ${basic}` } });
    expect(response.status).toBe(200);
  });

  it('accepts only the configured keys when apiKeys is set', async () => {
    const strict = await startHarness({ apiKeys: ['sk_test_only'] });
    try {
      expect((await strict.stripe.customers.list()).object).toBe('list');
      const error = await stripeError(strict.client({}, 'sk_test_other').customers.list());
      expect(error.statusCode).toBe(401);
    } finally {
      await strict.local.stop();
    }
  });

  it('redacts the key in the request log', async () => {
    h.local.clearRequests();
    await h.stripe.customers.list({ limit: 1 });
    const entry = h.local.requests.at(-1);
    expect(entry?.headers['authorization']).toMatch(/^Bearer sk_test_\*+/);
    expect(JSON.stringify(h.local.requests)).not.toContain(h.local.secretKey);
  });
});

describe('headers and routing', () => {
  it('sends Request-Id on every response and echoes Stripe-Version', async () => {
    const customer = await h.stripe.customers.create({ name: 'Headers' });
    expect(customer.lastResponse.requestId).toMatch(/^req_\w{14}$/);
    expect(customer.lastResponse.apiVersion).toBe('2026-10-28.endive');
    const { response } = await raw('/v1/customers', { headers: { 'Stripe-Version': '2024-06-20' } });
    expect(response.headers.get('stripe-version')).toBe('2024-06-20');
  });

  it('rejects a malformed Stripe-Version', async () => {
    const { response, body } = await raw('/v1/customers', { headers: { 'Stripe-Version': 'yesterday' } });
    expect(response.status).toBe(400);
    expect(body.error.message).toBe('Invalid Stripe API version: yesterday');
  });

  it('answers unknown URLs and methods like Stripe', async () => {
    const { response, body } = await raw('/v1/charges_of_the_light_brigade');
    expect(response.status).toBe(404);
    expect(body.error.message).toContain('Unrecognized request URL (GET: /v1/charges_of_the_light_brigade)');
    const put = await raw('/v1/customers', { method: 'PUT' });
    expect(put.response.status).toBe(404);
  });

  it('gives every error Stripe’s envelope with doc_url and request_log_url', async () => {
    const error = await stripeError(h.stripe.customers.retrieve('cus_doesnotexist'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
    expect(error.param).toBe('id');
    expect(error.message).toBe("No such customer: 'cus_doesnotexist'");
    expect(error.doc_url).toBe('https://stripe.com/docs/error-codes/resource-missing');
    expect(error.raw).toMatchObject({ request_log_url: expect.stringContaining(error.requestId ?? 'x') });
  });
});

describe('parameters', () => {
  it('rejects unknown parameters, top-level and nested, naming them', async () => {
    const top = await stripeError(h.stripe.customers.create({ favourite_colour: 'teal' } as never));
    expect([top.statusCode, top.code, top.param]).toEqual([400, 'parameter_unknown', 'favourite_colour']);
    expect(top.message).toBe('Received unknown parameter: favourite_colour');
    const nested = await stripeError(h.stripe.customers.create({ address: { planet: 'Mars' } } as never));
    expect(nested.param).toBe('address[planet]');
  });

  it('rejects invalid integers, booleans-as-strings, enums and empty required values', async () => {
    const integer = await stripeError(h.stripe.customers.create({ balance: 'lots' as never }));
    expect([integer.code, integer.param]).toEqual(['parameter_invalid_integer', 'balance']);
    const enumError = await stripeError(h.stripe.customers.create({ tax_exempt: 'sometimes' as never }));
    expect(enumError.param).toBe('tax_exempt');
    expect(enumError.message).toContain('must be one of none, exempt, or reverse');
    const empty = await stripeError(h.stripe.customers.list({ email: '' }));
    expect([empty.code, empty.param]).toEqual(['parameter_invalid_empty', 'email']);
    const limit = await stripeError(h.stripe.customers.list({ limit: 101 }));
    expect(limit.param).toBe('limit');
    expect(limit.message).toContain('between 1 and 100');
  });

  it('decodes curl-style arrays (`expand[]=`) and indexed ones alike', async () => {
    const customer = await h.stripe.customers.create({ name: 'Curl' });
    const curl = await raw(`/v1/customers/${customer.id}?expand[]=tax&expand[]=invoice_credit_balance`);
    expect(curl.body.tax).toMatchObject({ provider: 'stripe' });
    expect(curl.body.invoice_credit_balance).toEqual({});
    const indexed = await raw(`/v1/customers/${customer.id}?expand%5B0%5D=tax`);
    expect(indexed.body.tax).toBeDefined();
  });

  it('treats an empty value as “unset” and `metadata[key]=` as deleting a key', async () => {
    const customer = await h.stripe.customers.create({ name: 'Unset', description: 'x', metadata: { a: '1', b: '2' } });
    const updated = await h.stripe.customers.update(customer.id, { description: '', metadata: { a: '' } });
    expect(updated.description).toBeNull();
    expect(updated.metadata).toEqual({ b: '2' });
    const cleared = await h.stripe.customers.update(customer.id, { metadata: '' });
    expect(cleared.metadata).toEqual({});
  });

  it('validates metadata limits', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect((await stripeError(h.stripe.customers.create({ metadata: tooMany }))).statusCode).toBe(400);
    const longKey = await stripeError(h.stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } }));
    expect(longKey.message).toContain('40 characters');
  });

  it('reads POST bodies and rejects a POST body on a GET-only path', async () => {
    const { response, body } = await raw('/v1/customers', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=Form+Body&metadata[tier]=gold&preferred_locales[]=fr&preferred_locales[]=en',
    });
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ name: 'Form Body', metadata: { tier: 'gold' }, preferred_locales: ['fr', 'en'] });
  });
});

describe('lists', () => {
  let ids: string[];
  const email = 'paging@example.com';

  beforeAll(async () => {
    ids = [];
    for (let i = 0; i < 7; i++) ids.push((await h.stripe.customers.create({ email, name: `P${i}` })).id);
    ids.reverse(); // newest first
  });

  const page = (params: Stripe.CustomerListParams) => h.stripe.customers.list({ email, ...params });

  it('returns the list envelope, newest first, default limit 10', async () => {
    const list = await page({});
    expect(list).toMatchObject({ object: 'list', url: '/v1/customers', has_more: false });
    expect(list.data.map((c) => c.id)).toEqual(ids);
  });

  it('pages forward with starting_after', async () => {
    const first = await page({ limit: 3 });
    expect(first.data.map((c) => c.id)).toEqual(ids.slice(0, 3));
    expect(first.has_more).toBe(true);
    const second = await page({ limit: 3, starting_after: ids[2] });
    expect(second.data.map((c) => c.id)).toEqual(ids.slice(3, 6));
    expect(second.has_more).toBe(true);
    const last = await page({ limit: 3, starting_after: ids[5] });
    expect(last.data.map((c) => c.id)).toEqual(ids.slice(6));
    expect(last.has_more).toBe(false);
    const beyond = await page({ limit: 3, starting_after: ids[6] });
    expect(beyond.data).toEqual([]);
    expect(beyond.has_more).toBe(false);
  });

  it('pages backward with ending_before, still newest first', async () => {
    const previous = await page({ limit: 2, ending_before: ids[4] });
    expect(previous.data.map((c) => c.id)).toEqual(ids.slice(2, 4));
    expect(previous.has_more).toBe(true);
    const first = await page({ limit: 2, ending_before: ids[2] });
    expect(first.data.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.has_more).toBe(false);
    const none = await page({ limit: 2, ending_before: ids[0] });
    expect(none.data).toEqual([]);
    expect(none.has_more).toBe(false);
  });

  it('walks everything with the SDK’s auto-pagination in both directions', async () => {
    const forward = await h.stripe.customers.list({ email, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(forward.map((c) => c.id)).toEqual(ids);
    const backward = await h.stripe.customers
      .list({ email, limit: 2, ending_before: ids[6] })
      .autoPagingToArray({ limit: 100 });
    expect(new Set(backward.map((c) => c.id))).toEqual(new Set(ids.slice(0, 6)));
  });

  it('rejects unknown cursors, both cursors at once, and limits out of range', async () => {
    const missing = await stripeError(page({ starting_after: 'cus_missing' }));
    expect([missing.statusCode, missing.code, missing.param]).toEqual([404, 'resource_missing', 'starting_after']);
    const both = await stripeError(page({ starting_after: ids[0], ending_before: ids[1] }));
    expect(both.statusCode).toBe(400);
    expect((await stripeError(page({ limit: 0 }))).param).toBe('limit');
  });

  it('filters by created ranges', async () => {
    const all = await page({ limit: 100 });
    const created = all.data[0]?.created ?? 0;
    expect((await page({ created: { gt: created } })).data).toEqual([]);
    expect((await page({ created: { gte: created } })).data.length).toBeGreaterThan(0);
    expect((await page({ created })).data.length).toBeGreaterThan(0);
    expect((await page({ created: { lt: created - 3600 } })).data).toEqual([]);
  });
});

describe('expand', () => {
  it('returns expand-only fields only when asked', async () => {
    const customer = await h.stripe.customers.create({ name: 'Expand' });
    expect(customer.tax).toBeUndefined();
    const expanded = await h.stripe.customers.retrieve(customer.id, { expand: ['tax', 'tax_ids'] });
    if (expanded.deleted) throw new Error('unexpected deleted customer');
    expect(expanded.tax?.provider).toBe('stripe');
    expect(expanded.tax_ids).toMatchObject({ object: 'list', data: [] });
  });

  it('rejects fields that are not expandable, lists without data., and paths deeper than 4 levels', async () => {
    const customer = await h.stripe.customers.create({ name: 'Expand errors' });
    const email = await stripeError(h.stripe.customers.retrieve(customer.id, { expand: ['email'] }));
    expect([email.statusCode, email.param, email.message]).toEqual([400, 'expand', 'This property cannot be expanded (email).']);
    const list = await stripeError(h.stripe.customers.list({ expand: ['tax'] }));
    expect(list.message).toContain("You may want to try expanding 'data.tax' instead.");
    expect((await h.stripe.customers.list({ limit: 1, expand: ['data.tax'] })).data[0]?.tax).toBeDefined();
    const deep = await stripeError(h.stripe.customers.list({ expand: ['data.a.b.c.d'] }));
    expect(deep.message).toContain('more than 4 levels');
  });

  it('checks expand before executing, so a bad path creates nothing', async () => {
    const before = (await h.stripe.customers.list({ email: 'never@example.com' })).data.length;
    await stripeError(h.stripe.customers.create({ email: 'never@example.com', expand: ['nope'] }));
    expect((await h.stripe.customers.list({ email: 'never@example.com' })).data.length).toBe(before);
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and parameters', async () => {
    const key = `replay-${Date.now()}`;
    const first = await h.stripe.customers.create({ name: 'Once' }, { idempotencyKey: key });
    const second = await h.stripe.customers.create({ name: 'Once' }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(second.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses the same key with different parameters (idempotency_error)', async () => {
    const key = `conflict-${Date.now()}`;
    await h.stripe.customers.create({ name: 'A' }, { idempotencyKey: key });
    const error = await stripeError(h.stripe.customers.create({ name: 'B' }, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.rawType).toBe('idempotency_error');
    expect(error.statusCode).toBe(400);
  });

  it('replays stored errors too, but not validation failures', async () => {
    const key = `missing-${Date.now()}`;
    const first = await stripeError(h.stripe.customers.update('cus_missing1', { name: 'x' }, { idempotencyKey: key }));
    const again = await stripeError(h.stripe.customers.update('cus_missing1', { name: 'x' }, { idempotencyKey: key }));
    expect(first.code).toBe('resource_missing');
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    const invalidKey = `invalid-${Date.now()}`;
    await stripeError(h.stripe.customers.create({ email: 'not-an-email' }, { idempotencyKey: invalidKey }));
    const fixed = await h.stripe.customers.create({ email: 'not-an-email' }, { idempotencyKey: invalidKey }).catch((e) => e);
    expect(fixed.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('scopes keys to the API key', async () => {
    const key = `scoped-${Date.now()}`;
    const a = await h.stripe.customers.create({ name: 'Scoped' }, { idempotencyKey: key });
    const b = await h.client({}, 'sk_test_anotherkey').customers.create({ name: 'Scoped' }, { idempotencyKey: key });
    expect(b.id).not.toBe(a.id);
  });

  it('answers 409 while the first request with the key is still in flight', async () => {
    h.local.setFaults({ latencyMs: 150 });
    const key = `inflight-${Date.now()}`;
    const [first, second] = await Promise.allSettled([
      h.stripe.customers.create({ name: 'Slow' }, { idempotencyKey: key }),
      new Promise((r) => setTimeout(r, 30)).then(() =>
        h.stripe.customers.create({ name: 'Slow' }, { idempotencyKey: key }),
      ),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    if (second.status === 'rejected') expect((second.reason as Stripe.errors.StripeError).statusCode).toBe(409);
  });

  it('lets the SDK’s automatic key make retries safe: a retried create after a 500 creates one customer', async () => {
    h.local.setFaults({ rules: [{ kind: 'server_error', status: 500, count: 1, path: '/v1/customers', method: 'POST' }] });
    h.local.clearRequests();
    const email = `retry-${Date.now()}@example.com`;
    await h.client({ maxNetworkRetries: 2 }).customers.create({ email });
    const posts = h.local.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([500, 200]);
    expect(posts[0]?.idempotencyKey).toMatch(/^stripe-node-retry-/);
    expect(posts[1]?.idempotencyKey).toBe(posts[0]?.idempotencyKey);
    expect((await h.stripe.customers.list({ email })).data).toHaveLength(1);
  });
});

describe('Stripe-Account', () => {
  it('keeps a connected account’s objects apart from the platform’s', async () => {
    const connected = h.client({ stripeAccount: 'acct_1ConnectedTest01' });
    const theirs = await connected.customers.create({ email: 'connected@example.com' });
    expect((await connected.customers.retrieve(theirs.id)).id).toBe(theirs.id);
    const fromPlatform = await stripeError(h.stripe.customers.retrieve(theirs.id));
    expect(fromPlatform.code).toBe('resource_missing');
  });

  it('refuses an account the key has no access to', async () => {
    const error = await stripeError(h.client({ stripeAccount: 'acct_1Unknown' }).customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.statusCode).toBe(403);
    expect(error.message).toContain("does not have access to account 'acct_1Unknown'");
  });
});

describe('request log', () => {
  it('records method, path, parsed params, normalised expand, idempotency key and status', async () => {
    h.local.clearRequests();
    const customer = await h.stripe.customers.create(
      { name: 'Logged', metadata: { k: 'v' }, expand: ['tax'] },
      { idempotencyKey: `log-${Date.now()}` },
    );
    await h.stripe.customers.retrieve(customer.id, { expand: ['tax', 'tax_ids'] });
    await stripeError(h.stripe.customers.retrieve('cus_nothere'));
    const [create, retrieve, missing] = h.local.requests;
    expect(h.local.requests).toHaveLength(3);
    expect(create).toMatchObject({ method: 'POST', path: '/v1/customers', status: 200, expand: ['tax'] });
    expect(create?.params).toMatchObject({ name: 'Logged', metadata: { k: 'v' } });
    expect(create?.idempotencyKey).toMatch(/^log-/);
    expect(retrieve).toMatchObject({ method: 'GET', path: `/v1/customers/${customer.id}`, expand: ['tax', 'tax_ids'] });
    expect(missing?.status).toBe(404);
  });

  it('is readable over HTTP from another process, and can be cleared', async () => {
    await h.stripe.customers.list({ limit: 1 });
    const log = (await (await fetch(`${h.local.url}/_local/requests`)).json()) as { data: unknown[] };
    expect(log.data.length).toBeGreaterThan(0);
    await fetch(`${h.local.url}/_local/requests`, { method: 'DELETE' });
    expect(h.local.requests).toHaveLength(0);
  });
});

describe('concurrency', () => {
  it('loses no update when many requests change one customer at once', async () => {
    const customer = await h.stripe.customers.create({ name: 'Busy' });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.stripe.customers.update(customer.id, { metadata: { [`k${i}`]: String(i) } })),
    );
    const final = await h.stripe.customers.retrieve(customer.id);
    if (final.deleted) throw new Error('unexpected deleted customer');
    expect(Object.keys(final.metadata)).toHaveLength(40);
  });

  it('gives every one of many concurrent creates its own id and list position', async () => {
    const email = `burst-${Date.now()}@example.com`;
    const created = await Promise.all(Array.from({ length: 60 }, () => h.stripe.customers.create({ email })));
    expect(new Set(created.map((c) => c.id)).size).toBe(60);
    const listed = await h.stripe.customers.list({ email, limit: 100 });
    expect(listed.data).toHaveLength(60);
  });
});
