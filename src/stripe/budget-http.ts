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
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Stripe from 'stripe';
import { budgetKind, type BudgetRefusal, type BudgetWait, type StripeBudget } from './budget.js';

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

type RequestArgs = Parameters<InstanceType<typeof Stripe.HttpClient>['makeRequest']>;

/** The SDK's Node HTTP client, behind the account's budget. */
export class BudgetedHttpClient extends Stripe.HttpClient {
  private readonly inner = Stripe.createNodeHttpClient();

  constructor(private readonly budget: StripeBudget) {
    super();
  }

  override getClientName(): string {
    return this.inner.getClientName();
  }

  override async makeRequest(...args: RequestArgs): Promise<Stripe.HttpClientResponse> {
    const [host, port, path, method, headers, requestData, protocol, timeout] = args;
    const scope = scopes.getStore() ?? {};
    // A call already refused (the SDK retrying anyway) is refused again without asking the budget.
    const refusal = scope.refusal ?? (await this.budget.acquire(budgetKind(method, path), scope));
    if (refusal !== undefined) {
      scope.refusal = refusal;
      return new RefusedResponse(refusal);
    }
    if (scope.signal?.aborted) throw scope.signal.reason;
    // The SDK's timeout counted from now, not from before the wait for a token.
    const left = scope.deadline !== undefined ? Math.max(1, Math.min(timeout, scope.deadline - Date.now())) : timeout;
    return this.inner.makeRequest(host, port, path, method, headers, requestData, protocol, left);
  }
}
