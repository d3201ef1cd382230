/**
 * The Stripe call budget (`MAX_STRIPE_CALLS`): an upper bound on the Stripe calls a request can make, estimated from
 * the document and its variables before it runs (`src/graphql/stripe-calls.ts`), and a request whose estimate is over
 * the budget is refused before any call — BAD_USER_INPUT, `extensions.limit: "stripeCalls"`, with the estimate and
 * the budget. During execution the budget is enforced again as a backstop: a call over it is refused, never made
 * (`StripeGateway`), and a request that makes more calls than estimated is logged (the estimate has a bug).
 *
 * Every answer reports what its request cost, the way GitHub's API reports `rateLimit { cost }`:
 * `extensions.stripe = { estimatedCalls, calls, retries, budget }`, and, with the per-caller budget on
 * (`./caller-budget.ts`: the estimate charged to the caller's minute before the request runs, the unused part given
 * back after), `callerBudget: { perMinute, remaining, resetSeconds }`.
 */
import type { BlockList } from 'node:net';
import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import type { CallerBudget, CallerBudgetReport, CallerCharge } from './caller-budget.js';
import { requestAddress } from './client-address.js';
import { callerKey } from './rate-limit.js';
import { estimateStripeCalls, stripeCallReport } from '../graphql/stripe-calls.js';
import type { Logger } from '../observability/log.js';
import type { StripeCallCount } from '../stripe/gateway.js';
import { limitError } from './limits.js';

export interface StripeBudget {
  plugin: Plugin;
  /** The request's count of Stripe calls and its budget (handed to its context's Stripe gateway). */
  countOf(request: Request): StripeCallCount;
}

export interface StripeBudgetOptions {
  maxCalls: number;
  logger: Logger;
  /** `CALLER_STRIPE_CALLS_PER_MINUTE`; undefined or 0: off. */
  callerBudget?: CallerBudget | undefined;
  /** `TRUST_PROXY`: who an anonymous caller is. */
  proxies?: BlockList | undefined;
}

/** Variables longer than this (as JSON) are estimated afresh each time rather than kept as a key. */
const MEMO_KEY_MAX = 2_048;
/** Estimates kept per document (operation × role × variables); the oldest is dropped first. */
const MEMO_PER_DOCUMENT = 32;

/**
 * `estimateStripeCalls`, remembered: the estimate is a pure function of the document, the operation, the variables
 * and the role, and the same page view sends the same document (Yoga hands back the same parsed `DocumentNode` for
 * the same text) with the same variables again and again — walking it each time was a measurable part of a warm,
 * cache-served request. Kept per document object, so a document Yoga forgets takes its estimates with it.
 */
export function memoizedEstimates(): typeof estimateStripeCalls {
  const memo = new WeakMap<object, Map<string, number>>();
  return (schema: GraphQLSchema, document: Parameters<typeof estimateStripeCalls>[1], operationName, variables, role) => {
    const key = `${role ?? ''}\u0000${operationName ?? ''}\u0000${variables == null ? '' : JSON.stringify(variables)}`;
    if (key.length > MEMO_KEY_MAX) return estimateStripeCalls(schema, document, operationName, variables, role);
    let estimates = memo.get(document);
    if (estimates === undefined) memo.set(document, (estimates = new Map()));
    let estimate = estimates.get(key);
    if (estimate === undefined) {
      estimate = estimateStripeCalls(schema, document, operationName, variables, role);
      if (estimates.size >= MEMO_PER_DOCUMENT) estimates.delete(estimates.keys().next().value as string);
      estimates.set(key, estimate);
    }
    return estimate;
  };
}

export function stripeBudget(options: StripeBudgetOptions): StripeBudget {
  const { maxCalls, logger, proxies } = options;
  const callers = options.callerBudget?.enabled ? options.callerBudget : undefined;
  const counts = new WeakMap<Request, StripeCallCount>();
  const estimate = memoizedEstimates();
  /** Each request's charge to its caller's budget (settled when it is answered), or what remained when refused. */
  const charges = new WeakMap<Request, CallerCharge | CallerBudgetReport>();
  const countOf = (request: Request): StripeCallCount => {
    let count = counts.get(request);
    if (count === undefined) {
      count = { calls: 0, retries: 0, estimated: undefined, max: maxCalls };
      counts.set(request, count);
    }
    return count;
  };
  const plugin: Plugin = {
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { request?: Request; viewer?: Viewer } | undefined;
      const estimated = estimate(
        args.schema,
        args.document as DocumentNode,
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
        return;
      }
      // The caller's own budget: charged the estimate up front (a subscription's events are not charged).
      const viewer = context?.viewer;
      if (callers === undefined || request === undefined || viewer === undefined) return;
      if (getOperationAST(args.document, args.operationName)?.operation === 'subscription') return;
      const charge = await callers.charge(callerKey(viewer, requestAddress(request, context, proxies)), estimated);
      if ('caller' in charge) charges.set(request, charge);
      else {
        const report = { perMinute: callers.perMinute, remaining: Number(charge.extensions['remaining'] ?? 0), resetSeconds: Number(charge.extensions['retryAfterSeconds']) };
        charges.set(request, report);
        setResultAndStopExecution({ errors: [charge] });
      }
    },
    async onResultProcess({ request, result }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const count = counts.get(request);
      const charge = charges.get(request);
      charges.delete(request);
      const callerBudget =
        charge === undefined ? undefined : 'caller' in charge ? await callers!.settle(charge, count?.calls ?? 0) : charge;
      const report = { ...stripeCallReport(count, maxCalls), ...(callerBudget !== undefined ? { callerBudget } : {}) };
      const single = result as ExecutionResult;
      single.extensions = { ...single.extensions, stripe: report };
      if (count?.estimated !== undefined && count.calls - count.retries > count.estimated) {
        logger.warn('Stripe calls over the estimate (the estimate in src/graphql/stripe-calls.ts is wrong for this document)', { ...report });
      }
    },
  };
  return { plugin, countOf };
}
