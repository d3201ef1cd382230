/**
 * Payment methods (cards only): create from a test token or a test number, retrieve, update, attach, detach, list,
 * and the customer's own list. A full card number or CVC is never stored nor shown: a payment method keeps the
 * brand, last four digits, expiry and a fingerprint; how its test card behaves (declines) is kept beside it.
 *
 * Stripe's magic ids (`pm_card_visa`, `pm_card_chargeCustomerFail`, …) stand for a test card: wherever one is used
 * (attach, a customer's `payment_method`, `invoices.pay`) a fresh `pm_…` is created from it, as Stripe does.
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, invalidState, parameterMissing, resourceMissing } from '../errors.js';
import { defineKind, renderList, renderObject } from '../expand.js';
import {
  addressShape,
  applyMetadata,
  clearableObj,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  str,
  type InferShape,
} from '../params.js';
import type { Store } from '../store.js';
import {
  cardForMagicId,
  cardForNumber,
  cardForToken,
  declineError,
  displayBrand,
  fingerprintOf,
  type Decline,
  type ResolvedCard,
} from './test-cards.js';
import { checkExpiry, checkCvc } from './card-checks.js';

/** What the local Stripe knows of a payment method beyond its object: its test card's behaviour. */
interface Behaviour {
  attachDecline: Decline | undefined;
  chargeDecline: Decline | undefined;
  /** Detached (or used once unattached): Stripe never lets it be attached again. */
  consumed: boolean;
}
const behaviours = new WeakMap<Stripe.PaymentMethod, Behaviour>();

function behaviourOf(pm: Stripe.PaymentMethod): Behaviour {
  let found = behaviours.get(pm);
  if (found === undefined) {
    found = { attachDecline: undefined, chargeDecline: undefined, consumed: false };
    behaviours.set(pm, found);
  }
  return found;
}

const billingDetailsShape = {
  address: clearableObj(addressShape),
  email: str({ clearable: true }),
  name: str({ clearable: true }),
  phone: str({ clearable: true }),
  tax_id: str(),
} as const;

const createShape = {
  type: oneOf(['card'] as const),
  card: obj({
    token: str(),
    number: str(),
    exp_month: int(),
    exp_year: int(),
    cvc: str(),
    networks: obj({ preferred: str() }),
  }),
  billing_details: obj(billingDetailsShape),
  metadata: metadata(),
  allow_redisplay: oneOf(['always', 'limited', 'unspecified'] as const),
  customer: str(),
  payment_method: str(),
  expand: listParams.expand,
} as const;

export type PaymentMethodCreate = InferShape<typeof createShape>;

const updateShape = {
  billing_details: obj(billingDetailsShape),
  card: obj({ exp_month: int(), exp_year: int(), networks: obj({ preferred: str({ clearable: true }) }) }),
  metadata: metadata(),
  allow_redisplay: oneOf(['always', 'limited', 'unspecified'] as const),
  expand: listParams.expand,
} as const;

const attachShape = { customer: str(), customer_account: str(), expand: listParams.expand } as const;
const expandOnly = { expand: listParams.expand } as const;

const EMPTY_ADDRESS: Stripe.Address = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

function billingDetails(
  params: InferShape<typeof billingDetailsShape> | undefined,
  current: Stripe.PaymentMethod.BillingDetails,
): Stripe.PaymentMethod.BillingDetails {
  if (params === undefined) return current;
  const next = { ...current };
  if (params.address !== undefined) next.address = params.address === null ? null : { ...(current.address ?? EMPTY_ADDRESS), ...params.address };
  if (params.email !== undefined) next.email = params.email;
  if (params.name !== undefined) next.name = params.name;
  if (params.phone !== undefined) next.phone = params.phone;
  if (params.tax_id !== undefined) next.tax_id = params.tax_id;
  return next;
}

interface CardInput {
  card: ResolvedCard;
  exp_month: number;
  exp_year: number;
  cvcGiven: boolean;
}

