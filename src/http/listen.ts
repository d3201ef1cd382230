/**
 * The gateway's socket: the node:http server's defences (`serverOptions`), the requests in flight it tracks so that a
 * stop can drain them (`trackedServer`), listening with a message that says what to do when the port is taken, and
 * the origin a browser reaches it at.
 */
import { createServer, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpServerLimits } from '../config.js';

/**
 * The server's defences against slow and numerous clients. Node closes a request whose headers (`headersTimeout`)
 * or whole body (`requestTimeout`) have not arrived in time with a 408, but only looks every
 * `connectionsCheckingInterval` (30 s by default, so a 10 s timeout would be up to 40 s): a fifth of the shorter
 * timeout keeps the overshoot within 20 %. `maxConnections` closes connections past the cap as they arrive, so that
 * file descriptors and memory stay bounded whoever connects.
 */
export function serverOptions(limits: HttpServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 5)),
  };
}

export interface TrackedServer {
  server: Server;
  /** From now on requests go to `listener`; until then each gets a 503 (the socket opens before the gateway is built). */
  serve(listener: RequestListener): void;
  /**
   * Every answer from now on closes its connection, those in flight included: the caller's next request opens a new
   * one, which a load balancer sends elsewhere (closing idle keep-alive sockets instead would race with requests
   * already sent on them).
   */
  closeAfterAnswer(): void;
  /** Stops accepting, waits up to `drainMs` for the requests in flight, then closes every connection. */
  close(drainMs: number): Promise<void>;
}

/** A node:http server with `serverOptions` and `maxConnections`, tracking its requests in flight. */
export function trackedServer(limits: HttpServerLimits): TrackedServer {
  let listener: RequestListener | undefined;
  let closing = false;
  const inFlight = new Set<ServerResponse>();
  const server = createServer(serverOptions(limits), (request, response) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
    if (closing) response.setHeader('connection', 'close');
    if (listener !== undefined) listener(request, response);
    else response.writeHead(503, { 'retry-after': '1' }).end();
  });
  server.maxConnections = limits.maxConnections;
  return {
    server,
    serve(next) {
      listener = next;
    },
    closeAfterAnswer() {
      closing = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
    },
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + drainMs;
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      // Keep-alive sockets would otherwise hold the process open.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A browser-usable origin for the interface the server listens on (a wildcard becomes loopback). */
export function originFor(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** Listens on `host:port`; resolves with the bound port (`PORT=0`: the kernel's choice). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `cannot listen on ${host}:${port}: the port is in use (set PORT to another port, or PORT=0 for any free one)`
            : `cannot listen on ${host}:${port}: ${error.message}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
