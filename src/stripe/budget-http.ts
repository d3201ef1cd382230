/**
 * The budget below the SDK: an `httpClient` for the Stripe SDK that takes a token of the account's budget
 * (`./budget.ts`) before every HTTP request it sends — the SDK's own retries included, which no wrapper above the SDK
 * could see.
 *
 * What a request may wait reaches it through an AsyncLocalStorage: `StripeCaller` runs each call inside
 * `withBudgetWait({ deadline, signal })`, and the SDK's work (promises, its retry timers) carries that along. When
 * the budget refuses (the next token comes after the deadline), no request is sent: the SDK gets a made-up 429 with
 * `Stripe-Should-Retry: false`, so that it neither retries nor waits, and the refusal is left in the call's scope
 * for `StripeCaller` to answer in the gateway's own words (`budgetRefusalOf`).
 *
 * It is also where every request the SDK sends can be watched (`StripeHttpTaps`): metrics and traces see each HTTP
 * request with its endpoint, status, duration and Stripe's `Request-Id` — retries one by one, as Stripe counts them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Stripe from 'stripe';
import { budgetKind, type BudgetKind, type BudgetRefusal, type BudgetWait, type StripeBudget } from './budget.js';
import { stripeEndpoint } from './endpoints.js';

interface CallScope extends BudgetWait {
  refusal?: BudgetRefusal | undefined;
}

const scopes = new AsyncLocalStorage<CallScope>();

/** Runs `task` (one Stripe call through the SDK) with what its requests may wait within. */
export function withBudgetWait<T>(wait: BudgetWait, task: () => Promise<T>): { result: Promise<T>; scope: CallScope } {
  const scope: CallScope = { ...wait };
  return { result: scopes.run(scope, task), scope };
}

/** The budget's refusal of a call run by `withBudgetWait`, if that is why it failed. */
export function budgetRefusalOf(scope: CallScope): BudgetRefusal | undefined {
  return scope.refusal;
}

/** The answer in place of a request the budget did not let through: a 429 the SDK must not retry. */
class RefusedResponse extends Stripe.HttpClientResponse {
  constructor(private readonly refusal: BudgetRefusal) {
    super(429, { 'stripe-should-retry': 'false', 'retry-after': String(Math.ceil(refusal.retryAfterMs / 1000)) });
  }

  override getRawResponse(): unknown {
    return undefined;
  }

  override toStream(done: () => void): unknown {
    done();
    return undefined;
  }

  override toJSON(): Promise<unknown> {
    return Promise.resolve({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: `Not sent: the gateway's Stripe budget for ${this.refusal.kind}s has no token before this request's deadline.`,
      },
    });
  }
}

/** One HTTP request to Stripe, as a tap sees it before it is sent. */
export interface StripeHttpRequest {
  /** `GET`, `POST`, `DELETE`. */
  method: string;
  /** The path with its query, as sent (ids included: never a label). */
  path: string;
  /** `GET /v1/customers/{id}` (`./endpoints.ts`): a label's value. */
  endpoint: string;
  /** The budget it takes a token of. */
  kind: BudgetKind;
  /** The host it goes to. */
  host: string;
  port: number;
}

/** What became of it. */
export interface StripeHttpOutcome {
  /** The HTTP status; undefined when no response came (connection error, timeout, abort). */
  status: number | undefined;
  /** Stripe's `Request-Id` header, when there was a response. */
  requestId: string | undefined;
  /** From sending to the response's headers (or the failure). */
  durationMs: number;
  /** What the request threw, when it threw. */
  error: unknown;
}

/**
 * Watches Stripe's HTTP requests: `sent` is called as a request goes out and returns what to call once it has its
 * answer (or failed); `refused` is called for a request the budget did not let out (nothing was sent).
 */
export interface StripeHttpTap {
  sent(request: StripeHttpRequest): (outcome: StripeHttpOutcome) => void;
  refused?(request: StripeHttpRequest, refusal: BudgetRefusal): void;
}

/** The taps of one Stripe client; they may be added after it is built (metrics and tracing start later). */
export class StripeHttpTaps {
  private taps: StripeHttpTap[] = [];

  add(tap: StripeHttpTap): void {
    this.taps = [...this.taps, tap];
  }

  get size(): number {
    return this.taps.length;
  }

  refused(request: StripeHttpRequest, refusal: BudgetRefusal): void {
    for (const tap of this.taps) tap.refused?.(request, refusal);
  }

  /** Sends through `send`, telling every tap; with no tap, just `send()`. */
  async send(request: StripeHttpRequest, send: () => Promise<Stripe.HttpClientResponse>): Promise<Stripe.HttpClientResponse> {
    if (this.taps.length === 0) return send();
    const ends = this.taps.map((tap) => tap.sent(request));
    const start = performance.now();
    const end = (status: number | undefined, requestId: string | undefined, error: unknown) => {
      const outcome: StripeHttpOutcome = { status, requestId, durationMs: performance.now() - start, error };
      for (const done of ends) done(outcome);
    };
    try {
      const response = await send();
      const id = response.getHeaders()['request-id'];
      end(response.getStatusCode(), typeof id === 'string' ? id : undefined, undefined);
      return response;
    } catch (error) {
      end(undefined, undefined, error);
      throw error;
    }
  }
}

type RequestArgs = Parameters<InstanceType<typeof Stripe.HttpClient>['makeRequest']>;

/** The SDK's Node HTTP client, behind the account's budget. */
export class BudgetedHttpClient extends Stripe.HttpClient {
  private readonly inner = Stripe.createNodeHttpClient();

  constructor(
    private readonly budget: StripeBudget,
    private readonly taps: StripeHttpTaps = new StripeHttpTaps(),
  ) {
    super();
  }

  override getClientName(): string {
    return this.inner.getClientName();
  }

  override async makeRequest(...args: RequestArgs): Promise<Stripe.HttpClientResponse> {
    const [host, port, path, method, headers, requestData, protocol, timeout] = args;
    const scope = scopes.getStore() ?? {};
    const kind = budgetKind(method, path);
    // A call already refused (the SDK retrying anyway) is refused again without asking the budget.
    const refusal = scope.refusal ?? (await this.budget.acquire(kind, scope));
    const tapped = (): StripeHttpRequest => ({ method, path, endpoint: stripeEndpoint(method, path), kind, host, port: Number(port) });
    if (refusal !== undefined) {
      if (scope.refusal === undefined && this.taps.size > 0) this.taps.refused(tapped(), refusal);
      scope.refusal = refusal;
      return new RefusedResponse(refusal);
    }
    if (scope.signal?.aborted) throw scope.signal.reason;
    // The SDK's timeout counted from now, not from before the wait for a token.
    const left = scope.deadline !== undefined ? Math.max(1, Math.min(timeout, scope.deadline - Date.now())) : timeout;
    const send = () => this.inner.makeRequest(host, port, path, method, headers, requestData, protocol, left);
    return this.taps.size > 0 ? this.taps.send(tapped(), send) : send();
  }
}
