/**
 * Webhook delivery faults and the `/_local/webhooks/` control API: reordered batches arrive in another order than the
 * events were made, duplicated events arrive twice (same id, each signed), over HTTP the attempt log and the fault
 * setting are served, a reset or a stop drops what is pending, and bad settings are refused with a clear message.
 */
import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStripe, type LocalStripeOptions } from '../../src/local-stripe/index.js';
import { startHarness, type Harness } from '../support/local-stripe.js';
import { startWebhookReceiver, waitFor, type WebhookReceiver } from '../support/webhook-receiver.js';


let objects = 0;

/**
 * An object for an event appended by hand (`store.events.append`): made without an API call, so that the journal
 * adds no event of its own to the ones a test counts. Events the API causes are tested in "events the API causes".
 */
function customerObject(fields: Record<string, unknown> = {}): { id: string; object: 'customer' } {
  objects += 1;
  return { id: `cus_byhand${String(objects).padStart(8, '0')}`, object: 'customer', ...fields };
}

const open: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function setUp(options: LocalStripeOptions = {}): Promise<Harness & { receiver: WebhookReceiver; secret: string }> {
  const receiver = await startWebhookReceiver();
  open.push(() => receiver.close());
  const harness = await startHarness({ ...options, forwardWebhooks: { url: receiver.url } });
  open.push(() => harness.local.stop());
  return { ...harness, receiver, secret: harness.local.webhooks.forwarding?.secret ?? '' };
}

/** Appends `n` customer events (through a customer made with the SDK) and returns their ids, in order. */
async function appendEvents(h: Harness, n: number): Promise<string[]> {
  const customer = customerObject();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(h.local.store.events.append({ type: 'customer.updated', object: customer }).id);
  return ids;
}

function receivedIds(h: { stripe: Stripe; receiver: WebhookReceiver; secret: string }): string[] {
  return h.receiver.received.map((d) => h.stripe.webhooks.constructEvent(d.body, d.signature, h.secret).id);
}

describe('the reorder fault', () => {
  it('holds a batch and delivers it in an order other than the events were made', async () => {
    const h = await setUp({ webhooks: { faults: { reorder: { batch: 4 }, seed: 7 } } });
    const ids = await appendEvents(h, 4);
    await waitFor('four deliveries', () => h.receiver.received.length === 4);
    const got = receivedIds(h);
    expect([...got].sort()).toEqual([...ids].sort());
    expect(got).not.toEqual(ids);
  });

  it('sends what it holds after maxWaitMs when the batch does not fill', async () => {
    const h = await setUp({ webhooks: { faults: { reorder: { batch: 10, maxWaitMs: 100 } } } });
    const ids = await appendEvents(h, 2);
    await waitFor('two deliveries', () => h.receiver.received.length === 2);
    expect(receivedIds(h)).toEqual([ids[1], ids[0]]);
  });
});

