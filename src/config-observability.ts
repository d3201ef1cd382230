/**
 * The settings of operating the gateway (issue 14): the Prometheus listener, the log's format, how a stop drains,
 * and OpenTelemetry tracing (`./config-tracing.ts`). Read from the environment object `src/config.ts` hands over
 * (only that module reads `process.env`).
 */
import { count, port, type Env } from './config-values.js';
import { tracingSettings, type TracingSettings } from './config-tracing.js';

export interface MetricsSettings {
  /** `METRICS_PORT`: the metrics listener's own port, on `HOST` (0: a free one, for tests). */
  port: number;
  /**
   * `METRICS_KEY`: when set, `/metrics` answers only `Authorization: Bearer <key>` (a scraper's credential); unset:
   * anyone who reaches the port (keep it off the internet, as the README says).
   */
  key: string | undefined;
}

/** `LOG_FORMAT`: `json` (one object a line, for machines) or `pretty` (colours and aligned fields, for humans). */
export type LogFormat = 'json' | 'pretty';

export interface ObservabilitySettings {
  /** Unset `METRICS_PORT`: no metrics listener at all. */
  metrics: MetricsSettings | undefined;
  /** `LOG_FORMAT`; default `json`. */
  logFormat: LogFormat;
  /**
   * `DRAIN_DELAY_SECONDS`: after SIGTERM, how long `/ready` answers 503 while the gateway still serves, so that load
   * balancers stop sending before it closes. Default 5 in production, else 0.
   */
  drainDelayMs: number;
  /** OpenTelemetry tracing; undefined when not configured (then nothing of it is even loaded). */
  tracing: TracingSettings | undefined;
}

export function observabilitySettings(env: Env, problems: string[], context: { production: boolean; publicPort: number }): ObservabilitySettings {
  const rawPort = env['METRICS_PORT'];
  let metrics: MetricsSettings | undefined;
  if (rawPort !== undefined && rawPort !== '') {
    const metricsPort = port(env, 'METRICS_PORT', 0, problems);
    if (metricsPort !== 0 && metricsPort === context.publicPort) {
      problems.push(`METRICS_PORT must differ from PORT (${context.publicPort}): metrics are never served on the public port`);
    }
    const key = env['METRICS_KEY'] || undefined;
    if (key !== undefined && key.length < 16) problems.push('METRICS_KEY must be at least 16 characters');
    metrics = { port: metricsPort, key };
  }
  const rawFormat = env['LOG_FORMAT'] || 'json';
  if (rawFormat !== 'json' && rawFormat !== 'pretty') problems.push(`LOG_FORMAT must be json or pretty, got '${rawFormat}'`);
  return {
    metrics,
    logFormat: rawFormat === 'pretty' ? 'pretty' : 'json',
    drainDelayMs: count(env, 'DRAIN_DELAY_SECONDS', context.production ? 5 : 0, problems, 0) * 1000,
    tracing: tracingSettings(env, problems, { production: context.production }),
  };
}
