/**
 * The typed client in tests: in-process over `yoga.fetch` (the transport injected, nothing mocked), or over real
 * HTTP against the gateway on port 0. `recording` keeps the bodies the client sent, to assert what went on the wire.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBillingClient, type BillingClient, type BillingClientOptions, type FetchLike } from '../../src/client/index.js';
import type { Gateway } from '../../src/http/server.js';

export const GRAPHQL_URL = 'http://gateway.test/graphql';

/** `yoga.fetch` as the client's transport: the whole gateway in-process, no socket. */
export const inProcess =
  (yoga: Gateway): FetchLike =>
  (input, init) =>
    yoga.fetch(input, init);

/** A transport that delegates to `next` and keeps each request body the client sent (parsed). */
export function recording(next: FetchLike): { fetch: FetchLike; bodies: Array<Record<string, unknown>> } {
  const bodies: Array<Record<string, unknown>> = [];
  return {
    bodies,
    fetch: (input, init) => {
      bodies.push(JSON.parse(String(init.body)) as Record<string, unknown>);
      return next(input, init);
    },
  };
}

/** A client of `yoga` in-process, as the holder of `token` (none: anonymous). */
export function clientOf(yoga: Gateway, token: string | undefined, options: Partial<BillingClientOptions> = {}): BillingClient {
  return createBillingClient({ url: GRAPHQL_URL, token, fetch: inProcess(yoga), ...options });
}

/** The gateway on a real socket (port 0), as `app.ts` serves it. */
export async function listenOnPort0(yoga: Gateway): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => void yoga(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a rejected promise rejected with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail, but it succeeded');
}
