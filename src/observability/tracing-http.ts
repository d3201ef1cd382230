/**
 * The SERVER span of each GraphQL HTTP request, and the context everything below runs in.
 *
 * A caller's W3C `traceparent` (and `tracestate`) makes the request span a child of the caller's span, so that one
 * trace runs from the browser or the calling service through the gateway to Stripe. The whole of Yoga's handling of
 * the request runs inside the span's context (Yoga's `instrumentation.request` wraps it), so the operation span of
 * `@envelop/opentelemetry`, the resolver spans and the Stripe calls all find it as the active span.
 *
 * The answer carries a `traceresponse` header (W3C Trace Context level 2) naming the trace and the request's span, so
 * that whoever holds a slow answer can look its trace up. Attributes: the method, the route, the status and the
 * gateway's request id (as the request log writes it) — no header, no query string, no body.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Plugin } from 'graphql-yoga';
import { REQUEST_ID_HEADER } from '../http/request-log.js';

export const TRACE_RESPONSE_HEADER = 'traceresponse';

const fromHeaders: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

const propagator = new W3CTraceContextPropagator();

export function requestSpans(tracer: Tracer, route: string): Plugin {
  const spans = new WeakMap<Request, { span: Span; response?: Response }>();
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const parent = propagator.extract(ROOT_CONTEXT, request.headers, fromHeaders);
        const span = tracer.startSpan(
          `${request.method} ${route}`,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': route } },
          parent,
        );
        const entry: { span: Span; response?: Response } = { span };
        spans.set(request, entry);
        const finish = () => {
          const status = entry.response?.status;
          if (status !== undefined) {
            span.setAttribute('http.response.status_code', status);
            // A server span fails on a 5xx only: a 4xx is the caller's mistake, not the gateway's.
            if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(status) });
          }
          const requestId = entry.response?.headers.get(REQUEST_ID_HEADER);
          if (requestId) span.setAttribute('billing_gateway.request_id', requestId);
          span.end();
        };
        return context.with(trace.setSpan(parent, span), async () => {
          try {
            await wrapped();
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: 'unhandled' });
            throw error;
          } finally {
            finish();
          }
        });
      },
    },
    onResponse({ request, response }) {
      const entry = spans.get(request);
      if (entry === undefined) return;
      entry.response = response;
      const { traceId, spanId, traceFlags } = entry.span.spanContext();
      // The same form as `traceparent`: version, trace id, this span's id, flags (01: sampled).
      response.headers.set(TRACE_RESPONSE_HEADER, `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`);
    },
  };
}
