/**
 * Assertions for gateway tests: run a document and capture both what the caller got and what reached Stripe;
 * fail with the GraphQL errors (or the Stripe calls) in the message, so a red test says why.
 */
import type { LoggedRequest } from '../../src/local-stripe/index.js';
import { describeCall, type Caller, type GatewayHarness, type GraphQLResponse } from './gateway.js';

export interface Run<T> {
  res: GraphQLResponse<T>;
  /** The Stripe requests made while the document ran, oldest first. */
  calls: LoggedRequest[];
  /** `calls` in the compact `describeCall` form, e.g. `GET /v1/invoices?limit=20 expand=data.customer`. */
  described: string[];
}

export async function run<T = Record<string, any>>(
  h: GatewayHarness,
  query: string,
  variables: Record<string, unknown> = {},
  as: Caller = 'admin',
): Promise<Run<T>> {
  let res: GraphQLResponse<T> | undefined;
  const calls = await h.stripeCalls(async () => {
    res = await h.gql<T>(query, variables, as);
  });
  return { res: res as GraphQLResponse<T>, calls, described: calls.map(describeCall) };
}

/** The result's data, or a failure that prints the errors. */
export function dataOf<T>(res: GraphQLResponse<T>): T {
  if (res.errors !== undefined && res.errors.length > 0) {
    throw new Error(`expected no GraphQL errors, got:\n${JSON.stringify(res.errors, null, 2)}`);
  }
  if (res.data == null) throw new Error(`expected data, got ${JSON.stringify(res)}`);
  return res.data;
}

/** The error codes of a result, in order (`[]` when none). */
export function codesOf(res: GraphQLResponse<unknown>): unknown[] {
  return (res.errors ?? []).map((e) => e.extensions?.code);
}

/** Runs `query` and expects exactly one error with `code`; returns the run for further checks. */
export async function expectError<T = Record<string, any>>(
  h: GatewayHarness,
  code: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: Caller = 'admin',
): Promise<Run<T>> {
  const result = await run<T>(h, query, variables, as);
  const codes = codesOf(result.res);
  if (codes.length !== 1 || codes[0] !== code) {
    throw new Error(
      `expected one ${code} error, got ${JSON.stringify(result.res.errors ?? null)} with data ${JSON.stringify(result.res.data)}` +
        ` (Stripe calls: ${JSON.stringify(result.described)})`,
    );
  }
  return result;
}
