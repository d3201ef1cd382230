/**
 * The metrics as `startApp` wires them in, loaded with a dynamic `import()` only when `METRICS_PORT` is set: a
 * gateway without metrics loads neither prom-client nor what it pulls in (`@opentelemetry/api`, which its default
 * CPU metric reads), so that metrics off cost nothing. Only types are imported statically here.
 */
import type { Plugin } from 'graphql-yoga';
import type { MetricsSettings } from '../config-observability.js';
import type { StripeHttpTap } from '../stripe/budget-http.js';
import type { Logger } from './log.js';
import type { MetricsSources } from './metrics.js';
import type { MetricsListener } from './metrics-server.js';

export type { MetricsListener } from './metrics-server.js';

export interface AppMetrics {
  /** The Yoga plugin that counts GraphQL requests (`GatewayOptions.observers`). */
  plugin: Plugin;
  /** Counts every HTTP request to Stripe (`StripeHttpTaps.add`). */
  stripeTap: StripeHttpTap;
  /** What the app counts itself, read at each scrape. */
  watch(sources: MetricsSources): void;
  /** The listener on `host:settings.port`. */
  listen(settings: MetricsSettings, host: string, logger: Logger): Promise<MetricsListener>;
}

export async function loadMetrics(): Promise<AppMetrics> {
  const [{ GatewayMetrics }, { useMetrics }, { startMetricsListener }] = await Promise.all([
    import('./metrics.js'),
    import('./metrics-graphql.js'),
    import('./metrics-server.js'),
  ]);
  const metrics = new GatewayMetrics();
  return {
    plugin: useMetrics(metrics),
    stripeTap: metrics.stripeTap,
    watch: (sources) => metrics.watch(sources),
    listen: (settings, host, logger) => startMetricsListener(metrics, settings, host, logger),
  };
}
