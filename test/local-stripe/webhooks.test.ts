/**
 * Webhook deliveries as a receiver sees them: a real `node:http` receiver on port 0, every delivery verified with the
 * SDK's own `stripe.webhooks.constructEvent(rawBody, header, secret)`. Forwarding (like `stripe listen`), endpoints
 * made with the SDK and their `enabled_events`, retries after a 500 or a timeout with a fresh signature each time,
 * giving up, disabled and deleted endpoints, connected accounts, and the attempt log.
 */
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStripeOptions } from '../../src/local-stripe/index.js';
import { startHarness, type Harness } from '../support/local-stripe.js';
import { startWebhookReceiver, waitFor, type ReceivedDelivery, type WebhookReceiver } from '../support/webhook-receiver.js';

const open: Array<{ close(): Promise<void> } | { stop(): Promise<void> }> = [];

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await ('close' in item ? item.close() : item.stop());
});

async function setUp(options: LocalStripeOptions = {}): Promise<Harness & { receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver();
  open.push(receiver);
  const harness = await startHarness(options);
  open.push(harness.local);
  return { ...harness, receiver };
}

/** Verifies a delivery with the SDK, exactly as a receiver must (raw body, header, secret). */
function verify(stripe: Stripe, delivery: ReceivedDelivery, secret: string): Stripe.Event {
  return stripe.webhooks.constructEvent(delivery.body, delivery.signature, secret);
}

function verifies(stripe: Stripe, delivery: ReceivedDelivery, secret: string): boolean {
  try {
    verify(stripe, delivery, secret);
    return true;
  } catch {
    return false;
  }
}

/**
 * A customer made through the SDK and the `customer.created` event the local Stripe's change journal made for it:
 * the event these tests deliver (an API call makes its own event, so none is appended by hand beside it).
 */
async function createCustomer(
  { stripe, local }: Pick<Harness, 'stripe' | 'local'>,
  params: Stripe.CustomerCreateParams = {},
): Promise<{ customer: Stripe.Customer; event: Stripe.Event }> {
  const customer = await stripe.customers.create(params);
  const event = local.store.events.events.newestFirst().next().value as Stripe.Event;
  expect(event).toMatchObject({ type: 'customer.created', data: { object: { id: customer.id } } });
  return { customer, event };
}

function timestampOf(delivery: ReceivedDelivery): number {
  return Number(/t=(\d+)/.exec(delivery.signature)?.[1]);
}

