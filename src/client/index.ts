/**
 * The typed billing client: runs the generated documents (`./generated/graphql.ts`, one per operation in
 * `schema/operations/`) — or any other `TypedDocumentNode` — against the gateway, and returns typed `data` or throws
 * one error type, `BillingClientError`.
 *
 * Browser-safe: no `node:` modules, nothing read from the environment; `fetch` is the global one unless injected
 * (tests inject `yoga.fetch`, an in-process transport). With `persisted: true` a document that has a trusted-document
 * id (`__meta__.hash`, written by codegen into the generated documents and the manifest) is sent as `{ documentId }`
 * instead of its text, which is what the gateway requires of customers when trusted documents are enforced.
 *
 *   const client = createBillingClient({ url: '/graphql', token, persisted: true });
 *   const { viewer } = await client.request(ViewerDocument, { invoicesFirst: 5 });
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  BillingClientError,
  requestBody,
  summary,
  tokenOf,
  transportOf,
  type BillingGraphQLError,
  type FetchLike,
  type TokenSource,
} from './core.js';
import { subscribeOver, type LiveSubscription, type SubscribeArgs } from './subscribe.js';

export * from './generated/graphql.js';
export type { TypedDocumentNode };
export { BillingClientError, documentIdOf } from './core.js';
export type { BillingClientErrorKind, BillingGraphQLError, FetchLike, TokenSource } from './core.js';
export type { LiveSubscription, SubscribeOptions, SubscriptionEvent, SubscriptionHandlers } from './subscribe.js';

export interface BillingClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `https://billing.example.com/graphql` (or `/graphql` in a browser). */
  url: string | URL;
  /** Sent as `Authorization: Bearer <token>`; omitted when empty. Never included in errors. */
  token?: TokenSource | undefined;
  /** The transport; defaults to the global `fetch`. */
  fetch?: FetchLike | undefined;
  /**
   * Send documents by trusted-document id (`{ documentId }`) instead of their text, when they have one (the
   * generated documents all do). Default false.
   */
  persisted?: boolean | undefined;
  /** Extra headers on every request (never `authorization`: use `token`). */
  headers?: Readonly<Record<string, string>> | undefined;
}

/** Per-request overrides. */
export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the client's `persisted` for this request. */
  persisted?: boolean | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

/** Variables are required when the operation has a required variable, optional otherwise. */
export type RequestArgs<TVariables> =
  Record<string, never> extends TVariables
    ? [variables?: TVariables, options?: RequestOptions]
    : [variables: TVariables, options?: RequestOptions];

export interface BillingClient {
  /** Runs `document`; resolves with its typed data, or rejects with a `BillingClientError`. */
  request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: RequestArgs<TVariables>
  ): Promise<TData>;
  /**
   * Opens a subscription (`subscription …` documents) over Server-Sent Events: `handlers.next` gets each payload.
   * It reconnects by itself (resuming with `Last-Event-ID`) until `options.signal` aborts or `close()` is called, or
   * the gateway refuses it for good (`handlers.error`). See `./subscribe.ts`.
   */
  subscribe<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: SubscribeArgs<TData, TVariables>
  ): LiveSubscription;
}

interface GraphQLResponseBody {
  data?: unknown;
  errors?: BillingGraphQLError[];
}

function isResponseBody(value: unknown): value is GraphQLResponseBody {
  if (value === null || typeof value !== 'object') return false;
  const body = value as Record<string, unknown>;
  return 'data' in body || Array.isArray(body['errors']);
}

export function createBillingClient(options: BillingClientOptions): BillingClient {
  const url = String(options.url);
  const transport: FetchLike = transportOf(options.fetch);

  async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables, requestOptions]: RequestArgs<TVariables>
  ): Promise<TData> {
    const body = requestBody(document, variables, requestOptions?.persisted ?? options.persisted ?? false);
    const operationName = body['operationName'] as string | undefined;
    const token = await tokenOf(options.token);
    const headers: Record<string, string> = {
      ...options.headers,
      ...requestOptions?.headers,
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    };
    const what = operationName ?? 'operation';

    let response: Response;
    try {
      response = await transport(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        ...(requestOptions?.signal !== undefined ? { signal: requestOptions.signal } : {}),
      });
    } catch (cause) {
      // The cause is the transport's own error (a refused connection, an abort); it never holds our headers.
      throw new BillingClientError(`${what}: the gateway could not be reached`, { kind: 'network', status: 0, operationName, cause });
    }

    let parsed: unknown;
    const text = await response.text().catch(() => '');
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isResponseBody(parsed)) {
      throw new BillingClientError(`${what}: HTTP ${response.status} from the gateway, not a GraphQL response`, {
        kind: 'http',
        status: response.status,
        operationName,
      });
    }
    const errors = parsed.errors ?? [];
    if (errors.length > 0) {
      throw new BillingClientError(`${what} failed: ${summary(errors)}`, {
        kind: 'graphql',
        status: response.status,
        errors,
        data: parsed.data,
        operationName,
      });
    }
    if (parsed.data === null || parsed.data === undefined || !response.ok) {
      throw new BillingClientError(`${what}: HTTP ${response.status} with no data`, { kind: 'http', status: response.status, operationName });
    }
    return parsed.data as TData;
  }

  return {
    request,
    subscribe: (document, ...[variables, handlers, subscribeOptions]) =>
      subscribeOver(options, transport, document, variables, handlers, subscribeOptions),
  };
}
