/**
 * Stripe errors, as the SDK throws them, mapped to the contract's codes. The SDK picks its error class by HTTP
 * status; so does this mapping. Problems with the gateway's own key or permissions are not the caller's fault
 * and are not the caller's business: they stay masked (INTERNAL_SERVER_ERROR) and are logged.
 *
 * Admins get Stripe's own words (and its request id, for support). Customers never do: Stripe's messages name
 * objects and say whose they are ("does not belong to the customer …", "No such subscription …"), so a customer
 * reading them could learn what exists among other customers' objects. A customer gets the gateway's words,
 * chosen by what the request named (Stripe's `param`), and one answer for "not yours" and "does not exist".
 */
import type { GraphQLError } from 'graphql';
import Stripe from 'stripe';
import { appError } from '../errors.js';

/** Who the mapped error is for, and what a call retrieved by id (`invoice`), for the customer's wording. */
export interface ErrorAudience {
  /** The caller is not an admin: Stripe's text never reaches it. */
  customer: boolean;
  /** The object a retrieve asked for by id (`GET /v1/invoices/:id` → `invoice`). */
  retrieved?: string | undefined;
}

/**
 * The one answer for an id a customer named that it may not use — not its own, or no such object, or (a portal
 * flow's) not one the portal can act on: the same code, words and field whichever it is.
 */
export function notYours(field: string, what: string): GraphQLError {
  return appError('FORBIDDEN', `No ${what} has this id.`, { field });
}

/** `notYours` for an object a customer asked for by id (`invoice(id:)`, `node(id:)`): "No invoice of yours …". */
export const notYoursById = (noun: string): GraphQLError => notYours('id', `${noun} of yours`);

/** The one answer for a paging cursor that is not one of this list's, whoever found out (the gateway or Stripe). */
export function notACursor(field: 'after' | 'before', extensions: Record<string, unknown> = {}): GraphQLError {
  return appError('BAD_USER_INPUT', `${field} is not a cursor of this list.`, { ...extensions, field });
}

/** A masked error keeps Stripe's request id for the error log (the caller sees only "Unexpected error."). */
function withRequestId(error: Error, cause: InstanceType<typeof Stripe.errors.StripeError>): Error {
  if (cause.requestId) Object.assign(error, { requestId: cause.requestId });
  return error;
}

const refused = (field: string, message: string) => appError('BAD_USER_INPUT', message, { field });
const camel = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const FLOW_SUBSCRIPTION = /^flow_data\[(subscription_cancel|subscription_pause|subscription_update|subscription_update_confirm)\]\[subscription\]$/;
const CONFIRM = 'flow.subscriptionUpdateConfirm';

/**
 * A customer's answer, by the Stripe parameter Stripe blamed, in the input's own terms (`flow_data[subscription_
 * cancel][subscription]` → `flow.subscriptionCancel.subscriptionId`). Whatever Stripe says about an id the customer
 * named — missing, someone else's, or in a state the portal cannot act on — the answer is the same.
 */
const CUSTOMER_ANSWERS: ReadonlyArray<[RegExp, (match: RegExpExecArray) => GraphQLError]> = [
  [FLOW_SUBSCRIPTION, (m) => notYours(`flow.${camel(m[1]!)}.subscriptionId`, 'subscription of yours that the portal can act on')],
  [/^flow_data\[subscription_update_confirm\]\[items\]\[(\d+)\]\[id\]$/, (m) => notYours(`${CONFIRM}.items.${m[1]}.id`, 'item of that subscription')],
  [/^flow_data\[subscription_update_confirm\]\[items\]\[(\d+)\]\[price\]$/, (m) => refused(`${CONFIRM}.items.${m[1]}.priceId`, 'The portal does not offer this price.')],
  [/^flow_data\[subscription_update_confirm\]\[items\]/, () => refused(`${CONFIRM}.items`, 'The portal cannot make this change to the subscription.')],
  [/^flow_data\[subscription_update_confirm\]\[discounts\]/, () => refused(`${CONFIRM}.discounts`, 'This discount cannot be applied here.')],
  [/^flow_data\[subscription_cancel\]\[retention\]/, () => refused('flow.subscriptionCancel.retentionCouponId', 'This coupon cannot be offered here.')],
  [/^flow_data\[after_completion\]/, () => refused('flow.afterCompletion', 'The portal cannot finish the flow this way.')],
  [/^flow_data/, () => refused('flow.type', 'The portal does not offer this flow.')],
  [/^subscription$/, () => notYours('subscriptionId', 'subscription of yours')],
  [/^customer$/, () => notYours('customerId', 'customer of yours')],
  [/^return_url$/, () => refused('returnUrl', 'Stripe did not accept this return URL.')],
  [/^locale$/, () => refused('locale', 'The portal does not offer this locale.')],
];

