/**
 * Webhooks end to end: a change made through the real SDK on the local Stripe becomes an event, the local Stripe
 * delivers it signed over HTTP (forwarding, like `stripe listen --forward-to`), and the gateway verifies it and
 * publishes the change on `app.events` — once, even when the delivery is duplicated on purpose. In demo mode the
 * embedded local Stripe forwards to the gateway's own endpoint with no configuration at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { banner, startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { recordChanges, SECRET_A } from '../support/webhooks.js';

const sdkFor = (local: { secretKey: string; stripeConfig: { host: string; port: number; protocol: 'http' } }) =>
  new Stripe(local.secretKey, { ...local.stripeConfig, maxNetworkRetries: 0, telemetry: false });

/** The id of the newest event of `type` the local Stripe recorded. */
function newestEvent(store: { events: { events: { newestFirst(): IterableIterator<Stripe.Event> } } }, type: string): Stripe.Event {
  for (const event of store.events.events.newestFirst()) if (event.type === type) return event;
  throw new Error(`no ${type} event was recorded`);
}

describe('deliveries from the local Stripe (forwarding) to a configured gateway', () => {
  let p: ProductionApp;
  let recorder: ReturnType<typeof recordChanges>;
  beforeAll(async () => {
    p = await startProductionApp({ STRIPE_WEBHOOK_SECRET: SECRET_A });
    p.stripe.forwardWebhooks({ url: p.app.webhooks.url, secret: SECRET_A });
    recorder = recordChanges(p.app);
  });
  afterAll(async () => {
    recorder.stop();
    await p.stop();
  });

  it('a customer updated through the SDK reaches app.events once', async () => {
    await sdkFor(p.stripe).customers.update(DEMO.customer, { name: 'Ada King, Countess of Lovelace' });
    const event = newestEvent(p.stripe.store, 'customer.updated');
    const change = await recorder.waitFor(event.id);
    expect(change.changes).toEqual([{ kind: 'customer', id: DEMO.customer, customerId: DEMO.customer, deleted: false }]);
    expect(recorder.changes.filter((c) => c.eventId === event.id)).toHaveLength(1);
    expect(p.app.webhooks.stats().accepted).toBeGreaterThanOrEqual(1);
  });

  it('a delivery duplicated on purpose is answered 2xx both times and published once', async () => {
    p.stripe.webhooks.setFaults({ duplicate: { probability: 1 } });
    try {
      const before = p.app.webhooks.stats();
      await sdkFor(p.stripe).customers.update(DEMO.businessCustomer, { metadata: { tier: 'gold' } });
      const event = newestEvent(p.stripe.store, 'customer.updated');
      await recorder.waitFor(event.id);
      // Both attempts (the delivery and its duplicate) were answered 2xx.
      const deadline = Date.now() + 10_000;
      let attempts = p.stripe.webhooks.attempts.filter((a) => a.eventId === event.id);
      while (attempts.filter((a) => a.delivered).length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        attempts = p.stripe.webhooks.attempts.filter((a) => a.eventId === event.id);
      }
      expect(attempts.map((a) => ({ status: a.status, duplicate: a.duplicate })).sort((x, y) => Number(x.duplicate) - Number(y.duplicate))).toEqual([
        { status: 200, duplicate: false },
        { status: 200, duplicate: true },
      ]);
      expect(p.app.webhooks.stats().duplicate - before.duplicate).toBeGreaterThanOrEqual(1);
      expect(recorder.changes.filter((c) => c.eventId === event.id)).toHaveLength(1);
    } finally {
      p.stripe.webhooks.setFaults(undefined);
    }
  });

  it('a delivery signed with a secret the gateway does not know is refused, and Stripe retries it', async () => {
    p.stripe.forwardWebhooks({ url: p.app.webhooks.url, secret: 'whsec_notTheGatewaysxxxxxxxxxxxxxxxxx' });
    try {
      await sdkFor(p.stripe).customers.update(DEMO.newCustomer, { name: 'Grace Hopper' });
      const event = newestEvent(p.stripe.store, 'customer.updated');
      const deadline = Date.now() + 10_000;
      let attempt = p.stripe.webhooks.attempts.find((a) => a.eventId === event.id);
      while ((attempt === undefined || attempt.status === null) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        attempt = p.stripe.webhooks.attempts.find((a) => a.eventId === event.id);
      }
      expect(attempt).toMatchObject({ status: 400, delivered: false });
      expect(attempt!.nextAttemptAt).not.toBeNull();
      expect(recorder.changes.some((c) => c.eventId === event.id)).toBe(false);
    } finally {
      p.stripe.forwardWebhooks({ url: p.app.webhooks.url, secret: SECRET_A });
    }
  });
});

describe('demo mode', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(loadGatewayConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }));
  });
  afterAll(async () => {
    await app.stop();
  });

  it('the embedded local Stripe delivers its events to the gateway\'s own endpoint, verified', async () => {
    expect(app.webhooks.secrets).toBe('demo');
    expect(app.localStripe!.webhooks.forwarding?.url).toBe(app.webhooks.url);
    expect(banner(app)).toContain(`Webhooks:       ${app.webhooks.url}  (demo: the embedded local Stripe delivers its events here)`);
    // The secret is the gateway's own, and never printed.
    expect(banner(app)).not.toContain(app.localStripe!.webhooks.forwarding!.secret);
    const recorder = recordChanges(app);
    try {
      const local = app.localStripe!;
      await sdkFor(local).customers.update(DEMO.customer, { email: 'ada@example.org' });
      const event = newestEvent(local.store, 'customer.updated');
      await recorder.waitFor(event.id);
      expect(app.webhooks.stats()).toMatchObject({ accepted: 1, bad_signature: 0 });
    } finally {
      recorder.stop();
    }
  });

  it('stops forwarding first when the app stops', async () => {
    const other = await startApp(loadGatewayConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }));
    const local = other.localStripe!;
    await other.stop();
    expect(local.webhooks.forwarding).toBeUndefined();
  });
});
