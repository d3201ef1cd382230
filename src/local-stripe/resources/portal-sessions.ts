/**
 * Billing portal sessions: `POST /v1/billing_portal/sessions`, the only session endpoint Stripe has (no
 * retrieve, list or update). A session is kept by the secret in its `url`, which the hosted portal page
 * (`pages/portal/`) serves until it expires unvisited.
 *
 * Checks, in order: parameters (shape, enums, required markers) → customer / customer_account → configuration
 * (exists, active; the default when absent) → flow (sub-object matches `type`, the flow's feature is enabled,
 * its subscription belongs to the customer and is not canceled) → on_behalf_of → return_url → after_expiration.
 */
import { PORTAL_AFTER_COMPLETION_TYPES, PORTAL_FLOW_TYPES, PORTAL_LOCALES } from '../../stripe-facts/enums.js';
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { readParams, route, type AccountDirectory, type Route } from '../api.js';
import { invalidParam, invalidState, parameterMissing, resourceMissing } from '../errors.js';
import { defineKind, renderObject } from '../expand.js';
import { paramPath } from '../form.js';
import { arr, int, listParams, obj, oneOf, required, str, type InferShape } from '../params.js';
import type { SessionRecord, Store } from '../store.js';
import { requireCustomer } from './customers.js';
import { checkUrl } from './portal-configuration-params.js';
import { CONFIGURATION_KIND, configurationForSession } from './portal-configurations.js';
import { findSubscriptionItem, requireSubscription, type Subscription } from './subscription-shape.js';

type Session = Stripe.BillingPortal.Session;
type Flow = Stripe.BillingPortal.Session.Flow;
type AfterCompletion = Stripe.BillingPortal.Session.Flow.AfterCompletion;
type UpdateConfirm = Stripe.BillingPortal.Session.Flow.SubscriptionUpdateConfirm;
type AfterExpiration = Stripe.BillingPortal.Session.AfterExpiration;
type Configuration = Stripe.BillingPortal.Configuration;

export const SESSION_KIND = 'billing_portal.session';

type FlowType = (typeof PORTAL_FLOW_TYPES)[number];


/** Flow types that carry a sub-object of the same name (`customer_update` and `payment_method_update` take none). */
const FLOWS_WITH_DETAILS = [
  'subscription_cancel',
  'subscription_pause',
  'subscription_update',
  'subscription_update_confirm',
] as const;
type DetailedFlow = (typeof FLOWS_WITH_DETAILS)[number];

/** The configuration feature each flow needs. */
const FLOW_FEATURE: Record<FlowType, keyof Stripe.BillingPortal.Configuration.Features> = {
  customer_update: 'customer_update',
  payment_method_update: 'payment_method_update',
  subscription_cancel: 'subscription_cancel',
  subscription_pause: 'subscription_pause',
  subscription_update: 'subscription_update',
  subscription_update_confirm: 'subscription_update',
};

const subscriptionOnly = { subscription: required(str()) } as const;

const flowDataShape = {
  type: required(oneOf(PORTAL_FLOW_TYPES)),
  after_completion: obj({
    type: required(oneOf(PORTAL_AFTER_COMPLETION_TYPES)),
    hosted_confirmation: obj({ custom_message: str({ max: 500 }) }),
    redirect: obj({ return_url: required(str()) }),
  }),
  subscription_cancel: obj({
    subscription: required(str()),
    retention: obj({
      type: required(oneOf(['coupon_offer'] as const)),
      coupon_offer: required(obj({ coupon: required(str()) })),
    }),
  }),
  subscription_pause: obj(subscriptionOnly),
  subscription_update: obj(subscriptionOnly),
  subscription_update_confirm: obj({
    subscription: required(str()),
    items: required(arr(obj({ id: required(str()), price: str(), quantity: int({ min: 0 }) }))),
    discounts: arr(obj({ coupon: str(), promotion_code: str() })),
  }),
} as const;

