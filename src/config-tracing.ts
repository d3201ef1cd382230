/**
 * OpenTelemetry tracing's settings, from the standard `OTEL_*` variables (the OpenTelemetry specification's names),
 * read from the environment object `src/config.ts` hands over.
 *
 * FOUNDATION: the tracing work completes this (endpoint, protocol, headers, service name, sampler); until then
 * tracing is never on.
 */
import type { Env } from './config-values.js';

export interface TracingSettings {
  /** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  endpoint: URL;
  /** `OTEL_SERVICE_NAME`; default `billing-gateway`. */
  serviceName: string;
}

export function tracingSettings(_env: Env, _problems: string[]): TracingSettings | undefined {
  return undefined;
}
