/**
 * Billing information: what the home screen shows of the customer (name, email, address, phone, shipping), and
 * the `customer_update` feature's form, which changes only the fields `allowed_updates` names, through
 * `POST /v1/customers/:id` (so the API's own checks, e.g. an invalid email, refuse it with nothing changed).
 */
import type Stripe from 'stripe';
import type { FormObject } from '../../form.js';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import { field, input, postForm } from './forms.js';
import { errorSection } from './layout.js';
import { attempt, screen, type Features, type Portal, type PortalRoute } from './session.js';

type AllowedUpdate = Stripe.BillingPortal.Configuration.Features.CustomerUpdate.AllowedUpdate;

const ADDRESS_FIELDS = [
  ['line1', 'Address line 1'],
  ['line2', 'Address line 2'],
  ['city', 'City'],
  ['state', 'State / region'],
  ['postal_code', 'Postal code'],
  ['country', 'Country (ISO code)'],
] as const;

function allowed(portal: Portal): ReadonlySet<AllowedUpdate> {
  const feature = portal.features.customer_update;
  return new Set(feature.enabled ? feature.allowed_updates : []);
}

export function retrieveCustomer(portal: Portal): Stripe.Customer | undefined {
  const customer = portal.store.customers.get(portal.session.customer);
  if (customer === undefined) return undefined;
  return portal.call<Stripe.Customer>('GET', `/v1/customers/${customer.id}`, {
    expand: { 0: 'invoice_settings.default_payment_method', 1: 'tax_ids' },
  });
}

function addressLines(address: Stripe.Address | null | undefined): string[] {
  if (address === null || address === undefined) return [];
  const cityLine = [address.postal_code, address.city, address.state].filter(Boolean).join(' ');
  return [address.line1, address.line2, cityLine, address.country].filter((l): l is string => Boolean(l));
}

function detail(id: string, label: string, value: string): string {
  return `<p id="${id}"><span class="muted">${html(label)}</span><br>${value}</p>`;
}

/** The home screen's "Billing information" section (the ids `customer-name` / `customer-email` are relied on). */
export function customerSection(portal: Portal, customer: Stripe.Customer | undefined): string {
  if (customer === undefined) {
    return `<section id="customer"><h2>Billing information</h2><p class="muted">This customer no longer exists.</p></section>`;
  }
  const can = allowed(portal);
  const parts = [
    `<p><strong id="customer-name">${html(customer.name ?? 'Customer')}</strong><br>` +
      `<span id="customer-email" class="muted">${html(customer.email ?? 'No email on file')}</span></p>`,
  ];
  const address = addressLines(customer.address);
  if (address.length > 0 || can.has('address')) {
    parts.push(detail('customer-address', 'Billing address', address.length > 0 ? address.map((l) => html(l)).join('<br>') : 'None'));
  }
  if (customer.phone || can.has('phone')) parts.push(detail('customer-phone', 'Phone', html(customer.phone ?? 'None')));
  if (customer.shipping || can.has('shipping')) {
    const shipping = customer.shipping;
    const lines = shipping ? [shipping.name ?? '', ...addressLines(shipping.address)].filter(Boolean) : [];
    parts.push(detail('customer-shipping', 'Shipping', lines.length > 0 ? lines.map((l) => html(l)).join('<br>') : 'None'));
  }
  if (can.has('tax_id')) {
    const ids = customer.tax_ids?.data ?? [];
    parts.push(
      detail('customer-tax-ids', 'Tax IDs', ids.length > 0 ? ids.map((t) => `${html(t.type)} ${html(t.value)}`).join('<br>') : 'None'),
    );
  }
  const editable = [...can].some((u) => u !== 'tax_id');
  const edit = editable ? `<div class="actions"><a id="update-customer" href="${html(portal.base)}/customer">Update information</a></div>` : '';
  return `<section id="customer"><h2>Billing information</h2>${parts.join('')}${edit}</section>`;
}

function addressInputs(prefix: string, address: Stripe.Address | null | undefined): string {
  return (
    `<div class="grid">` +
    ADDRESS_FIELDS.map(([key, label]) => `<div>${input(`${prefix}[${key}]`, label, address?.[key])}</div>`).join('') +
    `</div>`
  );
}

