/**
 * `/v1/webhook_endpoints` through the SDK: create (the secret only in that response), retrieve, update (`disabled`,
 * `enabled_events`, `url`, `description`, `metadata`), list with paging, delete, and the validation errors Stripe
 * gives for bad input — each refused before anything is made.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.local.stop();
});
beforeEach(() => h.local.reset());

const URL_ = 'https://example.com/webhooks/stripe';

describe('/v1/webhook_endpoints', () => {
  it('creates an endpoint shaped as Stripe’s, its secret shown only in the create response', async () => {
    const created = await h.stripe.webhookEndpoints.create({
      url: URL_,
      enabled_events: ['invoice.paid', 'customer.updated'],
      description: 'billing gateway',
      metadata: { team: 'billing' },
      api_version: '2026-10-28.endive',
    });
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      api_version: '2026-10-28.endive',
      application: null,
      description: 'billing gateway',
      enabled_events: ['invoice.paid', 'customer.updated'],
      livemode: false,
      metadata: { team: 'billing' },
      status: 'enabled',
      url: URL_,
    });
    expect(created.id).toMatch(/^we_[A-Za-z0-9]{24}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(Math.abs(created.created - Date.now() / 1000)).toBeLessThan(60);

    const retrieved = await h.stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    const { secret: _secret, lastResponse: _a, ...rest } = created;
    const { lastResponse: _b, ...again } = retrieved;
    expect(again).toEqual(rest);
    const listed = await h.stripe.webhookEndpoints.list();
    expect(listed.data.map((e) => [e.id, e.secret])).toEqual([[created.id, undefined]]);
    expect(JSON.stringify(h.local.store.webhookEndpoints.get(created.id))).not.toContain(created.secret ?? 'whsec_');
  });

  it('updates url, enabled_events, description, metadata and disabled', async () => {
    const endpoint = await h.stripe.webhookEndpoints.create({ url: URL_, enabled_events: ['*'], metadata: { a: '1', b: '2' } });
    const updated = await h.stripe.webhookEndpoints.update(endpoint.id, {
      url: 'http://127.0.0.1:4000/webhooks/stripe',
      enabled_events: ['invoice.paid'],
      description: 'local',
      metadata: { a: '', c: '3' },
      disabled: true,
    });
    expect(updated).toMatchObject({
      url: 'http://127.0.0.1:4000/webhooks/stripe',
      enabled_events: ['invoice.paid'],
      description: 'local',
      metadata: { b: '2', c: '3' },
      status: 'disabled',
    });
    expect(updated.secret).toBeUndefined();
    expect((await h.stripe.webhookEndpoints.update(endpoint.id, { disabled: false, description: '' })).status).toBe('enabled');
    expect((await h.stripe.webhookEndpoints.retrieve(endpoint.id)).description).toBeNull();
  });

  it('lists newest first with Stripe’s paging, and deletes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await h.stripe.webhookEndpoints.create({ url: `${URL_}/${i}`, enabled_events: ['*'] })).id);
    const first = await h.stripe.webhookEndpoints.list({ limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    expect(first.url).toBe('/v1/webhook_endpoints');
    const next = await h.stripe.webhookEndpoints.list({ limit: 2, starting_after: ids[1] as string });
    expect(next.data.map((e) => e.id)).toEqual([ids[0]]);
    expect(next.has_more).toBe(false);

    const deleted = await h.stripe.webhookEndpoints.del(ids[0] as string);
    expect(deleted).toMatchObject({ id: ids[0], object: 'webhook_endpoint', deleted: true });
    const missing = await stripeError(h.stripe.webhookEndpoints.retrieve(ids[0] as string));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', message: `No such webhook endpoint: '${ids[0]}'` });
    expect(h.local.store.webhookEndpointSettings.has(ids[0] as string)).toBe(false);
  });

  it('refuses bad input with Stripe’s errors, creating nothing', async () => {
    const refused = async (params: Record<string, unknown>) =>
      stripeError(h.stripe.webhookEndpoints.create(params as unknown as Stripe.WebhookEndpointCreateParams));
    expect(await refused({ enabled_events: ['*'] })).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'url' });
    expect(await refused({ url: URL_ })).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'enabled_events' });
    expect(await refused({ url: 'not a url', enabled_events: ['*'] })).toMatchObject({ statusCode: 400, code: 'url_invalid', param: 'url' });
    expect(await refused({ url: 'ftp://example.com', enabled_events: ['*'] })).toMatchObject({ param: 'url' });
    const unknownType = await refused({ url: URL_, enabled_events: ['invoice.paid', 'invoice.exploded'] });
    expect(unknownType).toMatchObject({ statusCode: 400, param: 'enabled_events[1]' });
    expect(unknownType.message).toMatch(/^Invalid enabled_events\[1\]: must be one of \*, account\.application\.authorized, /);
    expect(await refused({ url: URL_, enabled_events: '' })).toMatchObject({ statusCode: 400, param: 'enabled_events' });
    expect(await refused({ url: URL_, enabled_events: ['*'], api_version: 'yesterday' })).toMatchObject({ param: 'api_version' });
    expect(await refused({ url: URL_, enabled_events: ['*'], colour: 'red' })).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    expect((await h.stripe.webhookEndpoints.list()).data).toEqual([]);

    const endpoint = await h.stripe.webhookEndpoints.create({ url: URL_, enabled_events: ['*'] });
    expect(await stripeError(h.stripe.webhookEndpoints.update(endpoint.id, { url: 'nope' }))).toMatchObject({ param: 'url' });
    expect(await stripeError(h.stripe.webhookEndpoints.update(endpoint.id, { enabled_events: ['nope' as '*'] }))).toMatchObject({ param: 'enabled_events[0]' });
    expect(await stripeError(h.stripe.webhookEndpoints.update('we_missing', { disabled: true }))).toMatchObject({ statusCode: 404 });
    expect((await h.stripe.webhookEndpoints.retrieve(endpoint.id)).url).toBe(URL_);
  });

  it('holds at most 16 endpoints per account, as Stripe does', async () => {
    for (let i = 0; i < 16; i++) await h.stripe.webhookEndpoints.create({ url: `${URL_}/${i}`, enabled_events: ['*'] });
    const error = await stripeError(h.stripe.webhookEndpoints.create({ url: URL_, enabled_events: ['*'] }));
    expect(error).toMatchObject({ statusCode: 400, message: 'You have reached the maximum of 16 test webhook endpoints.' });
  });
});
