/**
 * Subscription calls: retrieve, list, cancel (now or at period end), resume. The caller says which related objects
 * it needs (`SubscriptionExpansion`); this module turns them into Stripe's `expand` — on a list prefixed with
 * `data.`, and never deeper than Stripe's 4 levels (`data.items.data.price.product` would be 5: a list's products
 * are batched into one `products.list` by the loaders instead).
 */
import type Stripe from 'stripe';
import { readKey } from '../cache/read-through.js';
import { listTags } from '../cache/tags.js';
import { subscriptionWritten } from '../cache/written.js';
import { page, toPage, writeKey, type Page, type PageRequest, type StripeCaller } from './call.js';

/** What a subscription call can bring along, as paths on the subscription. */
export type SubscriptionExpansion =
  | 'customer'
  | 'customer.invoice_settings.default_payment_method'
  | 'default_payment_method'
  | 'latest_invoice'
  | 'items.data.price.product';

/** Stripe's depth limit on `expand` paths. */
const MAX_EXPAND_DEPTH = 4;

/** Expansions in a stable order (the same selection always sends the same parameters). */
function expandOf(expansions: readonly SubscriptionExpansion[], prefix = ''): { expand?: string[] } {
  const paths = [...new Set(expansions)].sort().map((path) => `${prefix}${path}`);
  const tooDeep = paths.find((path) => path.split('.').length > MAX_EXPAND_DEPTH);
  // A programming error, not the caller's: the loaders batch what a list cannot expand.
  if (tooDeep !== undefined) throw new Error(`expand path ${tooDeep} is deeper than Stripe allows`);
  return paths.length > 0 ? { expand: paths } : {};
}

/** Stripe's list filter: a status, `all` (canceled included) or none (every status but canceled, as Stripe lists). */
export type SubscriptionListStatus = Stripe.SubscriptionListParams.Status;

export interface SubscriptionListRequest extends PageRequest {
  customer?: string | undefined;
  status?: SubscriptionListStatus | undefined;
  /** Only subscriptions with an item on this price. */
  price?: string | undefined;
  expand?: readonly SubscriptionExpansion[] | undefined;
}

/** Why a subscription is canceled, as the customer said it (Stripe's `cancellation_details`). */
export interface CancellationDetails {
  feedback?: Stripe.SubscriptionCancelParams.CancellationDetails.Feedback | undefined;
  comment?: string | undefined;
}

export interface WriteOptions {
  expand?: readonly SubscriptionExpansion[] | undefined;
  /** Already scoped to the caller. */
  idempotencyKey?: string | undefined;
}

function details(d: CancellationDetails | undefined): { cancellation_details?: Stripe.SubscriptionCancelParams.CancellationDetails } {
  if (d === undefined || (d.feedback === undefined && d.comment === undefined)) return {};
  return {
    cancellation_details: {
      ...(d.feedback !== undefined ? { feedback: d.feedback } : {}),
      ...(d.comment !== undefined ? { comment: d.comment } : {}),
    },
  };
}

export class SubscriptionCalls {
  constructor(private readonly caller: StripeCaller) {}

  retrieve(id: string, expand: readonly SubscriptionExpansion[] = []): Promise<Stripe.Subscription> {
    const params = expandOf(expand);
    return this.caller.read(
      { key: readKey('subscriptions.retrieve', id, params), tags: [] },
      (options) => this.caller.stripe.subscriptions.retrieve(id, params, options),
      'subscription',
    );
  }

  list(request: SubscriptionListRequest): Promise<Page<Stripe.Subscription>> {
    const params: Stripe.SubscriptionListParams = {
      ...page(request),
      ...(request.customer !== undefined ? { customer: request.customer } : {}),
      ...(request.status !== undefined ? { status: request.status } : {}),
      ...(request.price !== undefined ? { price: request.price } : {}),
      ...expandOf(request.expand ?? [], 'data.'),
    };
    return this.caller.read({ key: readKey('subscriptions.list', params), tags: listTags('subscription', request.customer) }, async (options) =>
      toPage(await this.caller.stripe.subscriptions.list(params, options)),
    );
  }

  /** Cancels now (`DELETE /v1/subscriptions/:id`): the subscription ends at once. */
  async cancelNow(
    id: string,
    request: CancellationDetails & { invoiceNow?: boolean | undefined; prorate?: boolean | undefined },
    options: WriteOptions = {},
  ): Promise<Stripe.Subscription> {
    const params: Stripe.SubscriptionCancelParams = {
      ...details(request),
      ...(request.invoiceNow !== undefined ? { invoice_now: request.invoiceNow } : {}),
      ...(request.prorate !== undefined ? { prorate: request.prorate } : {}),
      ...expandOf(options.expand ?? []),
    };
    const idempotencyKey = writeKey(options.idempotencyKey);
    return this.caller.wrote(
      await this.caller.call((o) => this.caller.stripe.subscriptions.cancel(id, params, { ...o, idempotencyKey })),
      subscriptionWritten,
    );
  }

  /**
   * Changes when the subscription ends: `cancelAtPeriodEnd: true` cancels it at the end of the period (it stays
   * active until then), `false` undoes that; `clearCancelAt` drops a cancellation set for a date.
   */
  async updateCancellation(
    id: string,
    request: CancellationDetails & { cancelAtPeriodEnd?: boolean | undefined; clearCancelAt?: boolean | undefined },
    options: WriteOptions = {},
  ): Promise<Stripe.Subscription> {
    const params: Stripe.SubscriptionUpdateParams = {
      ...(request.cancelAtPeriodEnd !== undefined ? { cancel_at_period_end: request.cancelAtPeriodEnd } : {}),
      ...(request.clearCancelAt ? { cancel_at: '' } : {}),
      ...details(request),
      ...expandOf(options.expand ?? []),
    };
    const idempotencyKey = writeKey(options.idempotencyKey);
    return this.caller.wrote(
      await this.caller.call((o) => this.caller.stripe.subscriptions.update(id, params, { ...o, idempotencyKey })),
      subscriptionWritten,
    );
  }

  /** Resumes a paused subscription (`POST /v1/subscriptions/:id/resume`). */
  async resume(id: string, options: WriteOptions = {}): Promise<Stripe.Subscription> {
    const params: Stripe.SubscriptionResumeParams = { ...expandOf(options.expand ?? []) };
    const idempotencyKey = writeKey(options.idempotencyKey);
    return this.caller.wrote(
      await this.caller.call((o) => this.caller.stripe.subscriptions.resume(id, params, { ...o, idempotencyKey })),
      subscriptionWritten,
    );
  }
}
