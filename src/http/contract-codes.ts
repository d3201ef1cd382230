/** Yoga's own request codes mapped onto the contract's, and (in production) suggestions removed from messages. */
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** Yoga's request-level codes → the contract's. */
function contractCode(error: GraphQLError): void {
  const extensions = error.extensions as Record<string, unknown>;
  const code = extensions['code'];
  if (code === 'BAD_REQUEST' || code === 'OPERATION_RESOLUTION_FAILURE') {
    extensions['code'] = 'BAD_USER_INPUT';
    // Yoga echoes the JSON parser's message, body excerpt included. Yoga also reads the extension to answer 400
    // rather than 200 to `application/json` clients, so it stays, but out of the response body.
    const original = extensions['originalError'];
    if (original !== undefined && Object.getOwnPropertyDescriptor(extensions, 'originalError')?.enumerable) {
      Object.defineProperty(extensions, 'originalError', { value: original, enumerable: false, configurable: true });
    }
  }
}

/**
 * On the way out, every error: Yoga's request codes mapped onto the contract's, and (in production) field, type and
 * enum-value suggestions removed from messages, so that a stranger cannot read the schema off error messages.
 */
export function useContractCodes(hideSuggestions: boolean): Plugin {
  const fix = (result: ExecutionResult) => {
    const requestError = !('data' in result) || result.data === undefined;
    for (const error of result.errors ?? []) {
      contractCode(error);
      // A request error with no code is the caller's (variables that do not coerce: a list as an ID, null for an
      // ID!, an unknown input field or enum value); unexpected errors are already INTERNAL_SERVER_ERROR.
      if (requestError && (error.extensions as Record<string, unknown>)['code'] === undefined) {
        (error.extensions as Record<string, unknown>)['code'] = 'BAD_USER_INPUT';
      }
      if (hideSuggestions && error.message.includes('Did you mean')) error.message = error.message.replace(SUGGESTION, '');
    }
  };
  return {
    onResponse({ response }) {
      // A body refused part-way is never read to its end: close the connection after the 413, or the client's next
      // request on it would wait behind the unread rest of this one.
      if (response.status === 413) response.headers.set('connection', 'close');
    },
    onResultProcess({ result }) {
      if (Array.isArray(result)) result.forEach(fix);
      else if (!(Symbol.asyncIterator in result)) fix(result as ExecutionResult);
    },
  };
}
