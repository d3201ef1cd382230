/**
 * The log's view of Stripe, from the foundation's taps on every HTTP request the SDK sends (`src/stripe/budget-http.ts`,
 * retries one by one, as Stripe counts them): at `debug`, a line per request with its templated endpoint, status,
 * duration and Stripe's `Request-Id` — the id the GraphQL request's own `request` line lists in `stripeRequestIds`,
 * which ties the two together and finds the call in Stripe's dashboard; at `warn`, a request that got no answer at
 * all (Stripe unreachable, a timeout). Never the path as sent: ids and search terms (emails) stay out of the log.
 */
import type { StripeHttpTap } from '../stripe/budget-http.js';
import type { Logger } from './log.js';

export function stripeLogTap(logger: Logger): StripeHttpTap {
  return {
    sent(request) {
      return ({ status, requestId, durationMs, error }) => {
        const fields = {
          endpoint: request.endpoint,
          host: `${request.host}:${request.port}`,
          status: status ?? null,
          stripeRequestId: requestId ?? null,
          durationMs: Math.round(durationMs * 10) / 10,
        };
        if (status === undefined) logger.warn('Stripe request got no answer', { ...fields, error });
        else logger.debug('Stripe request', fields);
      };
    },
    refused(request, refusal) {
      logger.debug('Stripe request not sent: no budget token before its deadline', {
        endpoint: request.endpoint,
        kind: refusal.kind,
        retryAfterMs: Math.round(refusal.retryAfterMs),
      });
    },
  };
}
