/**
 * `npm run bench -- --observability all` (or any of `metrics,traces,logs`): the gateway as an operator runs it with
 * those on, so that the tables say what each costs — metrics (`METRICS_PORT`: the prom-client plugin and the Stripe
 * tap on every call), traces (`OTEL_EXPORTER_OTLP_ENDPOINT`: a span per request, operation, loading resolver and
 * Stripe call, exported in batches) and the per-request log line (`LOG_LEVEL=info`, JSON on stdout, which the bench
 * drains).
 *
 * The spans go to a sink in the bench's own process (the load generator's core, not the gateway's) that answers
 * every export as an OTLP/HTTP receiver does — 200 and an empty `ExportTraceServiceResponse` — and counts what came,
 * so that the run shows the traces really left the gateway.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const OBSERVABILITY_PARTS = ['metrics', 'traces', 'logs'] as const;
export type ObservabilityPart = (typeof OBSERVABILITY_PARTS)[number];

/** `all`, or a comma-separated list of parts. */
export function observabilityParts(value: string): ObservabilityPart[] {
  if (value === 'all') return [...OBSERVABILITY_PARTS];
  const parts = value.split(',').map((part) => part.trim());
  for (const part of parts) {
    if (!(OBSERVABILITY_PARTS as readonly string[]).includes(part)) {
      throw new Error(`--observability takes all or a list of ${OBSERVABILITY_PARTS.join(', ')}; got '${part}'`);
    }
  }
  return parts as ObservabilityPart[];
}

export interface Observed {
  /** What the gateway needs to be observed as in production. */
  env: Record<string, string>;
  /** With traces: the exports received so far and their bytes (OTLP protobuf, as the exporter sends it). */
  traces(): { exports: number; bytes: number } | undefined;
  close(): Promise<void>;
}

/** The settings of `parts`, and with `traces` the sink the spans go to. */
export async function startObservability(parts: readonly ObservabilityPart[]): Promise<Observed> {
  const env: Record<string, string> = {};
  if (parts.includes('metrics')) Object.assign(env, { METRICS_PORT: '0', METRICS_KEY: 'bench-metrics-key-0123456789abcdef' });
  if (parts.includes('logs')) env['LOG_LEVEL'] = 'info';
  if (!parts.includes('traces')) return { env, traces: () => undefined, close: async () => undefined };

  let exports = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') exports += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'billing-gateway-bench' });
  return {
    env,
    traces: () => ({ exports, bytes }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
