/**
 * `client.subscribe(document, variables, handlers, options)`: a GraphQL subscription over Server-Sent Events, read
 * with `fetch` streaming (so it works in browsers and in Node 20 alike, and can send `Authorization: Bearer …`,
 * which `EventSource` cannot), parsed with `eventsource-parser`.
 *
 *   const live = client.subscribe(InvoiceUpdatedDocument, {}, {
 *     next: ({ data, errors }) => { if (data) show(data.invoiceUpdated); },
 *     resync: () => reloadEverything(),        // events were missed that the gateway no longer has
 *     error: (error) => console.error(error.code, error.message),
 *   }, { signal: controller.signal });
 *
 * It stays subscribed until the signal aborts (or `live.close()`): a dropped connection, the gateway stopping, a
 * stream ended because this consumer fell behind — each is followed by a reconnection (after 1 s, doubling to 30 s
 * while it keeps failing) that sends the last event id seen as `Last-Event-ID`, so nothing the gateway still retains
 * is missed or repeated. A customer token that expires ends the stream; the client reconnects at once when `token`
 * is a function (it is asked again for every connection), else it reports the error. When the gateway can no
 * longer replay (restarted, or the client was away too long), `handlers.resync` is called and the subscription
 * starts afresh. Refusals (FORBIDDEN, BAD_USER_INPUT, validation) end it with `handlers.error`.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createParser } from 'eventsource-parser';
import { BillingClientError, operationNameOf, requestBody, summary, tokenOf, type BillingGraphQLError, type FetchLike, type TokenSource } from './core.js';

/** One payload of a subscription. */
export interface SubscriptionEvent<TData> {
  /** The changed object as the gateway read it, selected as asked; null when it could not be read (see `errors`). */
  data: TData | null;
  /** Why this event's object could not be read, e.g. NOT_FOUND with `extensions.deleted` for a deleted one. */
  errors: readonly BillingGraphQLError[];
  /** The Stripe event it answers (`evt_…`). */
  eventId: string | undefined;
  /** `extensions.stripe`: the Stripe calls this payload cost. */
  extensions: Record<string, unknown> | undefined;
}

export interface SubscriptionHandlers<TData> {
  next(event: SubscriptionEvent<TData>): void;
  /** The subscription ended for good: the gateway refused it (the error's `code` says why). Not called on abort. */
  error?(error: BillingClientError): void;
  /** Events may have been missed that cannot be replayed: read the current state again (the subscription goes on). */
  resync?(): void;
  /** A connection is open (the first one, and every reconnection). */
  open?(): void;
}

