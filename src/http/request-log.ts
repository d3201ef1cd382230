/**
 * Per-request bookkeeping for the logs: a request id (the client's `x-request-id` when it is sane, else a fresh
 * UUID) returned on every response, the caller's role, the operation, the error codes answered, and the `Request-Id`
 * of every Stripe call made — one `info` line per GraphQL request; unexpected errors at `error`, with their stack.
 * Each request logs through a child logger with its `requestId` bound, so that every line it causes carries it.
 */
import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError } from 'graphql';
import type { ExecutionResult } from 'graphql';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import type { Logger } from '../observability/log.js';
import type { StripeCallCount, StripeCallObserver } from '../stripe/gateway.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A client's request id is echoed only when it is short and plain (it ends up in logs and headers). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's request id when it is sane, else a fresh UUID. */
export function requestIdFor(sent: string | readonly string[] | null | undefined): string {
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

export interface RequestState {
  id: string;
  /** The gateway's logger with this request's `requestId` bound (made on first use: health checks never log). */
  readonly log: Logger;
  start: number;
  role: Viewer['role'] | undefined;
  operationName: string | undefined;
  errorCodes: string[];
  stripeRequestIds: string[];
}

/** Request → its state; requests are the keys every Yoga hook shares. */
export class RequestStates {
  private readonly states = new WeakMap<Request, RequestState>();

  constructor(private readonly logger: Logger) {}

  of(request: Request): RequestState {
    let state = this.states.get(request);
    if (state === undefined) {
      const id = requestIdFor(request.headers.get(REQUEST_ID_HEADER));
      const logger = this.logger;
      let log: Logger | undefined;
      state = {
        id,
        get log() {
          return (log ??= logger.child({ requestId: id }));
        },
        start: performance.now(),
        role: undefined,
        operationName: undefined,
        errorCodes: [],
        stripeRequestIds: [],
      };
      this.states.set(request, state);
    }
    return state;
  }

  /** Records this request's Stripe calls (give it to the context's Stripe gateway). */
  observer(request: Request): StripeCallObserver {
    const state = this.of(request);
    return ({ requestId }) => {
      if (requestId !== undefined) state.stripeRequestIds.push(requestId);
    };
  }
}

/** Is this error one nobody meant to show the caller (it will be masked)? Mirrors Yoga's test. */
export function isUnexpected(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return true;
  if (error.originalError !== undefined && error.originalError !== null) return isUnexpected(error.originalError);
  return error.extensions['unexpected'] === true;
}

/** The innermost error behind a GraphQL error (what was actually thrown). */
export function rootError(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError !== undefined && current.originalError !== null) {
    current = current.originalError;
  }
  return current;
}

/**
 * Unexpected errors are logged once, with the request id when they occur during execution (this plugin sees them
 * before Yoga masks them), else by `maskError` without it.
 */
export class ErrorLog {
  private readonly logged = new WeakSet<object>();

  constructor(private readonly logger: Logger) {}

  /** `log`: the request's own logger when the error belongs to one. */
  log(error: unknown, fields: Record<string, unknown> = {}, log: Logger = this.logger): void {
    const root = rootError(error);
    if (typeof root === 'object' && root !== null) {
      if (this.logged.has(root)) return;
      this.logged.add(root);
    }
    const stripeRequestId = (root as { requestId?: unknown } | null)?.requestId;
    const path = error instanceof GraphQLError && error.path !== undefined ? error.path.join('.') : undefined;
    log.error('unexpected error (masked)', {
      ...fields,
      ...(path !== undefined ? { path } : {}),
      ...(typeof stripeRequestId === 'string' ? { stripeRequestId } : {}),
      error: root,
    });
  }

  wasLogged(error: unknown): boolean {
    const root = rootError(error);
    return typeof root === 'object' && root !== null && this.logged.has(root);
  }

  /**
   * Yoga's own logger: errors not yet logged, at `error` (as masked errors); warnings at `warn`; its step-by-step
   * debug messages ("Processing GraphQL Parameters"), which carry no request id, only at `trace`.
   */
  yogaLogger(): YogaLogger {
    const at = (level: 'trace' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
      const errors = args.filter((arg) => arg instanceof Error);
      if (errors.length === 0) return this.logger[level]('yoga', { args });
      for (const error of errors) if (!this.wasLogged(error)) this.log(error, { source: 'yoga' });
    };
    return { debug: at('trace'), info: at('info'), warn: at('warn'), error: at('error') };
  }
}

function codesOf(result: ExecutionResult): string[] {
  const codes: string[] = [];
  for (const error of result.errors ?? []) {
    const code = error.extensions?.['code'];
    codes.push(typeof code === 'string' ? code : 'UNKNOWN');
  }
  return codes;
}

export interface RequestLogOptions {
  /** Each request's state, with its child logger. */
  states: RequestStates;
  errors: ErrorLog;
  /** Paths logged at info (the GraphQL endpoint); others (health checks, GraphiQL assets) only get a request id. */
  loggedPaths: readonly string[];
  viewerOf(request: Request): Promise<Viewer>;
  /** The request's Stripe calls and their estimate (`stripe-budget.ts`). */
  stripeCallsOf(request: Request): StripeCallCount;
}

export function useRequestLog(options: RequestLogOptions): Plugin {
  const { states, errors } = options;
  return {
    onRequest({ request }) {
      states.of(request);
    },
    async onParams({ request }) {
      states.of(request).role = (await options.viewerOf(request)).role;
    },
    onValidate({ params: { documentAST }, context }) {
      // At validation, so that documents refused by validation or a limit are logged with their operation too.
      const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
      if (request === undefined) return;
      const operationName = params?.operationName ?? undefined;
      states.of(request).operationName = getOperationAST(documentAST, operationName)?.name?.value ?? operationName;
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request } | undefined)?.request;
      const state = request !== undefined ? states.of(request) : undefined;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          for (const error of (result as ExecutionResult).errors ?? []) {
            if (isUnexpected(error)) errors.log(error, {}, state?.log);
          }
        },
      };
    },
    onResultProcess({ request, result }) {
      const state = states.of(request);
      if (Array.isArray(result)) for (const r of result) state.errorCodes.push(...codesOf(r));
      else if (!(Symbol.asyncIterator in result)) state.errorCodes.push(...codesOf(result as ExecutionResult));
    },
    onResponse({ request, response }) {
      const state = states.of(request);
      response.headers.set(REQUEST_ID_HEADER, state.id);
      const path = new URL(request.url, 'http://localhost').pathname;
      if (!options.loggedPaths.includes(path)) return;
      const calls = options.stripeCallsOf(request);
      state.log.info('request', {
        method: request.method,
        path,
        ...(state.operationName !== undefined ? { operationName: state.operationName } : {}),
        status: response.status,
        durationMs: Math.round((performance.now() - state.start) * 10) / 10,
        role: state.role ?? 'ANONYMOUS',
        errorCodes: [...new Set(state.errorCodes)],
        stripeCalls: calls.calls,
        ...(calls.estimated !== undefined ? { estimatedStripeCalls: calls.estimated } : {}),
        stripeRequestIds: state.stripeRequestIds,
      });
    },
  };
}
