/**
 * What the typed client's requests and subscriptions share: the transport and credential types, the one error type
 * (`BillingClientError`), and how a document goes on the wire (its text, or its trusted-document id). Browser-safe.
 */
import { print, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** The transport: `fetch`'s shape, called with the endpoint URL and a POST init. May answer synchronously. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response> | Response;

/** The caller's credential: a customer JWT or a gateway API key, or a function that returns the current one. */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

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

/** The trusted-document id codegen embedded in a generated document (`sha256:<hex>`), if any. */
export function documentIdOf(document: DocumentNode): string | undefined {
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  return typeof meta?.hash === 'string' ? meta.hash : undefined;
}

const printed = new WeakMap<DocumentNode, string>();
export function queryOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

export function operationNameOf(document: DocumentNode): string | undefined {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return operation?.name?.value;
}

export async function tokenOf(source: TokenSource | undefined): Promise<string | undefined> {
  const token = typeof source === 'function' ? await source() : source;
  return token === null || token === undefined || token === '' ? undefined : token;
}

/** The JSON body of a GraphQL request: the document's text, or its trusted-document id when `persisted`. */
export function requestBody(document: DocumentNode, variables: unknown, persisted: boolean): Record<string, unknown> {
  const operationName = operationNameOf(document);
  const documentId = persisted ? documentIdOf(document) : undefined;
  return {
    ...(documentId !== undefined ? { documentId } : { query: queryOf(document) }),
    ...(operationName !== undefined ? { operationName } : {}),
    ...(variables !== undefined ? { variables } : {}),
  };
}

/** The global `fetch`, unless a transport is given. */
export function transportOf(fetch: FetchLike | undefined): FetchLike {
  return (
    fetch ??
    ((input, init) => {
      if (typeof globalThis.fetch !== 'function') throw new Error('no global fetch: pass `fetch` to createBillingClient');
      return globalThis.fetch(input, init);
    })
  );
}

/** `CODE: message; …`, for an error's message. */
export const summary = (errors: readonly BillingGraphQLError[]) =>
  errors.map((e) => (typeof e.extensions?.code === 'string' ? `${e.extensions.code}: ${e.message}` : e.message)).join('; ');
