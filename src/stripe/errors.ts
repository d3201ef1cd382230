/**
 * Stripe errors, as the SDK throws them, mapped to the contract's codes. The SDK picks its error class by HTTP
 * status; so does this mapping. Problems with the gateway's own key or permissions are not the caller's fault
 * and are not the caller's business: they stay masked (INTERNAL_SERVER_ERROR) and are logged.
 */
import type { GraphQLError } from 'graphql';
import Stripe from 'stripe';
import { appError } from '../errors.js';

/** A masked error keeps Stripe's request id for the error log (the caller sees only "Unexpected error."). */
function withRequestId(error: Error, cause: InstanceType<typeof Stripe.errors.StripeError>): Error {
  if (cause.requestId) Object.assign(error, { requestId: cause.requestId });
  return error;
}

export function toAppError(error: unknown): GraphQLError | Error {
  if (!(error instanceof Stripe.errors.StripeError)) return error instanceof Error ? error : new Error(String(error));
  const support = error.requestId ? { stripeRequestId: error.requestId } : {};
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return appError('RATE_LIMITED', 'Stripe is rate limiting requests; try again shortly.', { ...support, retryAfterSeconds: 1 });
  }
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) {
    return appError('UPSTREAM_UNAVAILABLE', 'Stripe is unavailable right now; try again shortly.', support);
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    return appError('BAD_USER_INPUT', 'This idempotencyKey was already used with different input.', { ...support, field: 'idempotencyKey' });
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    // A paging cursor Stripe does not know (`starting_after`/`ending_before`): the list exists, the caller's
    // `after`/`before` is wrong.
    if (error.param === 'starting_after' || error.param === 'ending_before') {
      const field = error.param === 'starting_after' ? 'after' : 'before';
      return appError('BAD_USER_INPUT', `${field} is not a cursor of this list.`, { ...support, field });
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
