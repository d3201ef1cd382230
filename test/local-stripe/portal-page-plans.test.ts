/**
 * The hosted portal page acting on subscriptions, over real HTTP: the plan shown on the home screen, cancel (at
 * period end with the configured reasons, or now), renew, switch plan with its proration preview, change the
 * quantity, pause and resume, and the subscription flows opening on their step. Every result is read back
 * through the SDK.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, type Harness } from '../support/local-stripe.js';
import { PortalVisit, textOf } from '../support/portal-page.js';

const NOW_MS = Date.UTC(2026, 10, 25, 12);
let h: Harness;
let basic: Stripe.Price;
let pro: Stripe.Price;
let seats: Stripe.Price;
let hidden: Stripe.Price;

beforeAll(async () => {
  h = await startHarness({ clock: manualClock(NOW_MS) });
  const price = async (name: string, unit_amount: number) => {
    const product = await h.stripe.products.create({ name });
    return h.stripe.prices.create({ product: product.id, unit_amount, currency: 'usd', recurring: { interval: 'month' } });
  };
  basic = await price('Basic', 1000);
  pro = await price('Pro', 3000);
  seats = await price('Team', 1200);
  hidden = await price('Legacy', 500);
});
afterAll(() => h.local.stop());

type Features = Stripe.BillingPortal.ConfigurationCreateParams.Features;

function productOf(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}

async function configuration(features: Features = {}): Promise<Stripe.BillingPortal.Configuration> {
  return h.stripe.billingPortal.configurations.create({
    business_profile: { headline: 'Acme Cloud billing' },
    features: {
      subscription_cancel: {
        enabled: true,
        mode: 'at_period_end',
        cancellation_reason: { enabled: true, options: ['too_expensive', 'missing_features', 'other'] },
      },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price', 'quantity'],
        proration_behavior: 'create_prorations',
        products: [
          { product: productOf(basic), prices: [basic.id] },
          { product: productOf(pro), prices: [pro.id] },
          { product: productOf(seats), prices: [seats.id] },
        ],
      },
      subscription_pause: { enabled: true },
      ...features,
    },
  });
}

/** A customer with an active subscription to `price`, invoiced (net 30), so that no card is needed. */
async function subscriber(price: Stripe.Price, quantity = 1): Promise<{ customer: Stripe.Customer; subscription: Stripe.Subscription }> {
  const customer = await h.stripe.customers.create({ name: 'Grace Hopper', email: 'grace@example.com' });
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id, quantity }],
    collection_method: 'send_invoice',
    days_until_due: 30,
  });
  expect(subscription.status).toBe('active');
  return { customer, subscription };
}

async function visit(customer: string, config: string, flow?: Stripe.BillingPortal.SessionCreateParams.FlowData): Promise<PortalVisit> {
  const session = await h.stripe.billingPortal.sessions.create({
    customer,
    configuration: config,
    return_url: 'https://app.acme.test/account',
    ...(flow !== undefined ? { flow_data: flow } : {}),
  });
  return new PortalVisit(session.url);
}

function renewalDate(subscription: Stripe.Subscription): string {
  const end = subscription.items.data[0]?.current_period_end ?? 0;
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(end * 1000));
}

describe('the plan on the home screen', () => {
  it('shows each current subscription: product, price, quantity, status, renewal; and only this customer’s', async () => {
    const config = await configuration();
    const { customer, subscription } = await subscriber(seats, 4);
    const stranger = await subscriber(pro);
    const home = (await (await visit(customer.id, config.id)).open()).body;
    expect(home).toContain(`data-subscription="${subscription.id}"`);
    expect(home).not.toContain(stranger.subscription.id);
    expect(textOf(home, 'subscriptions')).toContain('Team $12.00 / month × 4 active Renews on ' + renewalDate(subscription));
    for (const action of ['update', 'cancel', 'pause']) expect(home).toContain(`id="${action}-${subscription.id}"`);

    const trial = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }], trial_period_days: 14 });
    const withTrial = (await (await visit(customer.id, config.id)).open()).body;
    const trialEnd = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(trial.trial_end! * 1000));
    expect(withTrial).toContain(`data-subscription="${trial.id}"`);
    expect(withTrial).toMatch(new RegExp(`status-trialing">trialing</span> <span class="muted next-event">Trial ends ${trialEnd}<`));

    // Someone else's subscription is not there for this session, whatever the path says.
    const portal = await visit(customer.id, config.id);
    await portal.open(`/subscriptions/${subscription.id}/cancel`); // a page with a form: its token
    expect((await portal.open(`/subscriptions/${stranger.subscription.id}/cancel`, null)).status).toBe(404);
    expect((await portal.post(`/subscriptions/${stranger.subscription.id}/cancel`, {})).status).toBe(404);
    expect((await h.stripe.subscriptions.retrieve(stranger.subscription.id)).cancel_at_period_end).toBe(false);
  });
});

