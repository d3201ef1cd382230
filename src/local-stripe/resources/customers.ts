/**
 * Customers: create, retrieve (a deleted one answers `{ id, object, deleted: true }`), update, delete, list
 * (`email`, `created`), search. The domain functions are used by the HTTP routes and by the demo seed alike.
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, missingReference, resourceMissing } from '../errors.js';
import { defineKind, renderList, renderObject } from '../expand.js';
import {
  addressShape,
  applyMetadata,
  arr,
  clearableObj,
  inRange,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  range,
  required,
  str,
  type InferShape,
} from '../params.js';
import { searchRoute, type Searchable } from '../search.js';
import type { Store } from '../store.js';
import { attachPaymentMethod, checkAttachable, paymentMethodCustomer, usePaymentMethod } from './payment-methods.js';

const EMPTY_ADDRESS: Stripe.Address = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

const shippingParams = clearableObj({
  address: required(obj(addressShape)),
  name: required(str()),
  phone: str({ clearable: true }),
});

const invoiceSettingsParams = obj({
  custom_fields: clearableArrayOfFields(),
  default_payment_method: str(),
  footer: str({ clearable: true }),
});

function clearableArrayOfFields() {
  return arr(obj({ name: required(str({ max: 40 })), value: required(str({ max: 140 })) }), { max: 4 });
}

const writableFields = {
  address: clearableObj(addressShape),
  balance: int(),
  business_name: str({ clearable: true }),
  description: str({ clearable: true }),
  email: str({ max: 512, clearable: true }),
  individual_name: str({ clearable: true }),
  invoice_prefix: str({ max: 12 }),
  invoice_settings: invoiceSettingsParams,
  metadata: metadata(),
  name: str({ max: 256, clearable: true }),
  next_invoice_sequence: int({ min: 1 }),
  phone: str({ max: 20, clearable: true }),
  preferred_locales: arr(str()),
  shipping: shippingParams,
  tax_exempt: oneOf(['none', 'exempt', 'reverse'] as const),
  expand: listParams.expand,
} as const;

export type CustomerWrite = InferShape<typeof writableFields>;

/** Create also takes a payment method to attach (`pm_…`, or a magic test id such as `pm_card_visa`). */
const createFields = { ...writableFields, payment_method: str() } as const;

export type CustomerCreate = InferShape<typeof createFields>;

const DEFAULT_PM_PARAM = 'invoice_settings[default_payment_method]';

