/**
 * Yoga's own request codes mapped onto the contract's, messages bounded in length, and (in production) suggestions
 * removed from messages.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The longest error message an answer carries. */
export const MAX_ERROR_MESSAGE_LENGTH = 500;
const ELISION = ' … ';

/**
 * A message cut to `max` characters by eliding its middle: graphql-js's messages say what (the variable, the
 * argument) at the start and why at the end, and put the caller's value — which may be anything up to the body
 * limit — in between.
 */
export function boundedMessage(message: string, max = MAX_ERROR_MESSAGE_LENGTH): string {
  if (message.length <= max) return message;
  const head = Math.ceil((max - ELISION.length) * 0.4);
  const tail = max - ELISION.length - head;
  return `${message.slice(0, head)}${ELISION}${message.slice(message.length - tail)}`;
}

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

/** `error` with another message: the same error where it allows (graphql-jit's errors' messages are read-only). */
function withMessage(error: GraphQLError, message: string): GraphQLError {
  if (Object.getOwnPropertyDescriptor(error, 'message')?.writable !== false) {
    error.message = message;
    return error;
  }
  const { nodes, source, positions, path, originalError, extensions } = error;
  return new GraphQLError(message, { nodes, source, positions, path, originalError, extensions });
}

/**
 * On the way out, every error: Yoga's request codes mapped onto the contract's, (in production) field, type and
 * enum-value suggestions removed from messages, so that a stranger cannot read the schema off error messages, and
 * every message bounded (`boundedMessage`): a message that echoes the caller's input never grows with it.
 */
export function useContractCodes(hideSuggestions: boolean): Plugin {
  const fix = (result: ExecutionResult) => {
    const requestError = !('data' in result) || result.data === undefined;
    const errors = (result.errors ?? []) as GraphQLError[];
    for (const [i, error] of errors.entries()) {
      contractCode(error);
      // A request error with no code is the caller's (variables that do not coerce: a list as an ID, null for an
      // ID!, an unknown input field or enum value); unexpected errors are already INTERNAL_SERVER_ERROR.
      if (requestError && (error.extensions as Record<string, unknown>)['code'] === undefined) {
        (error.extensions as Record<string, unknown>)['code'] = 'BAD_USER_INPUT';
      }
      let message = error.message;
      if (hideSuggestions && message.includes('Did you mean')) message = message.replace(SUGGESTION, '');
      message = boundedMessage(message);
      if (message !== error.message) errors[i] = withMessage(error, message);
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