export interface SubscribeOptions {
  /** Ends the subscription when aborted. */
  signal?: AbortSignal | undefined;
  /** Resume after this event (e.g. one kept from an earlier page load). */
  lastEventId?: string | undefined;
  /** First reconnection delay (ms; default 1000), doubled on each failure in a row up to `maxRetryDelayMs` (30000). */
  retryDelayMs?: number | undefined;
  maxRetryDelayMs?: number | undefined;
  /** Overrides the client's `persisted`. */
  persisted?: boolean | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

export type SubscribeArgs<TData, TVariables> = [variables: TVariables, handlers: SubscriptionHandlers<TData>, options?: SubscribeOptions];

export interface LiveSubscription {
  /** The last event id received (what a reconnection sends as `Last-Event-ID`). */
  readonly lastEventId: string | undefined;
  /** Ends it (as aborting `signal` does). */
  close(): void;
  /** Resolves once it has ended: closed, aborted, or refused. */
  readonly closed: Promise<void>;
}

/** What the subscription takes from its client. */
export interface SubscribeSettings {
  url: string | URL;
  token?: TokenSource | undefined;
  persisted?: boolean | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

/** What one connection ended with, and so what happens next. */
type Outcome =
  | { next: 'retry'; afterMs?: number | undefined; heard: boolean }
  | { next: 'resync' }
  | { next: 'refresh'; heard: boolean; error: BillingClientError }
  | { next: 'stop'; error?: BillingClientError };

interface StreamMessage {
  data?: unknown;
  errors?: BillingGraphQLError[];
  extensions?: Record<string, unknown>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const retryAfterOf = (errors: readonly BillingGraphQLError[]) => {
  const seconds = errors.map((e) => e.extensions?.['retryAfterSeconds']).find((s): s is number => typeof s === 'number');
  return seconds !== undefined ? seconds * 1000 : undefined;
};

/**
 * What a stream's own end (a result with errors and no `data`: a refusal, or the reason it stopped) means: which
 * ends are worth another connection, and which are final.
 */
function outcomeOfEnd(errors: readonly BillingGraphQLError[], status: number, what: string, refreshable: boolean, heard: boolean): Outcome {
  const first = errors[0];
  const code = first?.extensions?.code;
  const error = new BillingClientError(`${what} failed: ${summary(errors)}`, { kind: 'graphql', status, errors });
  if (code === 'UNAUTHENTICATED' && first?.extensions?.['reason'] === 'expired_token' && refreshable) return { next: 'refresh', heard, error };
  if (code === 'NOT_FOUND' && first?.extensions?.['reason'] === 'replayUnavailable') return { next: 'resync' };
  if (code === 'RATE_LIMITED' || code === 'UPSTREAM_UNAVAILABLE') return { next: 'retry', afterMs: retryAfterOf(errors), heard };
  return { next: 'stop', error };
}

export function subscribeOver<TData, TVariables extends Record<string, unknown>>(
  settings: SubscribeSettings,
  transport: FetchLike,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  handlers: SubscriptionHandlers<TData>,
  options: SubscribeOptions = {},
): LiveSubscription {
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  const signal = controller.signal;
  const what = operationNameOf(document) ?? 'subscription';
  const body = JSON.stringify(requestBody(document, variables, options.persisted ?? settings.persisted ?? false));
  const firstDelay = options.retryDelayMs ?? 1_000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  let lastEventId = options.lastEventId;

  /** One connection, read to its end. */
  async function connect(): Promise<Outcome> {
    const token = await tokenOf(settings.token);
    const headers: Record<string, string> = {
      ...settings.headers,
      ...options.headers,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    };
    let response: Response;
    try {
      response = await transport(String(settings.url), { method: 'POST', headers, body, signal });
    } catch {
      return { next: 'retry', heard: false };
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream') || response.body === null) {
      // Not a stream: a JSON refusal, or a proxy's page.
      const text = await response.text().catch(() => '');
      let errors: BillingGraphQLError[] = [];
      try {
        errors = (JSON.parse(text) as StreamMessage).errors ?? [];
      } catch {
        // not JSON
      }
      if (errors.length > 0) return outcomeOfEnd(errors, response.status, what, typeof settings.token === 'function', false);
      if (response.status >= 500 || response.status === 429) return { next: 'retry', heard: false };
      return { next: 'stop', error: new BillingClientError(`${what}: HTTP ${response.status} from the gateway, not an event stream`, { kind: 'http', status: response.status }) };
    }
    handlers.open?.();
    let end: BillingGraphQLError[] | undefined;
    let heard = false;
    const parser = createParser({
      onId: (id) => {
        lastEventId = id;
      },
      onEvent: (message) => {
        if (message.event !== 'next') return;
        let payload: StreamMessage;
        try {
          payload = JSON.parse(message.data) as StreamMessage;
        } catch {
          return;
        }
        // A payload always has `data` (null when its object could not be read); a result without is the stream's end.
        if (!('data' in payload)) {
          end = payload.errors ?? [];
          return;
        }
        heard = true;
        handlers.next({ data: (payload.data ?? null) as TData | null, errors: payload.errors ?? [], eventId: message.id, extensions: payload.extensions });
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch {
      // The connection dropped (or was aborted): whatever came is handled.
    }
    if (end !== undefined && end.length > 0) return outcomeOfEnd(end, response.status, what, typeof settings.token === 'function', heard);
    return { next: 'retry', heard };
  }

  const closed = (async () => {
    let delay = firstDelay;
    let refreshed = false;
    while (!signal.aborted) {
      const outcome = await connect();
      if (signal.aborted) break;
      if (outcome.next === 'stop') {
        if (outcome.error !== undefined) handlers.error?.(outcome.error);
        break;
      }
      if (outcome.next === 'refresh') {
        // Once in a row: a token source that keeps giving expired tokens is refused like any other.
        if (refreshed && !outcome.heard) {
          handlers.error?.(outcome.error);
          break;
        }
        refreshed = true;
        continue;
      }
      refreshed = false;
      if (outcome.next === 'resync') {
        lastEventId = undefined;
        handlers.resync?.();
        continue;
      }
      if (outcome.heard) delay = firstDelay;
      await sleep(Math.max(outcome.afterMs ?? 0, delay), signal);
      delay = Math.min(maxDelay, delay * 2);
    }
    options.signal?.removeEventListener('abort', stop);
  })();

  return {
    get lastEventId() {
      return lastEventId;
    },
    close: stop,
    closed,
  };
}