/** The card a create request describes: a token, or a raw test number with its expiry (and CVC). */
function cardInput(store: Store, card: PaymentMethodCreate['card']): CardInput {
  if (card === undefined) throw parameterMissing('card');
  if (card.token !== undefined) {
    if (card.number !== undefined) {
      throw invalidParam('card[token]', 'You cannot pass both card[token] and card[number].');
    }
    const found = cardForToken(card.token);
    if (found === undefined) throw resourceMissing('token', card.token, 'card[token]');
    // Test tokens carry an expiry a year or more ahead, like the ones Stripe's tokens have.
    const year = new Date(store.nowSeconds() * 1000).getUTCFullYear() + 1;
    return { card: found, exp_month: 12, exp_year: year, cvcGiven: true };
  }
  if (card.number === undefined) throw parameterMissing('card[number]');
  const found = cardForNumber(card.number);
  if (card.exp_month === undefined) throw parameterMissing('card[exp_month]');
  if (card.exp_year === undefined) throw parameterMissing('card[exp_year]');
  const year = checkExpiry(store, card.exp_month, card.exp_year);
  if (card.cvc !== undefined) checkCvc(card.cvc, found.brand);
  return { card: found, exp_month: card.exp_month, exp_year: year, cvcGiven: card.cvc !== undefined };
}

