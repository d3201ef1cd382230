/**
 * Helpers for the hardening suites: raw requests to a gateway (in-process with `yoga.fetch`, or over a real socket
 * on port 0), each with the Stripe calls it caused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { LoggedRequest } from '../../src/local-stripe/index.js';
import type { Gateway } from '../../src/http/server.js';
import { ADMIN_KEY, type GatewayHarness } from '../support/gateway.js';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, any> }> } | undefined;
  calls: LoggedRequest[];
}

export const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/** Sends `init` to `url` through `yoga` (default the harness's), recording the Stripe calls it caused. */
export async function send(h: GatewayHarness, init: RequestInit & { url?: string }, yoga: Gateway = h.yoga): Promise<Answer> {
  let response!: Response;
  const calls = await h.stripeCalls(async () => {
    response = await yoga.fetch(init.url ?? 'http://gateway.test/graphql', init);
  });
  const text = await response.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body, calls };
}

/** A JSON POST of `payload` (a document, or anything), as an admin unless `authorization` says otherwise. */
export function postJson(
  h: GatewayHarness,
  payload: unknown,
  options: { authorization?: string | null; headers?: Record<string, string>; yoga?: Gateway } = {},
): Promise<Answer> {
  const authorization = options.authorization === undefined ? `Bearer ${ADMIN_KEY}` : options.authorization;
  return send(
    h,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: GRAPHQL_RESPONSE,
        ...(authorization !== null ? { authorization } : {}),
        ...options.headers,
      },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    },
    options.yoga,
  );
}

/** Asserts a refusal: the status, every error's code (and limit), no data, and no Stripe call. */
export function expectRefused(answer: Answer, status: number, code: string, limit?: string): void {
  const context = `HTTP ${answer.status}: ${answer.text.slice(0, 500)}`;
  expect(answer.status, context).toBe(status);
  expect(answer.body, context).toBeDefined();
  expect(answer.body!.data ?? undefined, context).toBeUndefined();
  const errors = answer.body!.errors ?? [];
  expect(errors.length, context).toBeGreaterThan(0);
  expect(errors[0]!.extensions?.['code'], context).toBe(code);
  if (limit !== undefined) expect(errors[0]!.extensions?.['limit'], context).toBe(limit);
  expect(answer.calls, context).toEqual([]);
}

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves `yoga` over real HTTP on a free port. */
export async function listen(yoga: Gateway): Promise<Listening> {
  const server = createServer((request, response) => void yoga(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