describe('the duplicate fault', () => {
  it('delivers each event twice, the same id each time, and counts it delivered once', async () => {
    const h = await setUp({ webhooks: { faults: { duplicate: {} } } });
    const ids = await appendEvents(h, 2);
    await waitFor('four deliveries', () => h.local.webhooks.attempts.filter((a) => a.delivered).length === 4);
    expect([...receivedIds(h)].sort()).toEqual([ids[0], ids[0], ids[1], ids[1]].sort());
    expect(h.local.webhooks.attempts.filter((a) => a.duplicate).map((a) => a.eventId).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(h.local.store.events.get(id)?.pending_webhooks).toBe(0);
  });

  it('duplicates only the first `count` events', async () => {
    const h = await setUp();
    h.local.webhooks.setFaults({ duplicate: { count: 1 } });
    const ids = await appendEvents(h, 3);
    await waitFor('four deliveries', () => h.local.webhooks.attempts.filter((a) => a.delivered).length === 4);
    const got = receivedIds(h);
    expect(got.filter((id) => id === ids[0])).toHaveLength(2);
    expect(got.filter((id) => id !== ids[0]).sort()).toEqual([ids[1], ids[2]].sort());
  });
});

describe('/_local/webhooks/', () => {
  it('serves every attempt and the faults over HTTP, and refuses a bad setting', async () => {
    const h = await setUp({ webhooks: { retrySchedule: [50] } });
    h.receiver.respond((_, index) => (index === 0 ? 503 : 200));
    const [id] = await appendEvents(h, 1);
    await waitFor('two attempts', () => h.local.webhooks.attempts.length === 2);

    const deliveries = (await (await fetch(`${h.local.url}/_local/webhooks/deliveries`)).json()) as { data: unknown[] };
    expect(deliveries.data).toMatchObject([
      { eventId: id, type: 'customer.updated', account: h.local.store.accountId, destination: 'forward', attempt: 1, status: 503, delivered: false },
      { eventId: id, destination: 'forward', attempt: 2, status: 200, delivered: true, nextAttemptAt: null },
    ]);
    const text = JSON.stringify(deliveries);
    expect(text).not.toContain(h.secret);
    expect(text).not.toContain('v1=');
    expect((await fetch(`${h.local.url}/_local/webhooks/deliveries`, { method: 'DELETE' })).status).toBe(200);
    expect(h.local.webhooks.attempts).toEqual([]);

    const put = await fetch(`${h.local.url}/_local/webhooks/faults`, { method: 'PUT', body: JSON.stringify({ reorder: { batch: 3 } }) });
    expect(await put.json()).toEqual({ reorder: { batch: 3 } });
    expect(await (await fetch(`${h.local.url}/_local/webhooks/faults`)).json()).toEqual({ reorder: { batch: 3 } });
    const bad = await fetch(`${h.local.url}/_local/webhooks/faults`, { method: 'PUT', body: JSON.stringify({ reorder: { batch: 1 } }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'reorder.batch must be a whole number ≥ 2' });
    const unknown = await fetch(`${h.local.url}/_local/webhooks/faults`, { method: 'PUT', body: JSON.stringify({ explode: true }) });
    expect(await unknown.json()).toEqual({ error: "unknown webhook fault 'explode' (reorder, duplicate, seed)" });
    expect(await (await fetch(`${h.local.url}/_local/webhooks/faults`, { method: 'DELETE' })).json()).toEqual({});
    expect(await (await fetch(`${h.local.url}/_local/webhooks/faults`)).json()).toEqual({});
  });

  it('turning reorder off sends what it held at once', async () => {
    const h = await setUp({ webhooks: { faults: { reorder: { batch: 5, maxWaitMs: 600_000 } } } });
    const ids = await appendEvents(h, 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.receiver.received).toHaveLength(0);
    h.local.webhooks.setFaults(undefined);
    await waitFor('two deliveries', () => h.receiver.received.length === 2);
    expect([...receivedIds(h)].sort()).toEqual([...ids].sort());
  });
});

describe('dropping pending deliveries', () => {
  it('a reset drops pending retries and keeps delivering the new state’s events', async () => {
    const h = await setUp({ webhooks: { retrySchedule: [300] } });
    h.receiver.respond((_, index) => (index === 0 ? 500 : 200));
    await appendEvents(h, 1);
    const [first] = await waitFor('the failed attempt', () => h.local.webhooks.attempts.length === 1 && h.local.webhooks.attempts);
    h.local.reset();
    const [fresh] = await appendEvents(h, 1);
    await waitFor('the new event delivered', () => h.local.webhooks.attempts.some((a) => a.eventId === fresh && a.delivered));
    await waitFor('past the dropped retry', () => Date.now() > (first?.nextAttemptAt ?? 0) + 500);
    expect(h.local.webhooks.attempts.filter((a) => a.eventId === first?.eventId)).toHaveLength(1);
    expect(receivedIds(h)).toEqual([first?.eventId, fresh]);
  });

  it('stop() returns at once with a retry and a hung attempt pending', async () => {
    const receiver = await startWebhookReceiver(() => 'hang');
    open.push(() => receiver.close());
    const local = await startLocalStripe({ port: 0, forwardWebhooks: { url: receiver.url }, webhooks: { retrySchedule: [60_000] } });
    local.store.events.append({ type: 'customer.created', object: customerObject() });
    await waitFor('the hung attempt to arrive', () => receiver.received.length === 1);
    const started = Date.now();
    await local.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(local.webhooks.attempts).toEqual([]);
  });

  it('refuses bad webhook options at start', async () => {
    await expect(startLocalStripe({ port: 0, webhooks: { retrySchedule: [-1] } })).rejects.toThrow(/retrySchedule/);
    await expect(startLocalStripe({ port: 0, webhooks: { timeoutMs: 0 } })).rejects.toThrow(/timeoutMs/);
    await expect(startLocalStripe({ port: 0, webhooks: { faults: { duplicate: { probability: 2 } } } })).rejects.toThrow(
      'duplicate.probability must be between 0 and 1',
    );
    await expect(startLocalStripe({ port: 0, forwardWebhooks: { url: 'nope' } })).rejects.toThrow(/http or https URL/);
  });
});
