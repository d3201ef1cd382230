/**
 * OpenTelemetry tracing, loaded by `app.ts` with a dynamic `import()` only when `OTEL_*` configure it
 * (`src/config-tracing.ts`), so that a gateway without tracing loads none of OpenTelemetry.
 *
 * What it records, as one trace per request: the HTTP request (`./tracing-http.ts`, the caller's `traceparent` its
 * parent), the GraphQL operation (`@envelop/opentelemetry`: `./tracing-operations.ts`), the resolvers of interest (`./tracing-resolvers.ts`) and
 * a CLIENT span per Stripe HTTP request (`./tracing-stripe.ts`). Never variables, results, arguments or headers:
 * they carry customers' data and callers' credentials.
 *
 * Spans leave in batches over OTLP/HTTP (protobuf or JSON) to the configured endpoint, built here from the settings
 * alone: the exporter's own reading of `OTEL_*` is bypassed, so what `src/config.ts` checked is what is used. A stop
 * flushes what is still buffered. Export failures are logged (never the headers: they are among the logger's secrets).
 */
import { context, diag, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { createOtlpHttpExportDelegate, httpAgentFactoryFromOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { Plugin } from 'graphql-yoga';
import type { TracingSampler, TracingSettings } from '../config-tracing.js';
import type { StripeHttpTap } from '../stripe/budget-http.js';
import type { Logger } from './log.js';
import { requestSpans } from './tracing-http.js';
import { operationSpans } from './tracing-operations.js';
import { resolverSpans } from './tracing-resolvers.js';
import { stripeSpans } from './tracing-stripe.js';

export interface Tracing {
  /** Yoga plugins for `GatewayOptions.observers`: request, operation and resolver spans. */
  plugins: Plugin[];
  /** For `StripeHttpTaps.add`: a client span per Stripe HTTP request. */
  stripeTap: StripeHttpTap;
  /** Sends what is buffered now (tests; a stop does it too). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  stop(): Promise<void>;
}

export interface TracingOptions {
  logger: Logger;
  /** The GraphQL route the request spans are named after (`/graphql`). */
  route: string;
}

const TRACER_NAME = 'billing-gateway';

function samplerFor(setting: TracingSampler): Sampler {
  switch (setting.kind) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(setting.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(setting.ratio) });
  }
}

function exporterFor(settings: TracingSettings): SpanExporter {
  const json = settings.protocol === 'http/json';
  const headers = { ...settings.headers, 'Content-Type': json ? 'application/json' : 'application/x-protobuf' };
  const delegate = createOtlpHttpExportDelegate(
    {
      url: settings.endpoint.href,
      headers: () => Promise.resolve(headers),
      timeoutMillis: settings.timeoutMs,
      compression: settings.compression,
      concurrencyLimit: 30,
      agentFactory: httpAgentFactoryFromOptions({ keepAlive: true }),
      userAgent: TRACER_NAME,
    },
    json ? JsonTraceSerializer : ProtobufTraceSerializer,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase<ReadableSpan[]>(delegate);
}

/** OpenTelemetry's context lives in an AsyncLocalStorage, once per process (the API keeps one global). */
let contextManager: AsyncLocalStorageContextManager | undefined;

function ensureContextManager(): void {
  if (contextManager !== undefined) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (context.setGlobalContextManager(manager)) contextManager = manager;
  else manager.disable();
}

/** Routes OpenTelemetry's own complaints (an export that failed) to the gateway's log. */
function logDiagnostics(logger: Logger): void {
  const toLog = (message: string) => logger.error(`OpenTelemetry: ${message}`);
  const quiet = () => undefined;
  diag.setLogger({ error: toLog, warn: toLog, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

export function startTracing(settings: TracingSettings, options: TracingOptions): Tracing {
  ensureContextManager();
  logDiagnostics(options.logger);
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(settings.resourceAttributes)),
    sampler: samplerFor(settings.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter: exporterFor(settings) })],
  });
  const tracer: Tracer = provider.getTracer(TRACER_NAME);
  let stopped: Promise<void> | undefined;
  return {
    plugins: [requestSpans(tracer, options.route), operationSpans(provider, TRACER_NAME), resolverSpans(tracer)],
    stripeTap: stripeSpans(tracer),
    flush: () => provider.forceFlush(),
    stop: () => (stopped ??= provider.shutdown()),
  };
}
