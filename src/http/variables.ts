/**
 * Variables: bounded on the raw JSON (`useVariableLimits`), then coerced by graphql-js (`coerceVariables`), both
 * before the compiled query runs.
 */
import { getOperationAST, getVariableValues } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AbuseLimits } from '../config.js';
import { limitError } from './limits.js';

type VariableLimits = Pick<AbuseLimits, 'maxVariableValues' | 'maxVariableDepth' | 'maxVariableStringLength'>;

/** Which bound a request's variables broke (`extensions.measure`), and that bound. */
export interface VariablesOverLimit {
  measure: 'values' | 'depth' | 'stringLength';
  max: number;
}

/**
 * The first bound the variables break, or undefined: more object entries and list items than `maxVariableValues`
 * in all (the variables themselves included), objects and lists nested deeper than `maxVariableDepth` in a
 * variable's value, or a string (an object key too) longer than `maxVariableStringLength`. The walk stops at the
 * first value too many or too deep, so it costs at most `maxVariableValues` steps whatever the caller sent.
 */
export function variablesOverLimit(variables: unknown, limits: VariableLimits): VariablesOverLimit | undefined {
  const { maxVariableValues, maxVariableDepth, maxVariableStringLength } = limits;
  let values = 0;
  const tooLong = (text: string) => text.length > maxVariableStringLength;
  const item = (key: string | undefined, value: unknown, depth: number): VariablesOverLimit | undefined => {
    if (++values > maxVariableValues) return { measure: 'values', max: maxVariableValues };
    if (key !== undefined && tooLong(key)) return { measure: 'stringLength', max: maxVariableStringLength };
    return walk(value, depth);
  };
  // `depth`: how many objects and lists enclose `value` within its variable (the variables object itself is -1).
  const walk = (value: unknown, depth: number): VariablesOverLimit | undefined => {
    if (typeof value === 'string') return tooLong(value) ? { measure: 'stringLength', max: maxVariableStringLength } : undefined;
    if (value === null || typeof value !== 'object') return undefined;
    if (depth >= maxVariableDepth) return { measure: 'depth', max: maxVariableDepth };
    let found: VariablesOverLimit | undefined;
    if (Array.isArray(value)) {
      for (const element of value as unknown[]) if ((found = item(undefined, element, depth + 1)) !== undefined) return found;
    } else {
      for (const key in value) {
        if (Object.hasOwn(value, key) && (found = item(key, (value as Record<string, unknown>)[key], depth + 1)) !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(variables, -1);
}

const MEASURES: Record<VariablesOverLimit['measure'], (max: number) => string> = {
  values: (max) => `Variables too large: more than ${max} values (object entries and list items) in all.`,
  depth: (max) => `Variables nested too deep: more than ${max} levels of objects and lists.`,
  stringLength: (max) => `A string in the variables is too long: more than ${max} characters.`,
};

/**
 * Refuses variables over the limits before anything reads them (the cost, coercion, a resolver): BAD_USER_INPUT,
 * `extensions.limit: 'variables'`, HTTP 400, one error that repeats nothing of the input. Coercing an input object
 * of 11,000 unknown keys would otherwise cost graphql-js a suggestion per key and a message per error.
 */
export function useVariableLimits(limits: VariableLimits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const over = variablesOverLimit(args.variableValues, limits);
      if (over === undefined) return;
      setResultAndStopExecution({ errors: [limitError('variables', MEASURES[over.measure](over.max), { ...over })] });
    },
  };
}

/**
 * Variables coerced by graphql-js before the compiled query runs: graphql-jit reports a variable that does not
 * coerce with an error class of its own, which Yoga would mask as INTERNAL_SERVER_ERROR. This keeps graphql-js's
 * message (and the scalars' codes) and answers it as a request error, before any resolver runs. Only the first
 * error: each of graphql-js's messages repeats the whole value of its variable, so one bad input would otherwise
 * answer with many copies of itself (`useContractCodes` bounds the length of the one left).
 */
export function coerceVariables(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const definitions = getOperationAST(args.document, args.operationName)?.variableDefinitions;
      if (definitions === undefined || definitions.length === 0) return;
      // With `maxErrors: 1` graphql-js stops at the second error (and reports that it stopped: not for the caller).
      const coerced = getVariableValues(args.schema, definitions, args.variableValues ?? {}, { maxErrors: 1 });
      const first = coerced.errors?.[0];
      if (first === undefined) return;
      // A request error: HTTP 400 (Yoga reads `extensions.http` for the status and leaves it out of the body).
      (first.extensions as Record<string, unknown>)['http'] = { status: 400 };
      setResultAndStopExecution({ errors: [first] });
    },
  };
}
