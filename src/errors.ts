/**
 * The contract's error codes (`extensions.code`) and the one way to make an expected error: a `GraphQLError` with
 * a code. Everything else thrown while answering is unexpected, and Yoga masks it as "Unexpected error."
 * (`INTERNAL_SERVER_ERROR`). A leaf module: the HTTP edge, the schema, auth and the Stripe layer all use it.
 */
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'RATE_LIMITED'
  | 'UPSTREAM_UNAVAILABLE';

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}