/** Settings only the operator chooses for customers (`PORTAL_CONFIGURATION_ID`, `PORTAL_ON_BEHALF_OF`). */
const OPERATOR_PARAMS: ReadonlySet<string> = new Set(['configuration', 'on_behalf_of']);

function forCustomer(error: InstanceType<typeof Stripe.errors.StripeInvalidRequestError>, retrieved: string | undefined): GraphQLError | Error {
  const param = error.param;
  if (param === 'starting_after' || param === 'ending_before') return notACursor(param === 'starting_after' ? 'after' : 'before');
  if (retrieved !== undefined && (param === undefined || param === 'id')) return notYoursById(retrieved);
  if (param !== undefined && OPERATOR_PARAMS.has(param)) {
    // A customer cannot name these: the operator's setting is wrong. Not the caller's fault, nor its business.
    return withRequestId(new Error(`Stripe refused the portal setting ${param} (${error.code ?? error.type}, request ${error.requestId ?? 'unknown'})`), error);
  }
  for (const [pattern, answer] of CUSTOMER_ANSWERS) {
    const match = param !== undefined ? pattern.exec(param) : null;
    if (match !== null) return answer(match);
  }
  return appError('BAD_USER_INPUT', 'Stripe did not accept this request.', param !== undefined ? { stripeParam: param } : {});
}

export function toAppError(error: unknown, audience: ErrorAudience = { customer: false }): GraphQLError | Error {
  if (!(error instanceof Stripe.errors.StripeError)) return error instanceof Error ? error : new Error(String(error));
  const support = error.requestId ? { stripeRequestId: error.requestId } : {};
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return appError('RATE_LIMITED', 'Stripe is rate limiting requests; try again shortly.', { ...support, retryAfterSeconds: 1 });
  }
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) {
    return appError('UPSTREAM_UNAVAILABLE', 'Stripe is unavailable right now; try again shortly.', support);
  }
  if (error instanceof Stripe.errors.StripeCardError) {
    // A payment the card refused (paying an invoice): the payer's own card, in Stripe's words for payers.
    return appError('BAD_USER_INPUT', error.message, {
      ...(audience.customer ? {} : support),
      reason: 'card_declined',
      ...(error.decline_code !== undefined ? { declineCode: error.decline_code } : {}),
    });
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    return appError('BAD_USER_INPUT', 'This idempotencyKey was already used with different input.', { ...support, field: 'idempotencyKey' });
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    if (audience.customer) return forCustomer(error, audience.retrieved);
    // A paging cursor Stripe does not know (`starting_after`/`ending_before`): the list exists, the caller's
    // `after`/`before` is wrong.
    if (error.param === 'starting_after' || error.param === 'ending_before') {
      return notACursor(error.param === 'starting_after' ? 'after' : 'before', support);
    }
    if (error.statusCode === 404 || error.code === 'resource_missing') {
      return appError('NOT_FOUND', error.message, support);
    }
    return appError('BAD_USER_INPUT', error.message, { ...support, ...(error.param ? { stripeParam: error.param } : {}) });
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    // The gateway's key is wrong or lacks a permission: an operator problem. The SDK's message names the
    // (redacted) key; none of it goes to the caller.
    return withRequestId(new Error(`Stripe refused the gateway's credentials (${error.type}, request ${error.requestId ?? 'unknown'})`), error);
  }
  return withRequestId(new Error(`Stripe error ${error.type} (${error.statusCode ?? 'no status'}, request ${error.requestId ?? 'unknown'})`), error);
}