function newCard(store: Store, input: CardInput, hasLine1: boolean, hasPostal: boolean): Stripe.PaymentMethod.Card {
  const { card } = input;
  return {
    brand: card.brand,
    checks: {
      address_line1_check: hasLine1 ? 'unchecked' : null,
      address_postal_code_check: hasPostal ? 'unchecked' : null,
      cvc_check: input.cvcGiven ? 'unchecked' : null,
    },
    country: card.country,
    display_brand: displayBrand(card.brand),
    exp_month: input.exp_month,
    exp_year: input.exp_year,
    fingerprint: fingerprintOf(store.accountId, card.number),
    funding: card.funding,
    generated_from: null,
    last4: card.number.slice(-4),
    networks: { available: [card.brand], preferred: null },
    regulated_status: 'unregulated',
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}

function insertCard(store: Store, input: CardInput, params: Omit<PaymentMethodCreate, 'card' | 'type'> = {}): Stripe.PaymentMethod {
  const details = billingDetails(params.billing_details, {
    address: null,
    email: null,
    name: null,
    phone: null,
    tax_id: null,
  });
  const pm: Stripe.PaymentMethod = {
    id: store.ids.id('pm', 24),
    object: 'payment_method',
    allow_redisplay: params.allow_redisplay ?? 'unspecified',
    billing_details: details,
    card: newCard(store, input, Boolean(details.address?.line1), Boolean(details.address?.postal_code)),
    created: store.nowSeconds(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: applyMetadata({}, params.metadata),
    type: 'card',
  };
  behaviours.set(pm, { attachDecline: input.card.attachDecline, chargeDecline: input.card.chargeDecline, consumed: false });
  return store.paymentMethods.insert(pm);
}

/** Creates a card payment method (not attached to anyone). */
export function createPaymentMethod(store: Store, params: PaymentMethodCreate): Stripe.PaymentMethod {
  if (params.customer !== undefined || params.payment_method !== undefined) {
    // Cloning a platform customer's card to a connected account: not something the local Stripe models.
    throw invalidParam('payment_method', 'Cloning payment methods to connected accounts is not supported by the local Stripe.');
  }
  if (params.type === undefined) throw parameterMissing('type');
  return insertCard(store, cardInput(store, params.card), params);
}

/** A payment method by id, or Stripe's `resource_missing` for `param`. */
export function requirePaymentMethod(store: Store, id: string, param = 'id'): Stripe.PaymentMethod {
  return store.paymentMethods.require(id, param);
}

/**
 * The payment method an id names where a payment method is used: a stored one, or a fresh one made from a magic
 * test id (`pm_card_visa`). Unknown ids are Stripe's `resource_missing` for `param`.
 */
export function usePaymentMethod(store: Store, id: string, param: string): Stripe.PaymentMethod {
  const magic = cardForMagicId(id);
  if (magic !== undefined && store.paymentMethods.get(id) === undefined) {
    const year = new Date(store.nowSeconds() * 1000).getUTCFullYear() + 1;
    return insertCard(store, { card: magic, exp_month: 12, exp_year: year, cvcGiven: true });
  }
  return requirePaymentMethod(store, id, param);
}

function customerIdOf(pm: Stripe.PaymentMethod): string | null {
  const c = pm.customer;
  return c === null ? null : typeof c === 'string' ? c : c.id;
}

function passChecks(pm: Stripe.PaymentMethod): void {
  const checks = pm.card?.checks;
  if (checks === null || checks === undefined) return;
  for (const key of ['address_line1_check', 'address_postal_code_check', 'cvc_check'] as const) {
    if (checks[key] === 'unchecked') checks[key] = 'pass';
  }
}

/**
 * Attaches a payment method to a customer. Stripe validates the card on attach: every decline test card except
 * 4000 0000 0000 0341 is refused here with its card error.
 */
export function attachPaymentMethod(store: Store, id: string, customerId: string, param = 'id'): Stripe.PaymentMethod {
  const customer = store.customers.require(customerId, 'customer');
  const pm = usePaymentMethod(store, id, param);
  checkAttachable(pm, customer.id);
  pm.customer = customer.id;
  passChecks(pm);
  return pm;
}

/** Throws what Stripe answers when `pm` cannot be attached to `customerId` (already someone's, used, declined). */
export function checkAttachable(pm: Stripe.PaymentMethod, customerId: string): void {
  const owner = customerIdOf(pm);
  if (owner === customerId) return;
  if (owner !== null) throw invalidState('The payment method you provided has already been attached to a customer.');
  const behaviour = behaviourOf(pm);
  if (behaviour.consumed) {
    throw invalidState(
      'This PaymentMethod was previously used without being attached to a Customer or was detached from a ' +
        'Customer, and may not be used again.',
    );
  }
  if (behaviour.attachDecline !== undefined) throw declineError(behaviour.attachDecline);
}

/** Detaches a payment method for good; a customer's default that it was is cleared. */
export function detachPaymentMethod(store: Store, id: string): Stripe.PaymentMethod {
  const pm = requirePaymentMethod(store, id);
  const owner = customerIdOf(pm);
  if (owner === null) {
    throw invalidState('The payment method you provided is not attached to a customer so detachment is impossible.');
  }
  const customer = store.customers.get(owner);
  if (customer !== undefined && customer.invoice_settings.default_payment_method === pm.id) {
    customer.invoice_settings = { ...customer.invoice_settings, default_payment_method: null };
  }
  pm.customer = null;
  behaviourOf(pm).consumed = true;
  return pm;
}

export function updatePaymentMethod(store: Store, id: string, params: InferShape<typeof updateShape>): Stripe.PaymentMethod {
  const pm = requirePaymentMethod(store, id);
  if (customerIdOf(pm) === null) {
    throw invalidState('You must save this PaymentMethod to a customer before you can update it.');
  }
  const card = pm.card;
  if (params.card !== undefined && card !== undefined) {
    const month = params.card.exp_month ?? card.exp_month;
    const year = params.card.exp_year ?? card.exp_year;
    card.exp_year = checkExpiry(store, month, year);
    card.exp_month = month;
    if (params.card.networks?.preferred !== undefined) {
      const preferred = params.card.networks.preferred;
      card.networks = {
        available: card.networks?.available ?? [card.brand],
        preferred: preferred === null ? null : (card.networks?.available ?? []).includes(preferred) ? preferred : 'invalid_preference',
      };
    }
  }
  pm.billing_details = billingDetails(params.billing_details, pm.billing_details);
  if (params.metadata !== undefined) pm.metadata = applyMetadata(pm.metadata, params.metadata);
  if (params.allow_redisplay !== undefined) pm.allow_redisplay = params.allow_redisplay;
  return pm;
}

/**
 * What charging a payment method does to its test card: nothing for a good card, Stripe's card error for a
 * declining one (0341's decline, or a decline card used without being attached).
 */
export function chargeDecline(pm: Stripe.PaymentMethod): Decline | undefined {
  const behaviour = behaviourOf(pm);
  return behaviour.chargeDecline ?? behaviour.attachDecline;
}

/** The customer id a payment method is attached to (null: not attached). */
export { customerIdOf as paymentMethodCustomer };

defineKind<Stripe.PaymentMethod>('payment_method', {
  expandable: {
    customer: { target: 'customer', resolve: (id, ctx) => ctx.store.customers.get(id) ?? null },
  },
});

const listShape = { ...listParams, customer: str(), customer_account: str(), type: str(), allow_redisplay: str() } as const;
const customerListShape = { ...listParams, type: str(), allow_redisplay: str() } as const;

function matchesType(pm: Stripe.PaymentMethod, type: string | undefined): boolean {
  return type === undefined || pm.type === type;
}

export const paymentMethodRoutes: Route[] = [
  route('POST', '/v1/payment_methods', (req) => {
    const params = readParams(req, createShape, { kind: 'payment_method' });
    return renderObject('payment_method', createPaymentMethod(req.store, params), req.render, params.expand);
  }),
  route('GET', '/v1/payment_methods', (req) => {
    const params = readParams(req, listShape, { kind: 'payment_method', list: true });
    if (params.customer !== undefined) req.store.customers.require(params.customer, 'customer');
    const page = req.store.paymentMethods.page(
      params,
      (pm) => (params.customer === undefined || customerIdOf(pm) === params.customer) && matchesType(pm, params.type),
    );
    return renderList('payment_method', page.data, page.hasMore, '/v1/payment_methods', req.render, params.expand);
  }),
  route('GET', '/v1/payment_methods/:id(pm_)', (req) => {
    const params = readParams(req, expandOnly, { kind: 'payment_method' });
    return renderObject('payment_method', requirePaymentMethod(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/payment_methods/:id(pm_)', (req) => {
    const params = readParams(req, updateShape, { kind: 'payment_method' });
    return renderObject('payment_method', updatePaymentMethod(req.store, pathId(req), params), req.render, params.expand);
  }),
  route('POST', '/v1/payment_methods/:id(pm_)/attach', (req) => {
    const params = readParams(req, attachShape, { kind: 'payment_method' });
    if (params.customer === undefined) throw parameterMissing('customer');
    const pm = attachPaymentMethod(req.store, pathId(req), params.customer);
    return renderObject('payment_method', pm, req.render, params.expand);
  }),
  route('POST', '/v1/payment_methods/:id(pm_)/detach', (req) => {
    const params = readParams(req, expandOnly, { kind: 'payment_method' });
    return renderObject('payment_method', detachPaymentMethod(req.store, pathId(req)), req.render, params.expand);
  }),
  route('GET', '/v1/customers/:id(cus_)/payment_methods', (req) => {
    const params = readParams(req, customerListShape, { kind: 'payment_method', list: true });
    const customer = req.store.customers.require(pathId(req));
    const page = req.store.paymentMethods.page(params, (pm) => customerIdOf(pm) === customer.id && matchesType(pm, params.type));
    const url = `/v1/customers/${customer.id}/payment_methods`;
    return renderList('payment_method', page.data, page.hasMore, url, req.render, params.expand);
  }),
  route('GET', '/v1/customers/:id(cus_)/payment_methods/:pm(pm_)', (req) => {
    const params = readParams(req, expandOnly, { kind: 'payment_method' });
    const customer = req.store.customers.require(pathId(req));
    const id = pathId(req, 'pm');
    const pm = req.store.paymentMethods.get(id);
    if (pm === undefined || customerIdOf(pm) !== customer.id) {
      throw resourceMissing('PaymentMethod', id, 'payment_method');
    }
    return renderObject('payment_method', pm, req.render, params.expand);
  }),
];
