/**
 * `PaymentMethod`, `PaymentCard`, `Customer.defaultPaymentMethod` and `node(id: "pm_…")`.
 *
 * A payment method is known by id first (a customer's `invoice_settings.default_payment_method`, a subscription's
 * `default_payment_method`) and loaded only for fields beyond the id — usually not even then, as the customer's or
 * subscription's retrieve expands it when the selection reads it. Of a card only what Stripe itself shows: brand,
 * last 4 digits, expiry, funding, country; Stripe never returns a card number, and nothing here could.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type Stripe from 'stripe';
import { idOf } from '../../stripe/expandable.js';
import { notYoursById } from '../../stripe/errors.js';
import { canAccessCustomer } from '../../auth/viewer.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { ID_ONLY, needsMoreThanId } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { AddressRef, MetadataEntryRef, metadataEntries } from './common.js';
import { fetchCustomer } from './customer.js';
import { NodeRef, registerNode } from './node.js';
import { CustomerRef, PaymentMethodRef, type CustomerModel, type PaymentMethodModel } from './refs.js';
import { known } from './known.js';

const BRANDS = ['amex', 'diners', 'discover', 'eftpos_au', 'jcb', 'link', 'mastercard', 'unionpay', 'visa'] as const;

const CardBrandEnum = builder.enumType('CardBrand', {
  description: 'The card network, as Stripe names it; UNKNOWN for one this gateway does not know yet.',
  values: {
    AMEX: { value: 'amex', description: 'American Express.' },
    DINERS: { value: 'diners', description: 'Diners Club.' },
    DISCOVER: { value: 'discover', description: 'Discover.' },
    EFTPOS_AU: { value: 'eftpos_au', description: 'eftpos Australia.' },
    JCB: { value: 'jcb', description: 'JCB.' },
    LINK: { value: 'link', description: 'Link.' },
    MASTERCARD: { value: 'mastercard', description: 'Mastercard.' },
    UNIONPAY: { value: 'unionpay', description: 'UnionPay.' },
    VISA: { value: 'visa', description: 'Visa.' },
    UNKNOWN: { value: 'unknown', description: 'A network Stripe could not tell, or one this gateway does not know yet.' },
  } as const,
});

const CardFundingEnum = builder.enumType('CardFunding', {
  description: 'How the card is funded.',
  values: {
    CREDIT: { value: 'credit', description: 'A credit card.' },
    DEBIT: { value: 'debit', description: 'A debit card.' },
    PREPAID: { value: 'prepaid', description: 'A prepaid card.' },
    UNKNOWN: { value: 'unknown', description: 'Not known.' },
  } as const,
});

const PaymentCardRef = builder.objectRef<Stripe.PaymentMethod.Card>('PaymentCard').implement({
  description: 'What Stripe shows of a card: never its number.',
  fields: (t) => ({
    brand: t.field({ type: CardBrandEnum, description: 'The card network.', resolve: (c) => known(BRANDS, c.brand) ?? 'unknown' }),
    displayBrand: t.string({
      nullable: true,
      description: 'The brand to show the customer (e.g. `visa`, `cartes_bancaires`), as Stripe says.',
      resolve: (c) => c.display_brand ?? null,
    }),
    last4: t.exposeString('last4', { description: 'The last four digits.' }),
    expMonth: t.exposeInt('exp_month', { description: 'Expiry month (1–12).' }),
    expYear: t.exposeInt('exp_year', { description: 'Expiry year (four digits).' }),
    funding: t.field({
      type: CardFundingEnum,
      description: 'Credit, debit or prepaid.',
      resolve: (c) => known(['credit', 'debit', 'prepaid'] as const, c.funding) ?? 'unknown',
    }),
    country: t.string({ nullable: true, description: 'Two-letter country code of the issuer.', resolve: (c) => c.country }),
  }),
});

const BillingDetailsRef = builder.objectRef<Stripe.PaymentMethod.BillingDetails>('PaymentBillingDetails').implement({
  description: 'The billing details given with the payment method.',
  fields: (t) => ({
    name: t.string({ nullable: true, description: 'Full name.', resolve: (b) => b.name }),
    email: t.string({ nullable: true, description: 'Email address.', resolve: (b) => b.email }),
    phone: t.string({ nullable: true, description: 'Phone number.', resolve: (b) => b.phone }),
    address: t.field({ type: AddressRef, nullable: true, description: 'Billing address.', resolve: (b) => b.address }),
  }),
});

/** The payment method's Stripe object, through the request's loader. */
function fetchPaymentMethod(ctx: Context, model: PaymentMethodModel): Promise<Stripe.PaymentMethod> | Stripe.PaymentMethod {
  return model.data ?? ctx.loaders.paymentMethod.load(model.id);
}

