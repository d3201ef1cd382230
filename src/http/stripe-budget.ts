/**
 * The Stripe call budget (`MAX_STRIPE_CALLS`): an upper bound on the Stripe calls a request can make, estimated from
 * the document and its variables before it runs (`src/graphql/stripe-calls.ts`), and a request whose estimate is over
 * the budget is refused before any call — BAD_USER_INPUT, `extensions.limit: "stripeCalls"`, with the estimate and
 * the budget. During execution the budget is enforced again as a backstop: a call over it is refused, never made
 * (`StripeGateway`), and a request that makes more calls than estimated is logged (the estimate has a bug).
 *
 * Every answer reports what its request cost, the way GitHub's API reports `rateLimit { cost }`:
 * `extensions.stripe = { estimatedCalls, calls, retries, budget }`.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { estimateStripeCalls, stripeCallReport } from '../graphql/stripe-calls.js';
import type { Logger } from '../observability/log.js';
import type { StripeCallCount } from '../stripe/gateway.js';
import { limitError } from './limits.js';

export interface StripeBudget {
  plugin: Plugin;
  /** The request's count of Stripe calls and its budget (handed to its context's Stripe gateway). */
  countOf(request: Request): StripeCallCount;
}

export function stripeBudget(options: { maxCalls: number; logger: Logger }): StripeBudget {
  const { maxCalls, logger } = options;
  const counts = new WeakMap<Request, StripeCallCount>();
  const countOf = (request: Request): StripeCallCount => {
    let count = counts.get(request);
    if (count === undefined) {
      count = { calls: 0, retries: 0, estimated: undefined, max: maxCalls };
      counts.set(request, count);
    }
    return count;
  };
  const plugin: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { request?: Request; viewer?: { role: 'ADMIN' | 'CUSTOMER' | 'ANONYMOUS' } } | undefined;
      const estimated = estimateStripeCalls(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | undefined,
        context?.viewer?.role,
      );
      const request = context?.request;
      if (request !== undefined) countOf(request).estimated = estimated;
      if (estimated > maxCalls) {
        setResultAndStopExecution({
          errors: [
            limitError(
              'stripeCalls',
              `This request could make up to ${estimated} Stripe calls; the budget is ${maxCalls} per request. Ask for fewer items per page ` +
                '(a connection multiplies what is below it by its first/last), or split the request.',
              { estimatedCalls: estimated, budget: maxCalls },
            ),
          ],
        });
      }
    },
    onResultProcess({ request, result }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const count = counts.get(request);
      const report = stripeCallReport(count, maxCalls);
      const single = result as ExecutionResult;
      single.extensions = { ...single.extensions, stripe: report };
      if (count?.estimated !== undefined && count.calls - count.retries > count.estimated) {
        logger.error('Stripe calls over the estimate (the estimate in src/graphql/stripe-calls.ts is wrong for this document)', { ...report });
      }
    },
  };
  return { plugin, countOf };
}
