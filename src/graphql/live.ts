/**
 * How a subscription runs: graphql-js's `subscribe`, with one difference that matters — each event is executed
 * with a context of its own (`Context.forEvent()`: the same caller, fresh loaders, a fresh Stripe scope with its
 * own deadline and call count), where graphql-js would run every event of a stream in the one context the request
 * built. So a stream open for hours never serves one event's objects to the next, `REQUEST_TIMEOUT_MS` and
 * `MAX_STRIPE_CALLS` apply per event, and every payload is the object as Stripe has it now (re-read through the
 * same resolvers and authorization as `Query.invoice` etc.): a late or reordered event never shows an older state.
 *
 * The stream (`ChangeStream`, from `src/events/hub.ts`) ends, with an error as its last payload:
 * - when the caller's token expires (`UNAUTHENTICATED`, `reason: "expired_token"`): reconnect with a fresh one;
 * - when its consumer fell `STREAM_MAX_PENDING` objects behind (`RATE_LIMITED`, `limit: "queue"`);
 * - when the gateway stops (`UPSTREAM_UNAVAILABLE`, `retryAfterSeconds: 1`);
 * and without one when the client goes away.
 */
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import { appError } from '../errors.js';
import { ChangeStream, HubClosed, QueueOverflow, ReplayUnavailable, StreamLimitReached } from '../events/hub.js';
import type { Context } from './context.js';
import { unauthenticated } from './errors.js';
import { stripeCallReport } from './stripe-calls.js';

/** Set on a subscription's per-event result: the `evt_…` it answers (a symbol: never serialised). */
export const EVENT_ID = Symbol('eventId');
/** What a stream yields before its first payload: where a reconnect resumes (the SSE processor sends only `id:`). */
export const RESUME_FROM = Symbol('resumeFrom');

export type LiveResult = ExecutionResult & { [EVENT_ID]?: string };
export interface ResumeMarker {
  [RESUME_FROM]: string;
}

export const isResumeMarker = (value: unknown): value is ResumeMarker => typeof value === 'object' && value !== null && RESUME_FROM in value;

/** The longest a timer may be set for (about 24.8 days); a token's expiry further ahead is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a stream could not open, in the contract's codes. */
export function streamRefusal(error: unknown): GraphQLError {
  if (error instanceof StreamLimitReached) {
    return appError(
      'RATE_LIMITED',
      error.scope === 'caller'
        ? `You already have ${error.max} subscriptions open (MAX_STREAMS_PER_CALLER): close one first.`
        : `The gateway already serves ${error.max} subscriptions (MAX_STREAMS): try again shortly.`,
      { limit: 'streams', scope: error.scope, max: error.max, retryAfterSeconds: 5, http: { status: 429, headers: { 'Retry-After': '5' } } },
    );
  }
  if (error instanceof ReplayUnavailable) {
    return appError(
      'NOT_FOUND',
      'The events after your Last-Event-ID are no longer retained (or this gateway never saw it): read the current state with a ' +
        'query, then subscribe again without Last-Event-ID.',
      { reason: 'replayUnavailable' },
    );
  }
  if (error instanceof HubClosed) return stopping();
  throw error;
}

const stopping = () =>
  appError('UPSTREAM_UNAVAILABLE', 'The gateway is stopping: subscribe again shortly, with Last-Event-ID.', {
    retryAfterSeconds: 1,
    http: { status: 503, headers: { 'Retry-After': '1' } },
  });

/** The last payload of a stream that ended for a reason its client should know. */
function endOf(error: Error): GraphQLError {
  if (error instanceof QueueOverflow) {
    return appError(
      'RATE_LIMITED',
      `This subscription fell more than ${error.maxPending} objects behind (STREAM_MAX_PENDING): subscribe again with Last-Event-ID.`,
      { limit: 'queue', max: error.maxPending },
    );
  }
  if (error instanceof HubClosed) return stopping();
  return error as GraphQLError;
}

/** Ends `stream` when the caller's token expires (customers; an API key does not expire). */
function expiryOf(context: Context, stream: ChangeStream): () => void {
  const expiresAt = context.viewer.role === 'CUSTOMER' ? context.viewer.expiresAt : undefined;
  if (expiresAt === undefined) return () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const left = expiresAt * 1000 - Date.now();
    if (left <= 0) stream.end(unauthenticated({ reason: 'expired_token' }));
    else {
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    }
  };
  arm();
  return () => clearTimeout(timer);
}

async function* liveResults(args: ExecutionArgs, stream: ChangeStream): AsyncGenerator<LiveResult | ResumeMarker> {
  const context = args.contextValue as Context & { request?: Request };
  const disarm = expiryOf(context, stream);
  const signal = context.request?.signal;
  const gone = () => stream.end();
  signal?.addEventListener('abort', gone, { once: true });
  try {
    // Only when nothing is replayed: a client that heard a later id than its replay would skip the replay.
    if (stream.resumeFrom !== undefined && stream.pending === 0) yield { [RESUME_FROM]: stream.resumeFrom };
    for (;;) {
      const next = await stream.next();
      if (next.done === true) {
        if (stream.error !== undefined) yield { errors: [endOf(stream.error)] };
        return;
      }
      const eventContext = context.forEvent();
      const result: LiveResult = await execute({ ...args, rootValue: next.value, contextValue: eventContext });
      result.extensions = { ...result.extensions, stripe: stripeCallReport(eventContext.stripeCount, eventContext.stripeCount?.max ?? 0) };
      result[EVENT_ID] = next.value.eventId;
      yield result;
    }
  } finally {
    disarm();
    signal?.removeEventListener('abort', gone);
    stream.end();
  }
}

/** `subscribe` in place of graphql-js's (set by `src/http/subscriptions.ts`): the source stream, then each event in its own context. */
export async function liveSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<LiveResult | ResumeMarker> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  if (!(source instanceof ChangeStream)) throw new Error('a subscription field must return a stream of the event hub');
  return liveResults(args, source);
}