function read<T>(pick: (pm: Stripe.PaymentMethod) => T) {
  return async (model: PaymentMethodModel, _args: object, ctx: Context): Promise<T> => pick(await fetchPaymentMethod(ctx, model));
}

/**
 * A payment method another object names (an id or the expanded object): as it came, loaded (one call through the
 * loader) only when the selection at `path` needs more than its id and it did not come expanded.
 */
export function paymentMethodModel(
  ctx: Context,
  value: string | Stripe.PaymentMethod | null | undefined,
  info: GraphQLResolveInfo,
  path: readonly string[] = [],
): PaymentMethodModel | Promise<PaymentMethodModel> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return { id: value.id, data: value };
  if (!needsMoreThanId(info, path)) return { id: value };
  return ctx.loaders.paymentMethod.load(value).then((data) => ({ id: value, data }));
}

PaymentMethodRef.implement({
  description: 'A saved way to pay (a card, a bank account, …). Of a card, only what Stripe shows: brand, last 4, expiry.',
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof (value as PaymentMethodModel).id === 'string' && (value as PaymentMethodModel).id.startsWith('pm_'),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s payment method id (`pm_…`).' }),
    type: t.string({ description: 'Stripe’s type of payment method (`card`, `sepa_debit`, `us_bank_account`, …).', resolve: read((pm) => pm.type) }),
    card: t.field({ type: PaymentCardRef, nullable: true, description: 'The card, when `type` is `card`.', resolve: read((pm) => pm.card ?? null) }),
    billingDetails: t.field({ type: BillingDetailsRef, description: 'Billing details given with it.', resolve: read((pm) => pm.billing_details) }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: read((pm) => pm.created) }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'Its metadata, sorted by key.', resolve: read((pm) => metadataEntries(pm.metadata)) }),
  }),
});

/**
 * The customer retrieves that expand the default payment method when the selection reads it: a customer fetched by
 * its own field. One that came from a list (or from an invoice's expansion) did not: its payment method is a call.
 */
const RETRIEVED_WITH_PAYMENT_METHOD: ReadonlySet<string> = new Set([
  'Query.customer',
  'Query.node',
  'Viewer.customer',
  'PortalSession.customer',
  'BillingSubscription.customer',
]);

const defaultPaymentMethodCalls: StripeCallEstimate = ({ selects, ancestors }) => {
  if (!selects([], ID_ONLY)) return 0;
  const parent = ancestors.at(-1)?.coordinate;
  const listed = ancestors.some((frame) => frame.coordinate === 'Customer.subscriptions');
  return parent !== undefined && RETRIEVED_WITH_PAYMENT_METHOD.has(parent) && !(parent === 'BillingSubscription.customer' && listed) ? 0 : 1;
};

builder.objectField(CustomerRef, 'defaultPaymentMethod', (t) =>
  t.field({
    type: PaymentMethodRef,
    nullable: true,
    description: 'The payment method Stripe charges the customer’s invoices to by default; null when none is set.',
    extensions: stripeCalls(defaultPaymentMethodCalls),
    resolve: async (customer: CustomerModel, _args, ctx, info) => {
      const data = customer.data ?? (await fetchCustomer(ctx, customer.id));
      return paymentMethodModel(ctx, data.invoice_settings.default_payment_method, info);
    },
  }),
);

/** One retrieve; its owner is known only from Stripe's answer. */
const paymentMethodByIdCalls: StripeCallEstimate = ({ args }) => ({ calls: 1, key: `payment_method:${String(args['id'])}` });

registerNode('pm', {
  typename: 'PaymentMethod',
  calls: paymentMethodByIdCalls,
  fetch: async (id, ctx) => {
    const pm = await ctx.loaders.paymentMethod.load(id);
    // A customer gets one answer for another customer's payment method (or a detached one) and for none at all.
    if (!canAccessCustomer(ctx.viewer, idOf(pm.customer))) throw notYoursById('payment method');
    return { id, data: pm };
  },
});