const createShape = {
  customer: str(),
  customer_account: str(),
  configuration: str(),
  return_url: str(),
  locale: oneOf(PORTAL_LOCALES),
  on_behalf_of: str(),
  flow_data: obj(flowDataShape),
  after_expiration: obj({
    type: required(oneOf(['customer_login'] as const)),
    customer_login: obj({ expires_at: int() }),
  }),
  expand: listParams.expand,
} as const;

export type SessionCreate = InferShape<typeof createShape>;
type FlowData = NonNullable<SessionCreate['flow_data']>;

const FLOW = 'flow_data';

// ---------------------------------------------------------------------------------------------------------------

function checkCustomer(store: Store, params: SessionCreate): string {
  if (params.customer !== undefined && params.customer_account !== undefined) {
    throw invalidParam('customer_account', 'You may only specify one of these parameters: customer, customer_account.');
  }
  if (params.customer_account !== undefined) {
    // Accounts v2 customers do not exist in the local Stripe.
    throw resourceMissing('account', params.customer_account, 'customer_account');
  }
  if (params.customer === undefined) throw parameterMissing('customer');
  return requireCustomer(store, params.customer, 'customer').id;
}

/** The subscription a flow names: it must exist, belong to the customer and not be canceled. */
function flowSubscription(store: Store, id: string, param: string, customer: string): Subscription {
  const subscription = requireSubscription(store, id, param, customer);
  if (subscription.status === 'canceled') {
    throw invalidState(
      `The subscription '${id}' has been canceled and can no longer be changed in the customer portal.`,
      undefined,
      param,
    );
  }
  return subscription;
}

function afterCompletion(data: FlowData): AfterCompletion {
  const given = data.after_completion;
  if (given === undefined) return { type: 'portal_homepage', hosted_confirmation: null, redirect: null };
  const path = paramPath(FLOW, 'after_completion');
  for (const key of ['hosted_confirmation', 'redirect'] as const) {
    if (given[key] !== undefined && given.type !== key) {
      throw invalidParam(
        paramPath(path, key),
        `You passed ${path}[${key}], but ${path}[type] is '${given.type}'. ` +
          `${path}[${key}] can only be set when ${path}[type] is '${key}'.`,
      );
    }
  }
  if (given.type === 'redirect') {
    if (given.redirect === undefined) throw parameterMissing(paramPath(path, 'redirect'));
    checkUrl(given.redirect.return_url, `${path}[redirect][return_url]`);
    return { type: 'redirect', hosted_confirmation: null, redirect: { return_url: given.redirect.return_url } };
  }
  if (given.type === 'hosted_confirmation') {
    return {
      type: 'hosted_confirmation',
      hosted_confirmation: { custom_message: given.hosted_confirmation?.custom_message ?? null },
      redirect: null,
    };
  }
  return { type: given.type, hosted_confirmation: null, redirect: null };
}

function checkFeatureEnabled(configuration: Configuration, type: FlowType): void {
  const feature = FLOW_FEATURE[type];
  if (!configuration.features[feature].enabled) {
    throw invalidState(
      `The ${type} flow requires features[${feature}][enabled] to be true on the configuration ` +
        `'${configuration.id}'. Update the configuration or use another one.`,
      undefined,
      paramPath(FLOW, 'type'),
    );
  }
}

