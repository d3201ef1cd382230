/**
 * The schema's expected errors, by what went wrong: each a coded `GraphQLError` (`src/errors.ts`). Anything else
 * thrown in a resolver is unexpected and Yoga masks it as "Unexpected error." (`INTERNAL_SERVER_ERROR`).
 */
import type { GraphQLError } from 'graphql';
import type { Rejection } from '../auth/viewer.js';
import { appError } from '../errors.js';

/** The protection space of RFC 9110 §11.6.1, named in every Bearer challenge. */
export const REALM = 'billing-gateway';

/** `error_description`s: "expired" when that is all that is wrong with the token; nothing more specific otherwise. */
const DESCRIPTIONS = { invalid_token: 'The access token is invalid', expired_token: 'The access token expired' } as const;

/** A 401 must say how to authenticate (RFC 9110 §15.5.2); Yoga sets the status and headers, and strips `http`. */
function challenge(message: string, reason?: keyof typeof DESCRIPTIONS): GraphQLError {
  // RFC 6750 has one error code for both: `invalid_token` is "expired, revoked, malformed, or invalid otherwise".
  const header =
    reason === undefined
      ? `Bearer realm="${REALM}"`
      : `Bearer realm="${REALM}", error="invalid_token", error_description="${DESCRIPTIONS[reason]}"`;
  return appError('UNAUTHENTICATED', message, {
    ...(reason !== undefined ? { reason } : {}),
    http: { status: 401, headers: { 'WWW-Authenticate': header } },
  });
}

/**
 * The refusal of a caller who is not signed in, by why not (RFC 6750 §3.1): no credentials — how to authenticate,
 * and no error code; credentials that failed — `error="invalid_token"`, and `extensions.reason` for GraphQL
 * clients (a browser cannot read `WWW-Authenticate` across origins), saying "expired" when that is all that is wrong
 * with the token, so that a client refreshes it rather than sign the user out, and nothing more otherwise.
 *
 * A token signed by the identity provider whose keys cannot be fetched was not found invalid: it could not be
 * checked. A 401 would tell the client to throw the token away and sign the user in again — every user of the app
 * at once, against a provider that is already failing — for a fault that is neither theirs nor their token's. It
 * is answered UPSTREAM_UNAVAILABLE (503, `Retry-After` the rest of the JWKS cool-down) instead: try the same token
 * again shortly. Nothing is granted either way; it fails closed.
 */
export function unauthenticated(rejected?: Rejection): GraphQLError {
  switch (rejected?.reason) {
    case undefined:
      return challenge('Authentication required: send a gateway API key or a customer token.');
    case 'expired_token':
      return challenge('The access token expired: get a new one and try again.', 'expired_token');
    case 'invalid_token':
      return challenge('The access token or key is not valid.', 'invalid_token');
    case 'keys_unavailable':
      return appError('UPSTREAM_UNAVAILABLE', 'Customer tokens cannot be checked right now (the identity provider is unavailable); try again shortly.', {
        retryAfterSeconds: rejected.retryAfterSeconds,
        http: { status: 503, headers: { 'Retry-After': String(rejected.retryAfterSeconds) } },
      });
  }
}

export const forbidden = (message = 'You may not access this resource.') => appError('FORBIDDEN', message);

export const notFound = (message: string) => appError('NOT_FOUND', message);

export const badInput = (message: string, field?: string) =>
  appError('BAD_USER_INPUT', message, field === undefined ? {} : { field });
