/**
 * Abuse limits: what a document, its variables, a request body and a browser may do, all refused before execution
 * — so before any Stripe call — with the contract's codes.
 *
 * | limit | where | code | HTTP |
 * | --- | --- | --- | --- |
 * | depth, aliases, directives | `document-limits.ts`: validation rules (`MAX_DEPTH`, `MAX_ALIASES`, `MAX_DIRECTIVES`) | `BAD_USER_INPUT`, `limit` | 400 |
 * | tokens | `document-limits.ts`: graphql-armor's counting parser (`MAX_TOKENS`) | `BAD_USER_INPUT`, `limit: 'tokens'` | 400 |
 * | variables | `variables.ts`: the raw JSON, before coercion (`MAX_VARIABLE_VALUES`, `MAX_VARIABLE_DEPTH`, `MAX_VARIABLE_STRING_LENGTH`) | `BAD_USER_INPUT`, `limit: 'variables'` | 400 |
 * | cost | `cost.ts`: over the document *and* the variables (`MAX_COST`) | `BAD_USER_INPUT`, `limit: 'cost'` | 400 |
 * | body | `body-limit.ts` (`MAX_BODY_BYTES`): `Content-Length`, or counted as a chunked body streams | `BAD_USER_INPUT`, `limit: 'body'` | 413 |
 * | Stripe calls | `stripe-budget.ts`: estimated from the document and the variables (`MAX_STRIPE_CALLS`) | `BAD_USER_INPUT`, `limit: 'stripeCalls'` | 400 |
 * | batching | Yoga's (off), recoded | `BAD_USER_INPUT` | 400 |
 * | CSRF | `csrf.ts`: Yoga's `useCSRFPrevention` | `FORBIDDEN` | 403 |
 *
 * Yoga's own request errors carry codes outside the contract (`BAD_REQUEST`, `OPERATION_RESOLUTION_FAILURE`);
 * `useContractCodes` (`contract-codes.ts`) maps them onto `BAD_USER_INPUT` on the way out. Parse and validation errors keep the standard
 * `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED`.
 */
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AbuseLimits } from '../config.js';
import { appError } from '../errors.js';
import { useBodyLimit } from './body-limit.js';
import { useContractCodes } from './contract-codes.js';
import { useCostLimit } from './cost.js';
import { useCsrf } from './csrf.js';
import { documentLimitPlugins } from './document-limits.js';
import { useVariableLimits } from './variables.js';

/** Which limit a request broke: `extensions.limit` of its `BAD_USER_INPUT` error. */
export type LimitName = 'depth' | 'aliases' | 'tokens' | 'directives' | 'variables' | 'cost' | 'body' | 'stripeCalls';

/** The error every document limit answers with. `http.spec` lets Yoga answer 200 to `application/json` clients, as for validation errors. */
export function limitError(limit: LimitName, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return appError('BAD_USER_INPUT', message, {
    ...extensions,
    limit,
    http: { status: limit === 'body' ? 413 : 400, ...(limit === 'body' ? {} : { spec: true }) },
  });
}

export interface LimitOptions {
  limits: AbuseLimits;
  /** Remove "Did you mean …" from error messages (production). */
  hideSuggestions: boolean;
}

/**
 * The Yoga plugins, the body limit among them (Yoga's own `maxRequestBodySize` is off: see `useBodyLimit`). The
 * variables are bounded before the cost is priced from them, and both before `coerceVariables` reads them.
 */
export function useAbuseLimits(options: LimitOptions): Plugin[] {
  return [
    useBodyLimit(options.limits.maxBodyBytes),
    useCsrf(),
    ...documentLimitPlugins(options.limits),
    useVariableLimits(options.limits),
    useCostLimit(options.limits.maxCost),
    useContractCodes(options.hideSuggestions),
  ];
}
