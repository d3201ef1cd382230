/**
 * The metrics listener: a plain node:http server of its own on `HOST:METRICS_PORT`, never the public port, so that
 * a scrape is not reachable by whoever reaches the API (a firewall or a Kubernetes NetworkPolicy keeps the port
 * for Prometheus), and no request to it passes the gateway's plugins, limits or logs.
 *
 * `GET /metrics` (and `HEAD`) only; any other path is 404, another method 405. With `METRICS_KEY`, a scrape needs
 * `Authorization: Bearer <key>` (Prometheus's `authorization: { credentials: … }`), else 401; the key is compared in
 * constant time (both sides hashed first, so that neither its length nor its bytes leak through timing) and never
 * written anywhere.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSettings } from '../config-observability.js';
import { originFor } from '../http/listen.js';
import type { Logger } from './log.js';
import type { GatewayMetrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

export interface MetricsListener {
  /** `http://HOST:port/metrics`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether the request carries `Bearer <key>`, compared in constant time. */
export function bearerMatches(header: string | undefined, key: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Hashed even when absent, so that a request without the header costs what one with a wrong key costs.
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(key)) && match !== null;
}

function answer(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(`${text}\n`);
}

async function handle(metrics: GatewayMetrics, key: string | undefined, request: IncomingMessage, response: ServerResponse, logger?: Logger) {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path !== METRICS_PATH) return answer(response, 404, 'Not found: metrics are at /metrics');
  if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'Method not allowed', { allow: 'GET, HEAD' });
  if (key !== undefined && !bearerMatches(request.headers.authorization, key)) {
    return answer(response, 401, 'Unauthorized: send Authorization: Bearer <METRICS_KEY>', { 'www-authenticate': 'Bearer realm="metrics"' });
  }
  try {
    const { contentType, body } = await metrics.scrape();
    response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    logger?.error('metrics: the scrape failed', { error });
    answer(response, 500, 'The scrape failed');
  }
}

/** Listens on `host:settings.port` (0: a free port) and serves the scrape. */
export async function startMetricsListener(metrics: GatewayMetrics, settings: MetricsSettings, host: string, logger?: Logger): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => void handle(metrics, settings.key, request, response, logger));
  // A scrape is one short request: nothing to hold a socket open for.
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `cannot listen for metrics on ${host}:${settings.port}: the port is in use (set METRICS_PORT to another port)`
            : `cannot listen for metrics on ${host}:${settings.port}: ${error.message}`,
        ),
      ),
    );
    server.listen(settings.port, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `${originFor(host, port)}${METRICS_PATH}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
