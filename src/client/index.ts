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
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';

export * from './generated/graphql.js';
export type { TypedDocumentNode };

/** The transport: `fetch`'s shape, called with the endpoint URL and a POST init. May answer synchronously. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response> | Response;

/** The caller's credential: a customer JWT or a gateway API key, or a function that returns the current one. */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

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

/** One GraphQL error as the gateway returns it; `extensions.code` is one of the contract's codes. */
export interface BillingGraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: { code?: string; [key: string]: unknown };
}

/**
 * Why a request failed: `graphql` (the gateway answered with GraphQL errors), `http` (an answer that is not a
 * GraphQL response, e.g. a proxy's 502), `network` (no answer at all: the cause is in `cause`).
 */
export type BillingClientErrorKind = 'graphql' | 'http' | 'network';

/** The one error the client throws. Carries the GraphQL errors and their codes, the HTTP status — never the token. */
export class BillingClientError extends Error {
  override readonly name = 'BillingClientError';
  readonly kind: BillingClientErrorKind;
  /** The HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** The GraphQL errors, as returned (empty unless `kind` is `graphql`). */
  readonly errors: readonly BillingGraphQLError[];
  /** Partial data returned beside the errors, if any. */
  readonly data: unknown;
  readonly operationName: string | undefined;

  constructor(
    message: string,
    details: {
      kind: BillingClientErrorKind;
      status: number;
      errors?: readonly BillingGraphQLError[];
      data?: unknown;
      operationName?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.kind = details.kind;
    this.status = details.status;
    this.errors = details.errors ?? [];
    this.data = details.data ?? null;
    this.operationName = details.operationName;
  }

  /** The errors' `extensions.code`s, in order (errors without one are skipped). */
  get codes(): string[] {
    return this.errors.flatMap((error) => (typeof error.extensions?.code === 'string' ? [error.extensions.code] : []));
  }

  /** The first error's code, e.g. `FORBIDDEN`; undefined for network and non-GraphQL HTTP failures. */
  get code(): string | undefined {
    return this.codes[0];
  }

  hasCode(code: string): boolean {
    return this.codes.includes(code);
  }
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
}

/** The trusted-document id codegen embedded in a generated document (`sha256:<hex>`), if any. */
export function documentIdOf(document: DocumentNode): string | undefined {
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  return typeof meta?.hash === 'string' ? meta.hash : undefined;
}

const printed = new WeakMap<DocumentNode, string>();
function queryOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

function operationNameOf(document: DocumentNode): string | undefined {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return operation?.name?.value;
}

async function tokenOf(source: TokenSource | undefined): Promise<string | undefined> {
  const token = typeof source === 'function' ? await source() : source;
  return token === null || token === undefined || token === '' ? undefined : token;
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

const summary = (errors: readonly BillingGraphQLError[]) =>
  errors.map((e) => (typeof e.extensions?.code === 'string' ? `${e.extensions.code}: ${e.message}` : e.message)).join('; ');

export function createBillingClient(options: BillingClientOptions): BillingClient {
  const url = String(options.url);
  const transport: FetchLike =
    options.fetch ??
    ((input, init) => {
      if (typeof globalThis.fetch !== 'function') throw new Error('no global fetch: pass `fetch` to createBillingClient');
      return globalThis.fetch(input, init);
    });

  async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables, requestOptions]: RequestArgs<TVariables>
  ): Promise<TData> {
    const operationName = operationNameOf(document);
    const documentId = (requestOptions?.persisted ?? options.persisted ?? false) ? documentIdOf(document) : undefined;
    const body = {
      ...(documentId !== undefined ? { documentId } : { query: queryOf(document) }),
      ...(operationName !== undefined ? { operationName } : {}),
      ...(variables !== undefined ? { variables } : {}),
    };
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

  return { request };
}