describe('forwarding every event to one URL', () => {
  it('POSTs each event, pretty-printed and signed as Stripe signs, and counts it delivered', async () => {
    const receiver = await startWebhookReceiver();
    open.push(receiver);
    const { local, stripe } = await startHarness({ forwardWebhooks: { url: receiver.url } });
    open.push(local);
    const secret = local.webhooks.forwarding?.secret ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);

    const { event } = await createCustomer({ stripe, local }, { email: 'ada@example.com' });
    expect(event.pending_webhooks).toBe(1);

    const [delivery] = await waitFor('one delivery', () => receiver.received.length >= 1 && receiver.received);
    expect(delivery?.method).toBe('POST');
    expect(delivery?.path).toBe('/webhooks');
    expect(delivery?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(delivery?.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    expect(delivery?.body).toContain('\n  "id": ');
    const verified = verify(stripe, delivery as ReceivedDelivery, secret);
    expect(verified.id).toBe(event.id);
    expect(verified.type).toBe('customer.created');
    expect((verified.data.object as Stripe.Customer).email).toBe('ada@example.com');
    expect(() => verify(stripe, delivery as ReceivedDelivery, 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);

    await waitFor('pending_webhooks back to 0', () => local.store.events.get(event.id)?.pending_webhooks === 0);
    expect(local.webhooks.attempts).toMatchObject([
      { eventId: event.id, type: 'customer.created', destination: 'forward', attempt: 1, status: 200, error: null, delivered: true },
    ]);
  });

  it('starts after start with local.forwardWebhooks, with the secret given, and stops', async () => {
    const { local, stripe, receiver } = await setUp();
    const secret = 'whsec_given_for_this_test';
    expect(local.forwardWebhooks({ url: receiver.url, secret })).toBe(secret);
    const { event: first } = await createCustomer({ stripe, local });
    await waitFor('the first delivery', () => receiver.received.length === 1);
    expect(verify(stripe, receiver.received[0] as ReceivedDelivery, secret).id).toBe(first.id);

    local.webhooks.stopForwarding();
    expect(local.webhooks.forwarding).toBeUndefined();
    const { event: second } = await createCustomer({ stripe, local });
    expect(second.pending_webhooks).toBe(0);
  });

  it('refuses a forwarding URL that is not http(s) and a secret that is not whsec_', async () => {
    const { local } = await setUp();
    expect(() => local.forwardWebhooks({ url: 'ftp://example.com' })).toThrow(/http or https URL/);
    expect(() => local.forwardWebhooks({ url: 'http://127.0.0.1:1/x', secret: 'sk_test_nope' })).toThrow(/whsec_/);
  });
});

describe('endpoints made with the SDK', () => {
  it('deliver only the enabled event types, signed with the endpoint’s own secret', async () => {
    const { local, stripe, receiver } = await setUp();
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.updated'] });
    const customer = await stripe.customers.create();
    const created = local.store.events.append({ type: 'customer.created', object: customer });
    const updated = local.store.events.append({ type: 'customer.updated', object: customer, previousAttributes: { name: null } });
    expect(created.pending_webhooks).toBe(0);
    expect(updated.pending_webhooks).toBe(1);

    await waitFor('the update delivered', () => local.webhooks.attempts.some((a) => a.delivered));
    expect(receiver.received).toHaveLength(1);
    const event = verify(stripe, receiver.received[0] as ReceivedDelivery, endpoint.secret ?? '');
    expect(event).toMatchObject({ id: updated.id, type: 'customer.updated', data: { previous_attributes: { name: null } } });
    expect(local.webhooks.attempts).toMatchObject([{ eventId: updated.id, destination: endpoint.id, status: 200 }]);
  });

  it('`*` delivers every type; a disabled endpoint gets nothing until enabled again', async () => {
    const { local, stripe, receiver } = await setUp();
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    const { customer } = await createCustomer({ stripe, local });
    await waitFor('the first delivery', () => receiver.received.length === 1);

    await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
    expect(local.store.events.append({ type: 'customer.updated', object: customer }).pending_webhooks).toBe(0);
    await stripe.webhookEndpoints.update(endpoint.id, { disabled: false });
    const again = local.store.events.append({ type: 'customer.deleted', object: customer });
    expect(again.pending_webhooks).toBe(1);
    await waitFor('the delivery after enabling', () => receiver.received.length === 2);
    expect(verify(stripe, receiver.received[1] as ReceivedDelivery, endpoint.secret ?? '').id).toBe(again.id);
  });

  it('each destination gets its own copy: two endpoints and the forwarding URL', async () => {
    const { local, stripe, receiver } = await setUp();
    const other = await startWebhookReceiver();
    open.push(other);
    const a = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    const b = await stripe.webhookEndpoints.create({ url: other.url, enabled_events: ['customer.created'] });
    const forwardSecret = local.forwardWebhooks({ url: other.url });
    const { event } = await createCustomer({ stripe, local });
    expect(event.pending_webhooks).toBe(3);
    await waitFor('three deliveries', () => local.webhooks.attempts.filter((x) => x.delivered).length === 3);
    expect(new Set(local.webhooks.attempts.map((x) => x.destination))).toEqual(new Set([a.id, b.id, 'forward']));
    expect(verify(stripe, receiver.received[0] as ReceivedDelivery, a.secret ?? '').id).toBe(event.id);
    // The other receiver holds b's and the forwarded copy; each verifies with its own secret only.
    const signedWith = other.received.map((d) => [b.secret ?? '', forwardSecret].filter((s) => verifies(stripe, d, s)));
    expect(signedWith.map((s) => s.length)).toEqual([1, 1]);
    expect(new Set(signedWith.flat())).toEqual(new Set([b.secret, forwardSecret]));
    expect(local.store.events.get(event.id)?.pending_webhooks).toBe(0);
  });
});

describe('retries', () => {
  it('retries a 500 after each wait of the schedule, signing every attempt afresh, until a 2xx', async () => {
    const { local, stripe, receiver } = await setUp({ webhooks: { retrySchedule: [1000, 1000] } });
    receiver.respond((_, index) => (index < 2 ? 500 : 200));
    const secret = local.forwardWebhooks({ url: receiver.url });
    const { event } = await createCustomer({ stripe, local });

    await waitFor('three attempts', () => receiver.received.length === 3);
    for (const delivery of receiver.received) expect(verify(stripe, delivery, secret).id).toBe(event.id);
    const stamps = receiver.received.map(timestampOf);
    expect(stamps[1]).toBeGreaterThan(stamps[0] as number);
    expect(stamps[2]).toBeGreaterThan(stamps[1] as number);
    await waitFor('the third attempt logged', () => local.webhooks.attempts.length === 3);
    expect(local.webhooks.attempts.map((a) => [a.attempt, a.status, a.delivered])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    expect(local.webhooks.attempts[0]?.nextAttemptAt).toBeGreaterThanOrEqual((local.webhooks.attempts[0]?.at ?? 0) + 1000);
    expect(local.webhooks.attempts[2]?.nextAttemptAt).toBeNull();
    expect(local.store.events.get(event.id)?.pending_webhooks).toBe(0);
  });

  it('counts no answer within timeoutMs as a failure, and retries', async () => {
    const { local, stripe, receiver } = await setUp({ webhooks: { retrySchedule: [200], timeoutMs: 300 } });
    receiver.respond((_, index) => (index === 0 ? 'hang' : 204));
    const secret = local.forwardWebhooks({ url: receiver.url });
    const { event } = await createCustomer({ stripe, local });
    await waitFor('the retry delivered', () => local.webhooks.attempts.length === 2 && local.webhooks.attempts);
    expect(local.webhooks.attempts.map((a) => [a.status, a.error, a.delivered])).toEqual([
      [null, 'timeout after 300 ms', false],
      [204, null, true],
    ]);
    expect(local.webhooks.attempts[0]?.durationMs).toBeGreaterThanOrEqual(300);
    expect(verify(stripe, receiver.received[1] as ReceivedDelivery, secret).id).toBe(event.id);
  });

  it('gives up after the last retry; the event stays pending', async () => {
    const { local, stripe, receiver } = await setUp({ webhooks: { retrySchedule: [50, 50] } });
    await receiver.close(); // nothing listens there any more: connection refused
    local.forwardWebhooks({ url: receiver.url });
    const { event } = await createCustomer({ stripe, local });
    await waitFor('three failed attempts', () => local.webhooks.attempts.length === 3 && local.webhooks.attempts);
    expect(local.webhooks.attempts.map((a) => [a.attempt, a.status, a.error, a.delivered])).toEqual([
      [1, null, 'ECONNREFUSED', false],
      [2, null, 'ECONNREFUSED', false],
      [3, null, 'ECONNREFUSED', false],
    ]);
    expect(local.webhooks.attempts[2]?.nextAttemptAt).toBeNull();
    expect(local.store.events.get(event.id)?.pending_webhooks).toBe(1);
  });

  it('makes no further attempt once the endpoint is deleted', async () => {
    const { local, stripe, receiver } = await setUp({ webhooks: { retrySchedule: [300, 300] } });
    receiver.respond(() => 500);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    await createCustomer({ stripe, local });
    const [first] = await waitFor('the first attempt', () => local.webhooks.attempts.length === 1 && local.webhooks.attempts);
    await stripe.webhookEndpoints.del(endpoint.id);
    // The retry was due at nextAttemptAt; a full second past it, nothing more has been sent.
    const due = first?.nextAttemptAt ?? 0;
    await waitFor('a second past the retry', () => Date.now() > due + 1000);
    expect(receiver.received).toHaveLength(1);
    expect(local.webhooks.attempts).toHaveLength(1);
  });
});

describe('events the API causes', () => {
  it('a change made through the SDK is delivered after its response; a connected account’s only to connect endpoints', async () => {
    const account = 'acct_1ConnectedTest00';
    const { local, stripe, receiver, client } = await setUp({ connectedAccounts: [account] });
    const own = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
    const connect = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'], connect: true });

    const platformCustomer = await stripe.customers.create({ name: 'Platform' });
    const connectedCustomer = await client({ stripeAccount: account }).customers.create({ name: 'Connected' });
    await waitFor('two deliveries', () => local.webhooks.attempts.filter((a) => a.delivered).length === 2);

    const byEndpoint = new Map(local.webhooks.attempts.map((a) => [a.destination, a]));
    expect(byEndpoint.get(own.id)).toMatchObject({ account: local.store.accountId, type: 'customer.created' });
    expect(byEndpoint.get(connect.id)).toMatchObject({ account, type: 'customer.created' });
    const events = receiver.received.map((d) => {
      for (const secret of [own.secret ?? '', connect.secret ?? '']) if (verifies(stripe, d, secret)) return { event: verify(stripe, d, secret), secret };
      throw new Error('a delivery no endpoint secret verifies');
    });
    const platformEvent = events.find((e) => e.secret === own.secret)?.event;
    const connectedEvent = events.find((e) => e.secret === connect.secret)?.event;
    expect((platformEvent?.data.object as Stripe.Customer).id).toBe(platformCustomer.id);
    expect(platformEvent?.account).toBeUndefined();
    expect((connectedEvent?.data.object as Stripe.Customer).id).toBe(connectedCustomer.id);
    expect(connectedEvent?.account).toBe(account);
    expect(platformEvent?.request?.id).toMatch(/^req_/);
  });
});