function updateConfirm(
  store: Store,
  details: NonNullable<FlowData['subscription_update_confirm']>,
  customer: string,
  configuration: Configuration,
): UpdateConfirm {
  const path = paramPath(FLOW, 'subscription_update_confirm');
  const subscription = flowSubscription(store, details.subscription, `${path}[subscription]`, customer);
  const [item] = details.items;
  if (item === undefined || details.items.length !== 1) {
    throw invalidParam(
      `${path}[items]`,
      `Invalid ${path}[items]: specify exactly one subscription item (got ${details.items.length}).`,
    );
  }
  if (subscription.items.data.length > 1) {
    throw invalidState(
      `The subscription '${subscription.id}' has more than one item; subscriptions with multiple items cannot be ` +
        'updated with the subscription_update_confirm flow.',
      undefined,
      `${path}[subscription]`,
    );
  }
  const itemPath = `${path}[items][0]`;
  if (!subscription.items.data.some((si) => si.id === item.id)) {
    if (findSubscriptionItem(store, item.id) === undefined) throw resourceMissing('subscription item', item.id, `${itemPath}[id]`);
    throw invalidParam(
      `${itemPath}[id]`,
      `The subscription item '${item.id}' does not belong to the subscription '${subscription.id}'.`,
    );
  }
  if (item.price !== undefined) {
    const price = item.price;
    const products = configuration.features.subscription_update.products ?? [];
    if (!products.some((p) => p.prices.includes(price))) {
      throw invalidParam(
        `${itemPath}[price]`,
        `The price '${item.price}' is not in features[subscription_update][products] of the configuration ` +
          `'${configuration.id}'.`,
      );
    }
  }
  const discounts = details.discounts;
  if (discounts !== undefined && discounts.length > 1) {
    throw invalidParam(`${path}[discounts]`, `Invalid ${path}[discounts]: you may specify at most one discount.`);
  }
  discounts?.forEach((d, i) => {
    if ((d.coupon === undefined) === (d.promotion_code === undefined)) {
      throw invalidParam(
        `${path}[discounts][${i}]`,
        `Invalid ${path}[discounts][${i}]: specify exactly one of coupon or promotion_code.`,
      );
    }
  });
  return {
    subscription: subscription.id,
    items: [
      { id: item.id, price: item.price ?? null, ...(item.quantity !== undefined ? { quantity: item.quantity } : {}) },
    ],
    discounts:
      discounts === undefined || discounts.length === 0
        ? null
        : discounts.map((d) => ({ coupon: d.coupon ?? null, promotion_code: d.promotion_code ?? null })),
  };
}

/** The response `flow`: every sub-object key present, only the one matching `type` filled. */
function buildFlow(store: Store, data: FlowData, customer: string, configuration: Configuration): Flow {
  const type = data.type;
  for (const key of FLOWS_WITH_DETAILS) {
    if (data[key] !== undefined && key !== type) {
      throw invalidParam(
        paramPath(FLOW, key),
        `You passed ${FLOW}[${key}], but ${FLOW}[type] is '${type}'. ${FLOW}[${key}] can only be set when ` +
          `${FLOW}[type] is '${key}'.`,
      );
    }
  }
  if ((FLOWS_WITH_DETAILS as readonly string[]).includes(type) && data[type as DetailedFlow] === undefined) {
    throw parameterMissing(paramPath(FLOW, type));
  }
  const after_completion = afterCompletion(data);
  checkFeatureEnabled(configuration, type);

  const flow: Flow = {
    type,
    after_completion,
    customer_update: null,
    subscription_cancel: null,
    subscription_pause: null,
    subscription_update: null,
    subscription_update_confirm: null,
  };
  const subscriptionPath = (key: DetailedFlow) => `${FLOW}[${key}][subscription]`;
  if (type === 'customer_update') flow.customer_update = {};
  if (data.subscription_cancel !== undefined) {
    const { subscription, retention } = data.subscription_cancel;
    flow.subscription_cancel = {
      subscription: flowSubscription(store, subscription, subscriptionPath('subscription_cancel'), customer).id,
      retention:
        retention === undefined ? null : { type: 'coupon_offer', coupon_offer: { coupon: retention.coupon_offer.coupon } },
    };
  }
  if (data.subscription_pause !== undefined) {
    const { subscription } = data.subscription_pause;
    const record = flowSubscription(store, subscription, subscriptionPath('subscription_pause'), customer);
    if (record.status === 'paused') {
      throw invalidState(
        `The subscription '${subscription}' is already paused.`,
        undefined,
        subscriptionPath('subscription_pause'),
      );
    }
    flow.subscription_pause = { subscription: record.id };
  }
  if (data.subscription_update !== undefined) {
    const { subscription } = data.subscription_update;
    flow.subscription_update = {
      subscription: flowSubscription(store, subscription, subscriptionPath('subscription_update'), customer).id,
    };
  }
  if (data.subscription_update_confirm !== undefined) {
    flow.subscription_update_confirm = updateConfirm(store, data.subscription_update_confirm, customer, configuration);
  }
  return flow;
}

