/**
 * A CLIENT span for every HTTP request the Stripe SDK sends (its retries one by one, as Stripe counts them), from the
 * foundation's tap on the SDK's HTTP client (`src/stripe/budget-http.ts`).
 *
 * The tap is called inside the async context of the resolver that caused the call (the loaders, the limiter and the
 * SDK all keep it), so the active span there is the request's own: the Stripe span becomes its child with no
 * plumbing. Attributes follow OpenTelemetry's HTTP client conventions with the endpoint templated (`{id}`): the path
 * as sent carries object ids and, for searches, e-mail addresses, so it is never recorded; neither is any header.
 */
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { StripeHttpTap } from '../stripe/budget-http.js';

/** `ECONNREFUSED`, `ETIMEDOUT`, or the error's class: what failed, without a message that might quote anything. */
function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}

export function stripeSpans(tracer: Tracer): StripeHttpTap {
  return {
    sent(request) {
      const template = request.endpoint.slice(request.endpoint.indexOf(' ') + 1);
      const span = tracer.startSpan(
        request.endpoint,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': request.method,
            'url.template': template,
            'server.address': request.host,
            'server.port': request.port,
            'stripe.endpoint': request.endpoint,
            'stripe.budget': request.kind,
          },
        },
        context.active(),
      );
      return (outcome) => {
        if (outcome.status !== undefined) span.setAttribute('http.response.status_code', outcome.status);
        if (outcome.requestId !== undefined) span.setAttribute('stripe.request_id', outcome.requestId);
        // A client span fails on any 4xx or 5xx, or when no answer came (OpenTelemetry's HTTP conventions).
        const failure = outcome.status === undefined ? errorType(outcome.error) : outcome.status >= 400 ? String(outcome.status) : undefined;
        if (failure !== undefined) {
          span.setAttribute('error.type', failure);
          span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
        }
        span.end();
      };
    },
    refused(request, refusal) {
      // Nothing was sent, so no client span: the request's span says that the budget held this call back.
      trace.getActiveSpan()?.addEvent('stripe.budget_refused', {
        'stripe.endpoint': request.endpoint,
        'stripe.budget': refusal.kind,
        'stripe.retry_after_ms': Math.round(refusal.retryAfterMs),
      });
    },
  };
}