/** A default payment method must be one attached to this customer, as Stripe requires. */
function checkDefaultPaymentMethod(store: Store, customerId: string, id: string | undefined): void {
  if (id === undefined) return;
  const pm = store.paymentMethods.get(id);
  if (pm === undefined) throw missingReference('PaymentMethod', id, DEFAULT_PM_PARAM);
  if (paymentMethodCustomer(pm) !== customerId) {
    const error = missingReference('PaymentMethod', id, DEFAULT_PM_PARAM);
    error.body.message =
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`;
    throw error;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkWrite(params: CustomerWrite): void {
  if (typeof params.email === 'string' && !EMAIL.test(params.email)) {
    throw invalidParam('email', `Invalid email address: ${params.email}`, 'email_invalid');
  }
  if (params.invoice_prefix !== undefined && !/^[A-Z0-9]{3,12}$/.test(params.invoice_prefix)) {
    throw invalidParam(
      'invoice_prefix',
      'Invalid invoice_prefix: must be 3–12 uppercase letters or numbers.',
      'invoice_prefix_invalid',
    );
  }
}

function address(value: Partial<Stripe.Address> | null | undefined, current: Stripe.Address | null): Stripe.Address | null {
  if (value === undefined) return current;
  if (value === null) return null;
  return { ...(current ?? EMPTY_ADDRESS), ...value };
}

function applyWrite(customer: Stripe.Customer, params: CustomerWrite): void {
  if (params.address !== undefined) customer.address = address(params.address, customer.address ?? null);
  if (params.balance !== undefined) customer.balance = params.balance;
  if (params.business_name !== undefined) customer.business_name = params.business_name ?? '';
  if (params.description !== undefined) customer.description = params.description;
  if (params.email !== undefined) customer.email = params.email;
  if (params.individual_name !== undefined) customer.individual_name = params.individual_name ?? '';
  if (params.invoice_prefix !== undefined) customer.invoice_prefix = params.invoice_prefix;
  if (params.metadata !== undefined) customer.metadata = applyMetadata(customer.metadata, params.metadata);
  if (params.name !== undefined) customer.name = params.name;
  if (params.next_invoice_sequence !== undefined) customer.next_invoice_sequence = params.next_invoice_sequence;
  if (params.phone !== undefined) customer.phone = params.phone;
  if (params.preferred_locales !== undefined) customer.preferred_locales = params.preferred_locales;
  if (params.shipping !== undefined) {
    customer.shipping =
      params.shipping === null
        ? null
        : {
            address: { ...EMPTY_ADDRESS, ...params.shipping.address },
            carrier: null,
            name: params.shipping.name,
            phone: params.shipping.phone ?? null,
            tracking_number: null,
          };
  }
  if (params.tax_exempt !== undefined) customer.tax_exempt = params.tax_exempt;
  const settings = params.invoice_settings;
  if (settings !== undefined) {
    const current = customer.invoice_settings;
    customer.invoice_settings = {
      ...current,
      custom_fields: settings.custom_fields !== undefined ? settings.custom_fields : current.custom_fields,
      default_payment_method: settings.default_payment_method ?? current.default_payment_method,
      footer: settings.footer !== undefined ? settings.footer : current.footer,
    };
  }
}

/**
 * Creates a customer now (on the store's clock). A `payment_method` is attached to it; naming the same id as
 * `invoice_settings.default_payment_method` makes the attached one the default (for a magic id, the fresh `pm_…`).
 */
export function createCustomer(store: Store, params: CustomerCreate = {}): Stripe.Customer {
  checkWrite(params);
  const { payment_method: paymentMethod, ...write } = params;
  const pm = paymentMethod !== undefined ? usePaymentMethod(store, paymentMethod, 'payment_method') : undefined;
  const customer: Stripe.Customer = {
    id: store.ids.id('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: store.nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: store.ids.invoicePrefix(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  const settings = write.invoice_settings;
  // Everything is checked before the customer exists, so that a failed create creates nothing: the card (declines,
  // used cards) and the default, which can only be the card being attached (no other is attached to a new customer).
  if (pm !== undefined) {
    checkAttachable(pm, customer.id);
    if (settings !== undefined && settings.default_payment_method === paymentMethod) settings.default_payment_method = pm.id;
  }
  if (settings?.default_payment_method !== pm?.id) {
    checkDefaultPaymentMethod(store, customer.id, settings?.default_payment_method);
  }
  applyWrite(customer, write);
  store.customers.insert(customer);
  if (pm !== undefined) attachPaymentMethod(store, pm.id, customer.id, 'payment_method');
  return customer;
}

/** A live customer or Stripe's `resource_missing` (deleted customers count as missing here). */
export function requireCustomer(store: Store, id: string, param = 'id'): Stripe.Customer {
  return store.customers.require(id, param);
}

export function updateCustomer(store: Store, id: string, params: CustomerWrite): Stripe.Customer {
  const customer = requireCustomer(store, id);
  checkWrite(params);
  checkDefaultPaymentMethod(store, customer.id, params.invoice_settings?.default_payment_method);
  applyWrite(customer, params);
  return customer;
}

export function deleteCustomer(store: Store, id: string): Stripe.DeletedCustomer {
  requireCustomer(store, id);
  store.customers.remove(id);
  store.deletedCustomers.add(id);
  return { id, object: 'customer', deleted: true };
}

/** The object Stripe shows for a customer id: the customer, or its deleted stub. */
export function customerOrDeleted(store: Store, id: string): Stripe.Customer | Stripe.DeletedCustomer | null {
  const customer = store.customers.get(id);
  if (customer !== undefined) return customer;
  if (store.deletedCustomers.has(id)) return { id, object: 'customer', deleted: true };
  return null;
}

defineKind<Stripe.Customer>('customer', {
  expandable: {
    default_source: { resolve: () => null },
    'invoice_settings.default_payment_method': {
      target: 'payment_method',
      resolve: (id, ctx) => ctx.store.paymentMethods.get(id) ?? null,
    },
    test_clock: { resolve: () => null },
  },
  includable: {
    cash_balance: () => null,
    invoice_credit_balance: () => ({}),
    tax: () => ({
      automatic_tax: 'unrecognized_location',
      ip_address: null,
      location: null,
      provider: 'stripe',
    }),
    tax_ids: (c) => ({ object: 'list', data: [], has_more: false, url: `/v1/customers/${c.id}/tax_ids` }),
    sources: (c) => ({ object: 'list', data: [], has_more: false, url: `/v1/customers/${c.id}/sources` }),
  },
});

const searchable: Searchable<Stripe.Customer> = {
  resource: 'customers',
  fields: {
    created: { type: 'number', get: (c) => c.created },
    email: { type: 'text', get: (c) => c.email },
    name: { type: 'text', get: (c) => c.name },
    phone: { type: 'text', get: (c) => c.phone },
  },
  metadata: (c) => c.metadata,
};

const listShape = { ...listParams, email: str({ max: 512 }), created: range(), test_clock: str() } as const;

export const customerRoutes: Route[] = [
  route('POST', '/v1/customers', (req) => {
    const params = readParams(req, createFields, { kind: 'customer' });
    return renderObject('customer', createCustomer(req.store, params), req.render, params.expand);
  }),
  searchRoute('/v1/customers/search', 'customer', (store) => store.customers.newestFirst(), searchable),
  route('GET', '/v1/customers', (req) => {
    const params = readParams(req, listShape, { kind: 'customer', list: true });
    const page = req.store.customers.page(
      params,
      (c) =>
        (params.email === undefined || c.email === params.email) &&
        inRange(c.created, params.created) &&
        (params.test_clock === undefined || c.test_clock === params.test_clock),
    );
    return renderList('customer', page.data, page.hasMore, '/v1/customers', req.render, params.expand);
  }),
  route('GET', '/v1/customers/:id(cus_)', (req) => {
    const params = readParams(req, { expand: listParams.expand }, { kind: 'customer' });
    const id = pathId(req);
    const found = customerOrDeleted(req.store, id);
    if (found === null) throw resourceMissing('customer', id);
    if ('deleted' in found && found.deleted) return found;
    return renderObject('customer', found, req.render, params.expand);
  }),
  route('POST', '/v1/customers/:id(cus_)', (req) => {
    const params = readParams(req, writableFields, { kind: 'customer' });
    return renderObject('customer', updateCustomer(req.store, pathId(req), params), req.render, params.expand);
  }),
  route('DELETE', '/v1/customers/:id(cus_)', (req) => {
    readParams(req, {});
    return deleteCustomer(req.store, pathId(req));
  }),
];