describe('cancel and renew', () => {
  it('cancels at period end with the chosen reason and comment, then renews', async () => {
    const config = await configuration();
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id);
    await portal.open();
    const step = await portal.open(`/subscriptions/${subscription.id}/cancel`);
    expect(step.body).toContain(`still available until the end of your billing period on ${renewalDate(subscription)}`);
    expect(step.body.match(/name="reason"/g)).toHaveLength(3);
    expect(step.body).not.toContain('value="unused"');

    const refused = await portal.post(`/subscriptions/${subscription.id}/cancel`, { reason: 'unused' });
    expect(refused.status).toBe(400);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);

    const home = await portal.act(`/subscriptions/${subscription.id}/cancel`, { reason: 'too_expensive', comment: 'Budget cuts' }, 'cancels_at_period_end');
    const canceling = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true });
    expect(canceling.cancellation_details).toMatchObject({ feedback: 'too_expensive', comment: 'Budget cuts' });
    expect(home.body).toContain(`Cancels on ${renewalDate(subscription)}`);
    expect(home.body).toContain(`id="renew-${subscription.id}"`);
    expect(home.body).not.toContain(`id="cancel-${subscription.id}"`);

    await portal.act(`/subscriptions/${subscription.id}/renew`, {}, 'renewed');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
  });

  it('cancels now when the configuration says immediately', async () => {
    const config = await configuration({ subscription_cancel: { enabled: true, mode: 'immediately', proration_behavior: 'none' } });
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id);
    await portal.open();
    expect((await portal.open(`/subscriptions/${subscription.id}/cancel`)).body).toContain('canceled immediately');
    const home = await portal.act(`/subscriptions/${subscription.id}/cancel`, {}, 'canceled');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
    expect(home.body).not.toContain(`data-subscription="${subscription.id}"`);
  });

  it('refuses to cancel when the configuration does not offer it', async () => {
    const config = await configuration({ subscription_cancel: { enabled: false } });
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id);
    expect((await portal.open()).body).not.toContain(`id="cancel-${subscription.id}"`);
    expect((await portal.open(`/subscriptions/${subscription.id}/cancel`, null)).status).toBe(404);
    expect((await portal.post(`/subscriptions/${subscription.id}/cancel`, {})).status).toBe(403);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
  });
});

describe('switch plan and quantity', () => {
  it('previews the prorations, then switches the price with them', async () => {
    const config = await configuration();
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id);
    await portal.open();
    const choose = await portal.open(`/subscriptions/${subscription.id}/update`);
    for (const price of [basic, pro, seats]) expect(choose.body).toContain(`value="${price.id}"`);
    expect(choose.body).not.toContain(hidden.id);

    const preview = await portal.open(`/subscriptions/${subscription.id}/update/confirm?price=${pro.id}&quantity=1`);
    expect(textOf(preview.body, 'new-plan')).toBe('Pro — $30.00 / month');
    expect(preview.body).toMatch(/Unused time on Basic/);
    expect(preview.body).toMatch(/Remaining time on Pro/);
    const expected = await h.stripe.invoices.createPreview({
      customer: customer.id,
      subscription: subscription.id,
      subscription_details: {
        items: [{ id: subscription.items.data[0]!.id, price: pro.id, quantity: 1 }],
        proration_behavior: 'create_prorations',
        proration_date: Number(/name="proration_date" value="(\d+)"/.exec(preview.body)?.[1]),
      },
    });
    expect(textOf(preview.body, 'preview-total')).toBe(`$${(expected.total / 100).toFixed(2)}`);

    await portal.open(`/subscriptions/${subscription.id}/update/confirm?price=${pro.id}&quantity=1`);
    await portal.act(
      `/subscriptions/${subscription.id}/update`,
      { price: pro.id, quantity: '1', proration_date: /name="proration_date" value="(\d+)"/.exec(preview.body)?.[1] ?? '' },
      'plan_updated',
    );
    const switched = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(switched.items.data.map((i) => [i.price.id, i.quantity])).toEqual([[pro.id, 1]]);
    const pending = await h.stripe.invoiceItems.list({ customer: customer.id, pending: true });
    const prorations = pending.data.filter((item) => item.parent?.subscription_details?.subscription === subscription.id);
    expect(prorations.map((item) => Math.sign(item.amount)).sort()).toEqual([-1, 1]);
  });

  it('changes the quantity within the product’s bounds', async () => {
    const config = await configuration();
    const { customer, subscription } = await subscriber(seats, 2);
    const portal = await visit(customer.id, config.id);
    await portal.open();
    const bad = await portal.open(`/subscriptions/${subscription.id}/update/confirm?price=${seats.id}&quantity=0`, null);
    expect(bad.status).toBe(400);
    expect(textOf(bad.body, 'error')).toBe('Choose a quantity of at least 1.');
    await portal.open(`/subscriptions/${subscription.id}/update/confirm?price=${seats.id}&quantity=5`);
    await portal.act(`/subscriptions/${subscription.id}/update`, { price: seats.id, quantity: '5' }, 'plan_updated');
    const updated = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(updated.items.data[0]?.quantity).toBe(5);
    expect(updated.items.data[0]?.price.id).toBe(seats.id);

    // A product's adjustable_quantity bounds the choice.
    const bounded = await configuration({
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['quantity'],
        proration_behavior: 'none',
        products: [{ product: productOf(seats), prices: [seats.id], adjustable_quantity: { enabled: true, minimum: 2, maximum: 10 } }],
      },
    });
    const limited = await visit(customer.id, bounded.id);
    expect((await limited.open(`/subscriptions/${subscription.id}/update`)).body).toContain('type="number" min="2" max="10"');
    const tooMany = await limited.open(`/subscriptions/${subscription.id}/update/confirm?quantity=11`, null);
    expect([tooMany.status, textOf(tooMany.body, 'error')]).toEqual([400, 'Choose a quantity between 2 and 10.']);
  });

  it('refuses a price the configuration does not list, and a quantity change it does not allow', async () => {
    const config = await configuration({
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price'],
        proration_behavior: 'none',
        products: [{ product: productOf(basic), prices: [basic.id] }, { product: productOf(pro), prices: [pro.id] }],
      },
    });
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id);
    expect((await portal.open(`/subscriptions/${subscription.id}/update`)).body).not.toContain('name="quantity" type="number"');
    await portal.open(`/subscriptions/${subscription.id}/cancel`); // the choice is a GET form: a token from a POST one
    const attempts: Array<Record<string, string>> = [{ price: hidden.id }, { price: basic.id, quantity: '3' }];
    for (const fields of attempts) {
      const refused = await portal.post(`/subscriptions/${subscription.id}/update`, fields);
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('id="error"');
    }
    const unchanged = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(unchanged.items.data.map((i) => [i.price.id, i.quantity])).toEqual([[basic.id, 1]]);
  });
});

