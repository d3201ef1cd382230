/**
 * Subscriptions over HTTP: create, retrieve, update, cancel (`DELETE`), resume, list, search, and the subscription
 * items of one subscription (`/v1/subscription_items`). The work is done elsewhere, one concern per module (see
 * `subscription-shape.ts` for the map).
 *
 * Lists, as Stripe's: newest first; without `status` every subscription that is not `canceled`; `status=ended`
 * means `canceled` or `incomplete_expired`, `status=all` everything.
 */
import { pathId, readParams, route, type Route } from '../api.js';
import { pageArray } from '../collection.js';
import { missingReference, resourceMissing } from '../errors.js';
import { renderList, renderObject } from '../expand.js';
import { bool, inRange, int, listParams, oneOf, range, required, str } from '../params.js';
import { searchRoute, type Searchable } from '../search.js';
import { customerOrDeleted } from './customers.js';
import { collectionMethod } from './invoice-create.js';
import { createShape, createSubscription } from './subscription-create.js';
import { cancelNow, resumeSubscription } from './subscription-lifecycle.js';
import {
  currentPeriod,
  customerOf,
  ENDED,
  findSubscriptionItem,
  requireSubscription,
  type Subscription,
} from './subscription-shape.js';
import { cancellationDetailsShape, updateShape, updateSubscription } from './subscription-update.js';

const KIND = 'subscription';
const expandOnly = { expand: listParams.expand } as const;

const STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

const listShape = {
  ...listParams,
  customer: str(),
  status: oneOf(STATUSES),
  price: str(),
  plan: str(),
  collection_method: collectionMethod,
  created: range(),
  current_period_end: range(),
  current_period_start: range(),
} as const;

const cancelShape = {
  cancellation_details: cancellationDetailsShape,
  invoice_now: bool(),
  prorate: bool(),
  expand: listParams.expand,
} as const;

const resumeShape = {
  billing_cycle_anchor: oneOf(['now', 'unchanged'] as const),
  proration_behavior: oneOf(['always_invoice', 'create_prorations', 'none'] as const),
  proration_date: int({ min: 0 }),
  expand: listParams.expand,
} as const;

function statusMatches(subscription: Subscription, status: (typeof STATUSES)[number] | undefined): boolean {
  if (status === 'all') return true;
  if (status === 'ended') return ENDED.has(subscription.status);
  if (status === undefined) return subscription.status !== 'canceled';
  return subscription.status === status;
}

const searchable: Searchable<Subscription> = {
  resource: 'subscriptions',
  fields: {
    created: { type: 'number', get: (s) => s.created },
    status: { type: 'token', get: (s) => s.status },
  },
  metadata: (s) => s.metadata,
};

export const subscriptionRoutes: Route[] = [
  route('POST', '/v1/subscriptions', (req) => {
    const params = readParams(req, createShape, { kind: KIND });
    return renderObject(KIND, createSubscription(req.store, params), req.render, params.expand);
  }),
  searchRoute('/v1/subscriptions/search', KIND, (store) => store.subscriptions.newestFirst(), searchable),
  route('GET', '/v1/subscriptions', (req) => {
    const params = readParams(req, listShape, { kind: KIND, list: true });
    if (params.customer !== undefined && customerOrDeleted(req.store, params.customer) === null) {
      throw missingReference('customer', params.customer, 'customer');
    }
    const price = params.price ?? params.plan;
    const page = req.store.subscriptions.page(params, (s) => {
      const period = currentPeriod(s);
      return (
        (params.customer === undefined || customerOf(s) === params.customer) &&
        statusMatches(s, params.status) &&
        (price === undefined || s.items.data.some((item) => item.price.id === price)) &&
        (params.collection_method === undefined || s.collection_method === params.collection_method) &&
        inRange(s.created, params.created) &&
        inRange(period.end, params.current_period_end) &&
        inRange(period.start, params.current_period_start)
      );
    });
    return renderList(KIND, page.data, page.hasMore, '/v1/subscriptions', req.render, params.expand);
  }),
  route('GET', '/v1/subscriptions/:id(sub_)', (req) => {
    const params = readParams(req, expandOnly, { kind: KIND });
    return renderObject(KIND, requireSubscription(req.store, pathId(req), 'id'), req.render, params.expand);
  }),
  route('POST', '/v1/subscriptions/:id(sub_)', (req) => {
    const params = readParams(req, updateShape, { kind: KIND });
    const subscription = requireSubscription(req.store, pathId(req), 'id');
    return renderObject(KIND, updateSubscription(req.store, subscription, params), req.render, params.expand);
  }),
  route('DELETE', '/v1/subscriptions/:id(sub_)', (req) => {
    const params = readParams(req, cancelShape, { kind: KIND });
    const subscription = requireSubscription(req.store, pathId(req), 'id');
    cancelNow(req.store, subscription, {
      reason: 'cancellation_requested',
      details: params.cancellation_details,
      prorate: params.prorate,
      invoiceNow: params.invoice_now,
    });
    return renderObject(KIND, subscription, req.render, params.expand);
  }),
  route('POST', '/v1/subscriptions/:id(sub_)/resume', (req) => {
    const params = readParams(req, resumeShape, { kind: KIND });
    const subscription = requireSubscription(req.store, pathId(req), 'id');
    return renderObject(KIND, resumeSubscription(req.store, subscription), req.render, params.expand);
  }),
  route('GET', '/v1/subscription_items', (req) => {
    const params = readParams(req, { ...listParams, subscription: required(str()) }, { kind: 'subscription_item', list: true });
    const subscription = req.store.subscriptions.get(params.subscription);
    if (subscription === undefined) throw missingReference('subscription', params.subscription, 'subscription');
    const page = pageArray(subscription.items.data, params, 'subscription item');
    const url = '/v1/subscription_items';
    return renderList('subscription_item', page.data, page.hasMore, url, req.render, params.expand);
  }),
  route('GET', '/v1/subscription_items/:id(si_)', (req) => {
    const params = readParams(req, expandOnly, { kind: 'subscription_item' });
    const found = findSubscriptionItem(req.store, pathId(req));
    if (found === undefined) throw resourceMissing('subscription item', pathId(req));
    return renderObject('subscription_item', found.item, req.render, params.expand);
  }),
];
