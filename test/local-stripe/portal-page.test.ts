/**
 * The hosted portal page acting, over real HTTP against a started local Stripe: sessions made through the SDK,
 * their URLs opened and their forms posted as a browser would (token and Origin), and the result read back
 * through the SDK. This file: billing details, the forgery checks, features the configuration does not offer,
 * and the deep-link flows' `after_completion`. Plans and cards: `portal-page-plans.test.ts`, `portal-page-cards.test.ts`.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/local-stripe.js';
import { PortalVisit, textOf, tokenOf } from '../support/portal-page.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.local.stop());

type Features = Stripe.BillingPortal.ConfigurationCreateParams.Features;

async function configuration(features: Features, headline = 'Acme Cloud billing'): Promise<Stripe.BillingPortal.Configuration> {
  return h.stripe.billingPortal.configurations.create({
    business_profile: { headline, privacy_policy_url: 'https://acme.test/privacy', terms_of_service_url: 'https://acme.test/terms' },
    features,
  });
}

async function customer(params: Stripe.CustomerCreateParams = {}): Promise<Stripe.Customer> {
  return h.stripe.customers.create({ name: 'Ada Lovelace', email: 'ada@example.com', ...params });
}

async function visit(
  customerId: string,
  configurationId: string,
  extra: Partial<Stripe.BillingPortal.SessionCreateParams> = {},
): Promise<PortalVisit> {
  const session = await h.stripe.billingPortal.sessions.create({
    customer: customerId,
    configuration: configurationId,
    return_url: 'https://app.acme.test/account',
    ...extra,
  });
  return new PortalVisit(session.url);
}

const DETAILS: Features = { customer_update: { enabled: true, allowed_updates: ['email', 'address', 'phone'] }, invoice_history: { enabled: true } };

describe('billing details', () => {
  it('updates the allowed fields through POST /v1/customers/:id and ignores the others', async () => {
    const config = await configuration(DETAILS);
    const cus = await customer({ phone: '+1 555 0100' });
    const portal = await visit(cus.id, config.id);

    const home = await portal.open();
    expect(home.body).toContain('id="update-customer"');
    expect(textOf(home.body, 'customer-phone')).toBe('Phone +1 555 0100');
    const form = await portal.open('/customer');
    expect(form.body).toContain('name="email"');
    expect(form.body).toContain('name="address[line1]"');
    expect(form.body).not.toContain('name="name"'); // name is not in allowed_updates
    expect(form.body).not.toContain('name="shipping[name]"');

    const after = await portal.act(
      '/customer',
      {
        email: 'countess@example.com',
        phone: '',
        'address[line1]': '12 St James’s Square',
        'address[city]': 'London',
        'address[postal_code]': 'SW1Y 4JH',
        'address[country]': 'GB',
        name: 'Mallory', // not allowed: must not change
      },
      'customer_updated',
    );
    expect(textOf(after.body, 'notice')).toBe('Your billing information was updated.');

    const updated = await h.stripe.customers.retrieve(cus.id);
    expect(updated).toMatchObject({
      name: 'Ada Lovelace',
      email: 'countess@example.com',
      phone: null,
      address: { line1: '12 St James’s Square', line2: null, city: 'London', postal_code: 'SW1Y 4JH', country: 'GB', state: null },
    });
    expect(textOf(after.body, 'customer-address')).toBe('Billing address 12 St James’s Square SW1Y 4JH London GB');
  });

  it('shows the API’s refusal on the form, with nothing changed', async () => {
    const config = await configuration(DETAILS);
    const cus = await customer();
    const portal = await visit(cus.id, config.id);
    await portal.open('/customer');
    const refused = await portal.post('/customer', { email: 'not-an-email', 'address[city]': 'Paris' });
    expect(refused.status).toBe(400);
    expect(textOf(refused.body, 'error')).toBe('Invalid email address: not-an-email');
    const unchanged = await h.stripe.customers.retrieve(cus.id);
    expect(unchanged).toMatchObject({ email: 'ada@example.com', address: null });
  });

  it('updates shipping when allowed, and says what is missing', async () => {
    const config = await configuration({ customer_update: { enabled: true, allowed_updates: ['shipping', 'name'] } });
    const cus = await customer();
    const portal = await visit(cus.id, config.id);
    await portal.open('/customer');
    const missing = await portal.post('/customer', { 'shipping[address][line1]': '1 Main St' });
    expect(missing.status).toBe(400);
    expect(textOf(missing.body, 'error')).toContain('shipping[name]');
    expect((await h.stripe.customers.retrieve(cus.id) as Stripe.Customer).shipping).toBeNull();

    await portal.act('/customer', { name: 'Ada King', 'shipping[name]': 'Ada King', 'shipping[address][line1]': '1 Main St', 'shipping[address][country]': 'GB' }, 'customer_updated');
    const updated = (await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer;
    expect(updated.name).toBe('Ada King');
    expect(updated.shipping).toMatchObject({ name: 'Ada King', address: { line1: '1 Main St', country: 'GB' } });
  });
});

describe('forgery and validity', () => {
  it('refuses a POST without the form token, with another session’s token, or from another origin (403), changing nothing', async () => {
    const config = await configuration(DETAILS);
    const cus = await customer();
    const portal = await visit(cus.id, config.id);
    const other = await visit(cus.id, config.id);
    const token = tokenOf((await portal.open('/customer')).body);
    const otherToken = tokenOf((await other.open('/customer')).body);
    expect(otherToken).not.toBe(token);

    const attempts = [
      await portal.post('/customer', { email: 'evil@example.com' }, { token: null }),
      await portal.post('/customer', { email: 'evil@example.com' }, { token: 'forged' }),
      await portal.post('/customer', { email: 'evil@example.com' }, { token: otherToken }),
      await portal.post('/customer', { email: 'evil@example.com' }, { origin: 'https://evil.example' }),
      await portal.post('/customer', { email: 'evil@example.com' }, { origin: 'null' }),
    ];
    for (const refused of attempts) {
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('id="forbidden"');
    }
    expect(((await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer).email).toBe('ada@example.com');

    // Without an Origin header (a client that sends none) the token alone suffices.
    await portal.post('/customer', { email: 'ok@example.com' }, { origin: null });
    expect(((await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer).email).toBe('ok@example.com');
  });

  it('never acts for a session not yet opened, nor for an unknown one; other methods are 405', async () => {
    const config = await configuration(DETAILS);
    const cus = await customer();
    const opened = await visit(cus.id, config.id);
    const token = tokenOf((await opened.open('/customer')).body);
    const unopened = await visit(cus.id, config.id);
    const first = await unopened.post('/customer', { email: 'evil@example.com' }, { token });
    expect(first.status).toBe(404);
    const unknown = new PortalVisit(`${h.local.url}/p/session/test_doesnotexist`);
    expect((await unknown.post('/customer', { email: 'evil@example.com' }, { token })).status).toBe(404);
    expect(((await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer).email).toBe('ada@example.com');
    const put = await fetch(`${opened.url}/customer`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect((await opened.post('', {})).status).toBe(405);
  });
});

describe('features the configuration does not offer', () => {
  it('are neither shown nor served: screens 404, actions 403', async () => {
    const config = await configuration({ invoice_history: { enabled: false } }, 'Bare billing');
    const cus = await customer();
    const portal = await visit(cus.id, config.id);
    const home = await portal.open();
    for (const id of ['update-customer', 'update-payment-method', 'invoices']) expect(home.body).not.toContain(`id="${id}"`);
    expect(home.body).not.toMatch(/id="(cancel|update|pause)-sub_/);
    expect(home.body).toContain('id="privacy-link" href="https://acme.test/privacy"');
    expect(home.body).toContain('<h1 id="headline">Bare billing</h1>');

    for (const path of ['/customer', '/payment-method']) {
      expect((await portal.open(path, null)).status).toBe(404);
      const refused = await portal.post(path, { email: 'evil@example.com', card_number: '4242424242424242', card_expiry: '12/40' });
      expect(refused.status).toBe(403);
    }
    const after = (await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer;
    expect(after.email).toBe('ada@example.com');
    expect(after.invoice_settings.default_payment_method).toBeNull();
  });
});

describe('deep-link flows', () => {
  it('customer_update opens on its step; redirect sends the customer to its return_url once done', async () => {
    const config = await configuration(DETAILS);
    const cus = await customer();
    const portal = await visit(cus.id, config.id, {
      flow_data: { type: 'customer_update', after_completion: { type: 'redirect', redirect: { return_url: 'https://app.acme.test/done?x=1' } } },
    });
    const step = await portal.open();
    expect(step.body).toContain('data-flow="customer_update"');
    expect(step.body).toContain('data-step="customer_update"');
    expect(step.body).not.toContain('id="invoices"');

    const done = await portal.post('/customer', { email: 'flow@example.com' });
    expect([done.status, done.location]).toEqual([303, 'https://app.acme.test/done?x=1']);
    expect(((await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer).email).toBe('flow@example.com');
    // Once done, the session is an ordinary one: its URL opens the home screen.
    const home = await portal.open();
    expect(home.body).not.toContain('data-flow=');
    expect(home.body).toContain('id="invoices"');
  });

  it('hosted_confirmation shows its custom message; portal_homepage returns home with the notice', async () => {
    const config = await configuration(DETAILS);
    const cus = await customer();
    const confirmed = await visit(cus.id, config.id, {
      flow_data: { type: 'customer_update', after_completion: { type: 'hosted_confirmation', hosted_confirmation: { custom_message: 'Thanks <3, see you soon' } } },
    });
    expect((await confirmed.open()).body).toContain('Afterwards: Thanks &lt;3, see you soon');
    expect((await confirmed.open('/confirmation', 404)).status).toBe(404); // nothing to confirm yet
    const done = await confirmed.post('/customer', { phone: '+44 20 7946 0000' });
    expect([done.status, done.location]).toEqual([303, `${confirmed.url}/confirmation?notice=customer_updated`]);
    const page = await confirmed.open('/confirmation?notice=customer_updated');
    expect(textOf(page.body, 'confirmation-message')).toBe('Thanks <3, see you soon');
    expect(page.body).toContain('id="confirmation-return" href="https://app.acme.test/account"');

    const homeward = await visit(cus.id, config.id, { flow_data: { type: 'customer_update' } });
    await homeward.open();
    const back = await homeward.post('/customer', { phone: '+44 20 7946 0001' });
    expect([back.status, back.location]).toEqual([303, `${homeward.url}?notice=customer_updated`]);
    expect(((await h.stripe.customers.retrieve(cus.id)) as Stripe.Customer).phone).toBe('+44 20 7946 0001');
  });

  it('a notice is chosen by key, never printed from the URL', async () => {
    const config = await configuration(DETAILS);
    const portal = await visit((await customer()).id, config.id);
    const page = await portal.open('?notice=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(page.body).not.toContain('id="notice"');
    expect(page.body).not.toContain('<script');
  });
});