describe('pause and resume', () => {
  it('pauses collection for the chosen duration, then resumes', async () => {
    const config = await configuration({
      subscription_pause: { enabled: true, duration: { type: 'interval_options', interval_options: [{ interval: 'month', interval_count: 2 }] } },
    });
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id);
    await portal.open();
    expect((await portal.open(`/subscriptions/${subscription.id}/pause`)).body).toContain('2 months');
    const home = await portal.act(`/subscriptions/${subscription.id}/pause`, { duration: '0' }, 'paused');
    const paused = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(paused.pause_collection?.behavior).toBe('void');
    expect(paused.pause_collection?.resumes_at).toBe(Date.UTC(2027, 0, 25, 12) / 1000); // two calendar months on
    expect(home.body).toContain(`id="resume-${subscription.id}"`);

    await portal.act(`/subscriptions/${subscription.id}/resume`, {}, 'resumed');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).pause_collection).toBeNull();
  });
});

describe('subscription flows', () => {
  it('subscription_cancel opens on its step, with the retention offer, and redirects when done', async () => {
    const config = await configuration();
    const { customer, subscription } = await subscriber(basic);
    const portal = await visit(customer.id, config.id, {
      type: 'subscription_cancel',
      subscription_cancel: { subscription: subscription.id, retention: { type: 'coupon_offer', coupon_offer: { coupon: 'STAY20' } } },
      after_completion: { type: 'redirect', redirect: { return_url: 'https://app.acme.test/bye' } },
    });
    const step = await portal.open();
    expect(step.body).toContain('data-step="subscription_cancel"');
    expect(step.body).toContain('data-flow="subscription_cancel"');
    expect(textOf(step.body, 'retention')).toContain('STAY20');
    const done = await portal.post(`/subscriptions/${subscription.id}/cancel`, { reason: 'other' });
    expect([done.status, done.location]).toEqual([303, 'https://app.acme.test/bye']);
    expect(await h.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ cancel_at_period_end: true, cancellation_details: { feedback: 'other' } });
  });

  it('subscription_update_confirm opens on the confirm step with the session’s change; subscription_update on the choice', async () => {
    const config = await configuration();
    const { customer, subscription } = await subscriber(seats, 2);
    const item = subscription.items.data[0]!;
    const confirm = await visit(customer.id, config.id, {
      type: 'subscription_update_confirm',
      subscription_update_confirm: { subscription: subscription.id, items: [{ id: item.id, price: seats.id, quantity: 7 }] },
      after_completion: { type: 'hosted_confirmation', hosted_confirmation: { custom_message: 'Seats added.' } },
    });
    const step = await confirm.open();
    expect(step.body).toContain('data-step="subscription_update_confirm"');
    expect(textOf(step.body, 'new-plan')).toBe('Team — $12.00 / month × 7');
    const prorationDate = /name="proration_date" value="(\d+)"/.exec(step.body)?.[1] ?? '';
    const done = await confirm.post(`/subscriptions/${subscription.id}/update`, { price: seats.id, quantity: '7', proration_date: prorationDate });
    expect([done.status, done.location]).toEqual([303, `${confirm.url}/confirmation?notice=plan_updated`]);
    expect(textOf((await confirm.open('/confirmation?notice=plan_updated')).body, 'confirmation-message')).toBe('Seats added.');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).items.data[0]?.quantity).toBe(7);

    const choose = await visit(customer.id, config.id, { type: 'subscription_update', subscription_update: { subscription: subscription.id } });
    const choice = await choose.open();
    expect(choice.body).toContain('data-step="subscription_update"');
    expect(choice.body).toContain(`value="${pro.id}"`);
  });
});
