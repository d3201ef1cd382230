/** Variables, checked before the compiled query runs. */
import { getOperationAST, getVariableValues } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Variables coerced by graphql-js before the compiled query runs: graphql-jit reports a variable that does not
 * coerce with an error class of its own, which Yoga would mask as INTERNAL_SERVER_ERROR. This keeps graphql-js's
 * errors (their messages and the scalars' codes) and answers them as a request error, before any resolver runs.
 */
export function coerceVariables(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions;
      if (definitions === undefined || definitions.length === 0) return;
      const coerced = getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 50 });
      if (coerced.errors === undefined) return;
      // A request error: HTTP 400 (Yoga reads `extensions.http` for the status and leaves it out of the body).
      for (const error of coerced.errors) (error.extensions as Record<string, unknown>)['http'] = { status: 400 };
      setResultAndStopExecution({ errors: coerced.errors });
    },
  };
}