function detailsForm(portal: Portal, customer: Stripe.Customer, error?: string): PageResponse {
  const can = allowed(portal);
  const fields: string[] = [];
  if (can.has('name')) fields.push(input('name', 'Name', customer.name, 'autocomplete="name"'));
  if (can.has('email')) fields.push(input('email', 'Email', customer.email, 'type="email" autocomplete="email"'));
  if (can.has('phone')) fields.push(input('phone', 'Phone', customer.phone, 'type="tel" autocomplete="tel"'));
  if (can.has('address')) fields.push(`<h3>Billing address</h3>${addressInputs('address', customer.address)}`);
  if (can.has('shipping')) {
    fields.push(
      `<h3>Shipping</h3>` +
        input('shipping[name]', 'Recipient', customer.shipping?.name) +
        input('shipping[phone]', 'Recipient phone', customer.shipping?.phone) +
        addressInputs('shipping[address]', customer.shipping?.address),
    );
  }
  const body =
    (error !== undefined ? errorSection(error) : '') +
    `<section id="customer-form" data-step="customer_update"><h2>Update information</h2>` +
    postForm(portal, '/customer', fields.join('') + `<button type="submit" id="save-customer">Save</button>`) +
    `<p><a href="${html(portal.base)}">Cancel</a></p></section>`;
  return screen(portal, 'Update information', body, error !== undefined ? 400 : 200);
}

function addressParams(given: unknown): FormObject | undefined {
  if (given === undefined || typeof given !== 'object' || given === null) return undefined;
  const source = given as FormObject;
  const out: FormObject = {};
  for (const [key] of ADDRESS_FIELDS) {
    const value = source[key];
    if (typeof value === 'string') out[key] = value.trim();
  }
  return out;
}

/** The update the form asks for, limited to what `allowed_updates` permits (anything else posted is ignored). */
function updateParams(portal: Portal, form: FormObject): FormObject {
  const can = allowed(portal);
  const params: FormObject = {};
  for (const key of ['name', 'email', 'phone'] as const) {
    const value = field(form, key);
    if (can.has(key) && value !== undefined) params[key] = value.trim();
  }
  const address = can.has('address') ? addressParams(form['address']) : undefined;
  if (address !== undefined) params['address'] = address;
  const shipping = form['shipping'];
  if (can.has('shipping') && typeof shipping === 'object') {
    const shippingAddress = addressParams(shipping['address']) ?? {};
    const name = (field(shipping, 'name') ?? '').trim();
    const phone = (field(shipping, 'phone') ?? '').trim();
    const empty = name === '' && phone === '' && Object.values(shippingAddress).every((v) => v === '');
    // An emptied shipping block clears it, as `shipping=''` does in the API; a partial one goes as given, and the
    // API says what is missing (e.g. shipping[name]).
    params['shipping'] = empty ? '' : { ...(name !== '' ? { name } : {}), phone, address: shippingAddress };
  }
  return params;
}

/** The details form (the `customer_update` flow's step); undefined when the customer is gone. */
export function detailsScreen(portal: Portal): PageResponse | undefined {
  const customer = retrieveCustomer(portal);
  return customer === undefined ? undefined : detailsForm(portal, customer);
}

const editable = (features: Features) =>
  features.customer_update.enabled && features.customer_update.allowed_updates.some((u) => u !== 'tax_id');

export const customerRoutes: PortalRoute[] = [
  {
    method: 'GET',
    path: /^\/customer$/,
    feature: editable,
    handle: detailsScreen,
  },
  {
    method: 'POST',
    path: /^\/customer$/,
    feature: editable,
    handle: (portal) => {
      const customer = retrieveCustomer(portal);
      if (customer === undefined) return undefined;
      const result = attempt(() =>
        portal.call('POST', `/v1/customers/${customer.id}`, updateParams(portal, portal.request.form)),
      );
      if (!result.ok) return detailsForm(portal, customer, result.message);
      return { notice: 'customer_updated' };
    },
  },
];

export const customerNotices = { customer_updated: 'Your billing information was updated.' };
