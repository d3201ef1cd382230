/**
 * The billing page's live streams: three GraphQL subscriptions over SSE through the typed client's `subscribe()`
 * (`schema/operations/billing-page-updates.graphql`) — the signed-in customer's invoices, plans and account — each
 * payload handed to the page as a state update (`live-state.ts`). The client reconnects by itself, resuming with
 * `Last-Event-ID`, and asks for the token again on every connection (an expired one signs out once the session has
 * none left); the gateway only ever sends this customer its own objects.
 *
 * - A payload whose object could not be read (its `data` null: deleted, or Stripe failing) changes nothing but
 *   asks the page to load its first page again (a deleted draft leaves the list; a failed read is read afresh).
 * - A payload part that failed (the next invoice's preview, the card) keeps what the page shows of it.
 * - When the gateway can no longer replay what was missed (`resync`), the page loads everything again.
 */
import {
  BillingPageAccountUpdatedDocument,
  BillingPageInvoiceUpdatedDocument,
  BillingPagePlanUpdatedDocument,
  type BillingClient,
  type BillingGraphQLError,
  type LiveSubscription,
} from '../../client/index.js';
import { describeError, type OptionalPart } from './api.js';
import { withAccount, withInvoice, withPlan, type LiveOutcome, type ShownBilling } from './live-state.js';

/** Whether the page is hearing changes: until every stream is open, open, or given up (refused). */
export type LiveState = 'connecting' | 'live' | 'off';

/** One change to apply to what the page shows. */
export type LiveUpdate = (shown: ShownBilling) => LiveOutcome;

export interface LiveHandlers {
  update(update: LiveUpdate): void;
  state(state: LiveState): void;
  /** The gateway no longer accepts the session's token. */
  signedOut(message: string): void;
}

export interface LiveUpdates {
  stop(): void;
}

const reloadOnly: LiveUpdate = (shown) => ({ shown, changed: false, reload: true });

/** The optional parts a payload's errors name (`[field, …, part]`). */
function failedParts(errors: readonly BillingGraphQLError[]): Set<OptionalPart> {
  const failed = new Set<OptionalPart>();
  for (const { path } of errors) {
    const last = path?.[path.length - 1];
    if (last === 'upcomingInvoice' || last === 'defaultPaymentMethod') failed.add(last);
  }
  return failed;
}

export function startLiveUpdates(client: BillingClient, handlers: LiveHandlers): LiveUpdates {
  const opened = new Set<string>();
  let stopped = false;
  const subscriptions: LiveSubscription[] = [];
  const stop = () => {
    stopped = true;
    for (const subscription of subscriptions) subscription.close();
  };
  const common = (name: string) => ({
    open: () => {
      opened.add(name);
      if (opened.size === 3 && !stopped) handlers.state('live');
    },
    resync: () => handlers.update(reloadOnly),
    error: (error: unknown) => {
      if (stopped) return;
      const problem = describeError(error);
      stop();
      handlers.state('off');
      if (problem.code === 'UNAUTHENTICATED') handlers.signedOut(problem.message);
    },
  });
  handlers.state('connecting');
  subscriptions.push(
    client.subscribe(BillingPageInvoiceUpdatedDocument, {}, {
      ...common('invoices'),
      next: ({ data }) => {
        const invoice = data?.invoiceUpdated;
        handlers.update(invoice ? (shown) => withInvoice(shown, invoice) : reloadOnly);
      },
    }),
    client.subscribe(BillingPagePlanUpdatedDocument, {}, {
      ...common('plans'),
      next: ({ data, errors }) => {
        const plan = data?.subscriptionUpdated;
        handlers.update(plan ? (shown) => withPlan(shown, plan, failedParts(errors)) : reloadOnly);
      },
    }),
    client.subscribe(BillingPageAccountUpdatedDocument, {}, {
      ...common('account'),
      next: ({ data, errors }) => {
        const account = data?.customerUpdated;
        handlers.update(account ? (shown) => withAccount(shown, account, failedParts(errors)) : reloadOnly);
      },
    }),
  );
  return { stop };
}
