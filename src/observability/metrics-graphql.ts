/**
 * The GraphQL side of the metrics (`./metrics.ts`): a Yoga plugin, placed before every other (`observers`), that
 * counts each request to `/graphql` once its response is ready — refusals by the rate limit or the abuse limits
 * too, which never reach execution.
 *
 * It reads the result in `onResponse`, after every other plugin's `onResultProcess` has had it: the codes are the
 * contract's by then (`contract-codes.ts`) and `extensions.stripe.calls` is filled in (`stripe-budget.ts`), both
 * on the very result object this plugin kept a hold of.
 *
 * Operation names become labels only from documents that reached execution (parsed, valid, the caller let in), and
 * at most 100 of them (`LabelCap`); a name shaped like a Stripe object id is never one. A request refused before
 * execution is labelled with its name only when that name is already known, else `other`.
 *
 * A subscription is one request (counted when its stream's response starts) and then one payload per event: each
 * payload is counted by outcome (`subscription_events_total`) and its errors by code, as a request's are.
 */
import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { GRAPHQL_PATH } from '../http/paths.js';
import { OBJECT_ID } from '../stripe/endpoints.js';
import type { GatewayMetrics } from './metrics.js';

/** What one request's counting needs, gathered as its hooks run. */
interface RequestMetrics {
  start: number;
  /** The name as the document (or, before parsing, the params) gives it; undefined: unnamed. */
  name: string | undefined;
  /** Whether the document reached execution (its name may become a label). */
  executed: boolean;
  type: 'query' | 'mutation' | 'subscription' | 'unknown';
  result: unknown;
}

/** A code or a limit's name as a label: our own short identifiers, anything else is `other`. */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const identifierLabel = (value: unknown): string => (typeof value === 'string' && IDENTIFIER.test(value) ? value : 'other');

/** How bad an error is for the request's outcome, worst last. */
const OUTCOME_ORDER = ['ok', 'client_error', 'rate_limited', 'upstream_error', 'internal_error'] as const;
type Outcome = (typeof OUTCOME_ORDER)[number];

function outcomeOf(code: string): Outcome {
  if (code === 'RATE_LIMITED') return 'rate_limited';
  if (code === 'UPSTREAM_UNAVAILABLE') return 'upstream_error';
  if (code === 'INTERNAL_SERVER_ERROR' || code === 'other') return 'internal_error';
  return 'client_error';
}

/** The result as one answer (a subscription's stream and a batch are not). */
function singleResult(result: unknown): ExecutionResult | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result) || Symbol.asyncIterator in result) return undefined;
  return result as ExecutionResult;
}

export function useMetrics(metrics: GatewayMetrics): Plugin {
  const requests = new WeakMap<Request, RequestMetrics>();
  const documentSeen = (request: Request | undefined, document: DocumentNode, operationName: string | null | undefined, executed: boolean) => {
    const state = request !== undefined ? requests.get(request) : undefined;
    if (state === undefined) return;
    const operation = getOperationAST(document, operationName ?? state.name);
    if (operation == null) return;
    state.type = operation.operation;
    state.name = operation.name?.value;
    state.executed ||= executed;
  };
  type ExecutionPayload = { args: { document: DocumentNode; operationName?: string | null | undefined; contextValue: unknown } };
  const seenInExecution = ({ args }: ExecutionPayload): RequestMetrics | undefined => {
    const request = (args.contextValue as { request?: Request }).request;
    documentSeen(request, args.document, args.operationName, true);
    return request !== undefined ? requests.get(request) : undefined;
  };
  const nameLabel = (state: RequestMetrics): string => {
    if (state.name === undefined) return 'anonymous';
    if (state.name.length > 100 || OBJECT_ID.test(state.name)) return 'other';
    return metrics.operationNames.label(state.name, state.executed);
  };
  const labelsOf = (state: RequestMetrics) => ({ operation_name: nameLabel(state), operation_type: state.type });
  /** Counts a result's errors by code; the outcome is the worst of them. */
  const countErrors = (result: ExecutionResult | undefined): Outcome => {
    let outcome: Outcome = 'ok';
    for (const error of (result?.errors ?? []) as readonly GraphQLError[]) {
      const extensions = (error.extensions ?? {}) as Record<string, unknown>;
      const code = identifierLabel(extensions['code'] ?? 'INTERNAL_SERVER_ERROR');
      const limit = extensions['limit'] !== undefined ? identifierLabel(extensions['limit']) : '';
      metrics.graphqlErrors.inc({ code, limit });
      if (code === 'RATE_LIMITED') metrics.rateLimitRefusals.inc({ limit: limit || 'requests' });
      const kind = outcomeOf(code);
      if (OUTCOME_ORDER.indexOf(kind) > OUTCOME_ORDER.indexOf(outcome)) outcome = kind;
    }
    return outcome;
  };
  return {
    onRequest({ request, url }) {
      if (url.pathname !== GRAPHQL_PATH) return;
      requests.set(request, { start: performance.now(), name: undefined, executed: false, type: 'unknown', result: undefined });
    },
    onParams({ request, params }) {
      const state = requests.get(request);
      if (state !== undefined && typeof params.operationName === 'string') state.name = params.operationName;
    },
    onParse({ context }) {
      return ({ result }) => {
        if (result !== null && typeof result === 'object' && 'kind' in result && result.kind === 'Document') {
          documentSeen((context as { request?: Request }).request, result as DocumentNode, undefined, false);
        }
      };
    },
    onExecute(payload) {
      seenInExecution(payload);
    },
    onSubscribe(payload) {
      const state = seenInExecution(payload);
      if (state === undefined) return;
      return {
        onSubscribeResult: () => ({
          onNext({ result }) {
            // The stream's first item says where a reconnect resumes: no payload.
            if (!('data' in result) && !('errors' in result)) return;
            const outcome = countErrors(result);
            metrics.subscriptionEvents.inc({ ...labelsOf(state), outcome });
          },
        }),
      };
    },
    onResultProcess({ request, result }) {
      const state = requests.get(request);
      if (state !== undefined) state.result = result;
    },
    onResponse({ request }) {
      const state = requests.get(request);
      // GraphiQL's page and other answers with no GraphQL result are no GraphQL request.
      if (state === undefined || state.result === undefined) return;
      requests.delete(request);
      const labels = labelsOf(state);
      const single = singleResult(state.result);
      const outcome = countErrors(single);
      metrics.graphqlRequests.inc({ ...labels, outcome });
      if (single === undefined) return;
      metrics.graphqlDuration.observe(labels, (performance.now() - state.start) / 1000);
      const calls = (single.extensions?.['stripe'] as { calls?: unknown } | undefined)?.calls;
      if (typeof calls === 'number') metrics.stripeCallsPerRequest.observe(labels, calls);
    },
  };
}