/** `on_behalf_of` must name a connected account of the platform this request acts for. */
function checkOnBehalfOf(store: Store, accounts: AccountDirectory | undefined, id: string): string {
  const connected =
    accounts !== undefined &&
    id.startsWith('acct_') &&
    store === accounts.platform &&
    id !== accounts.platform.accountId &&
    accounts.storeFor(id) !== undefined;
  if (!connected) throw resourceMissing('account', id, 'on_behalf_of');
  return id;
}

function afterExpiration(store: Store, params: SessionCreate): AfterExpiration | null {
  const given = params.after_expiration;
  if (given === undefined) return null;
  const expiresAt = given.customer_login?.expires_at;
  if (expiresAt !== undefined && expiresAt <= store.nowSeconds()) {
    throw invalidParam(
      'after_expiration[customer_login][expires_at]',
      'Invalid after_expiration[customer_login][expires_at]: must be in the future.',
    );
  }
  return { type: given.type, customer_login: { expires_at: expiresAt ?? null } };
}

export interface SessionContext {
  /** Base URL of the server, for the session `url`. */
  baseUrl: string;
  /** The server's accounts, to check `on_behalf_of`; without it no account can be named. */
  accounts?: AccountDirectory | undefined;
}

/** Creates a portal session now (on the store's clock) and keeps it by its URL secret until it expires. */
export function createPortalSession(store: Store, params: SessionCreate, ctx: SessionContext): Session {
  const customer = checkCustomer(store, params);
  const configuration = configurationForSession(store, params.configuration);
  const flow = params.flow_data === undefined ? null : buildFlow(store, params.flow_data, customer, configuration);
  const onBehalfOf =
    params.on_behalf_of === undefined ? null : checkOnBehalfOf(store, ctx.accounts, params.on_behalf_of);
  const returnUrl = params.return_url ?? configuration.default_return_url;
  if (returnUrl === null) {
    throw invalidParam(
      'return_url',
      `You must provide a return_url, or set default_return_url on the configuration '${configuration.id}'.`,
    );
  }
  checkUrl(params.return_url, 'return_url');
  const after = afterExpiration(store, params);

  const secret = `test_${randomBytes(24).toString('base64url')}`;
  const session: Session = {
    id: store.ids.id('bps', 24),
    object: 'billing_portal.session',
    after_expiration: after,
    configuration: configuration.id,
    created: store.nowSeconds(),
    customer,
    customer_account: null,
    flow,
    livemode: false,
    locale: params.locale ?? null,
    on_behalf_of: onBehalfOf,
    return_url: returnUrl,
    url: `${ctx.baseUrl}/p/session/${secret}`,
  };
  const record: SessionRecord = { session, expiresAt: store.clock.now() + store.sessionTtlMs, visitedAt: null };
  store.keepSession(secret, record);
  // Sessions live in no watched collection: the change journal is told (`billing_portal.session.created`).
  store.journal.notice('billing_portal.session.created', SESSION_KIND, session);
  return session;
}

defineKind<Session>(SESSION_KIND, {
  expandable: {
    configuration: {
      target: CONFIGURATION_KIND,
      resolve: (id, ctx) => {
        const configuration = ctx.store.configurations.get(id);
        return configuration === undefined ? null : renderObject(CONFIGURATION_KIND, configuration, ctx);
      },
    },
  },
});

export const portalSessionRoutes: Route[] = [
  route('POST', '/v1/billing_portal/sessions', (req) => {
    const params = readParams(req, createShape, { kind: SESSION_KIND });
    const session = createPortalSession(req.store, params, { baseUrl: req.render.baseUrl, accounts: req.accounts });
    return renderObject(SESSION_KIND, session, req.render, params.expand);
  }),
];
