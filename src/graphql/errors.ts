/**
 * The schema's expected errors, by what went wrong: each a coded `GraphQLError` (`src/errors.ts`). Anything else
 * thrown in a resolver is unexpected and Yoga masks it as "Unexpected error." (`INTERNAL_SERVER_ERROR`).
 */
import { appError } from '../errors.js';

export const unauthenticated = (message = 'Authentication required: send a gateway API key or a customer token.') =>
  // A 401 must say how to authenticate (RFC 9110 §15.5.2); Yoga sets the status and header, and strips `http`.
  appError('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } });

export const forbidden = (message = 'You may not access this resource.') => appError('FORBIDDEN', message);

export const notFound = (message: string) => appError('NOT_FOUND', message);

export const badInput = (message: string, field?: string) =>
  appError('BAD_USER_INPUT', message, field === undefined ? {} : { field });
