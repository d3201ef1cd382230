/**
 * `Mutation.cancelSubscription` and `Mutation.resumeSubscription`: admins' actions, and customers' on their own
 * subscriptions when the operator allows them (`CUSTOMER_ACTIONS`).
 *
 * Cancel: now (`DELETE /v1/subscriptions/:id`, optionally invoicing and prorating) or at the end of the period
 * (`cancel_at_period_end`, the subscription stays active until then), with the customer's feedback and comment.
 * Resume does what the subscription's state needs, as a billing page's "Resume" button means it: a paused one is
 * resumed (`POST …/resume`); one set to cancel is kept (its pending cancellation undone). That needs the state, so a
 * resume reads the subscription first (2 calls, for everyone); a customer's cancel does too, to check it is its own.
 */
import type Stripe from 'stripe';
import { idOf } from '../../stripe/expandable.js';
import type { SubscriptionExpansion } from '../../stripe/subscriptions.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { badInput } from '../errors.js';
import { stripeCalls } from '../stripe-calls.js';
import { actionCalls, actionResult, idempotencyKeyOf, MAX_COMMENT_LENGTH, ownObject } from './actions.js';
import { BillingSubscriptionRef } from './refs.js';
import { CancellationFeedbackEnum, checkSubscriptionId, needsAt, retrieveExpansions } from './subscription.js';

/** With an idempotency key the parameters may not depend on the selection (a repeat would conflict): all of them. */
const EVERY_EXPANSION: readonly SubscriptionExpansion[] = [
  'customer',
  'customer.invoice_settings.default_payment_method',
  'default_payment_method',
  'latest_invoice',
  'items.data.price.product',
];

const ENDED: ReadonlySet<string> = new Set(['canceled', 'incomplete_expired']);

interface Payload extends Record<string, Stripe.Subscription> {
  subscription: Stripe.Subscription;
}

const payload = { payload: 'The subscription as the action left it.', field: 'The subscription, after the change.' };
const CancelResult = actionResult<Stripe.Subscription, Payload>('CancelSubscription', 'subscription', BillingSubscriptionRef, payload);
const ResumeResult = actionResult<Stripe.Subscription, Payload>('ResumeSubscription', 'subscription', BillingSubscriptionRef, payload);

const CancelInput = builder.inputType('CancelSubscriptionInput', {
  description: 'Which subscription to cancel, when, and why.',
  fields: (t) => ({
    subscriptionId: t.id({ required: true, description: 'The subscription (`sub_…`).' }),
    atPeriodEnd: t.boolean({
      required: false,
      defaultValue: false,
      description: 'End it at the end of the current period (it stays active until then) instead of now.',
    }),
    feedback: t.field({ type: CancellationFeedbackEnum, required: false, description: 'The reason the customer chose.' }),
    comment: t.string({ required: false, description: `What the customer wrote (at most ${MAX_COMMENT_LENGTH} characters).` }),
    invoiceNow: t.boolean({ required: false, description: 'Canceling now: invoice pending usage and prorations at once.' }),
    prorate: t.boolean({ required: false, description: 'Canceling now: credit the unused rest of the period.' }),
    idempotencyKey: t.string({ required: false, description: 'The same key from the same caller makes the change once and returns the same answer.' }),
  }),
});

const ResumeInput = builder.inputType('ResumeSubscriptionInput', {
  description: 'Which subscription to resume.',
  fields: (t) => ({
    subscriptionId: t.id({ required: true, description: 'The subscription (`sub_…`): a paused one, or one set to cancel.' }),
    idempotencyKey: t.string({ required: false, description: 'The same key from the same caller makes the change once and returns the same answer.' }),
  }),
});

/** The subscription before the action: a customer's, checked to be its own (one retrieve through the loader). */
function before(ctx: Context, id: string): Promise<Stripe.Subscription> {
  return ownObject(ctx, 'subscriptionId', 'subscription', () => ctx.loaders.loadSubscription({ id, expand: [] }), (s) => idOf(s.customer));
}

builder.mutationFields((t) => ({
  cancelSubscription: t.field({
    type: CancelResult,
    description:
      'Cancel a subscription now or at the end of its period. Admins; customers on their own subscriptions when the operator ' +
      'allows it (`CUSTOMER_ACTIONS=cancelSubscription`).',
    authScopes: { mayAct: 'cancelSubscription' },
    args: { input: t.arg({ type: CancelInput, required: true, description: 'Which subscription, when and why.' }) },
    extensions: stripeCalls(actionCalls),
    resolve: async (_root, { input }, ctx, info): Promise<Payload> => {
      const id = checkSubscriptionId(input.subscriptionId, 'subscriptionId');
      const key = idempotencyKeyOf(ctx, input.idempotencyKey, 'idempotencyKey');
      const comment = input.comment ?? undefined;
      if (comment !== undefined && comment.length > MAX_COMMENT_LENGTH) throw badInput(`comment takes at most ${MAX_COMMENT_LENGTH} characters.`, 'comment');
      const atPeriodEnd = input.atPeriodEnd ?? false;
      if (atPeriodEnd && (input.invoiceNow != null || input.prorate != null)) {
        throw badInput('invoiceNow and prorate apply only to canceling now (atPeriodEnd: false).', input.invoiceNow != null ? 'invoiceNow' : 'prorate');
      }
      if (ctx.viewer.role !== 'ADMIN') {
        const current = await before(ctx, id);
        if (ENDED.has(current.status)) throw badInput('This subscription has ended already.', 'subscriptionId');
      }
      const expand = key !== undefined ? EVERY_EXPANSION : retrieveExpansions(needsAt(info, ['subscription']));
      const details = { feedback: input.feedback ?? undefined, comment };
      const subscription = atPeriodEnd
        ? await ctx.stripe.subscriptions.updateCancellation(id, { ...details, cancelAtPeriodEnd: true }, { expand, idempotencyKey: key })
        : await ctx.stripe.subscriptions.cancelNow(
            id,
            { ...details, invoiceNow: input.invoiceNow ?? undefined, prorate: input.prorate ?? undefined },
            { expand, idempotencyKey: key },
          );
      ctx.loaders.replaceSubscription(subscription);
      return { subscription };
    },
  }),
  resumeSubscription: t.field({
    type: ResumeResult,
    description:
      'Resume a subscription: a paused one starts billing again; one set to cancel (at period end or on a date) is kept. ' +
      'Admins; customers on their own when the operator allows it (`CUSTOMER_ACTIONS=resumeSubscription`).',
    authScopes: { mayAct: 'resumeSubscription' },
    args: { input: t.arg({ type: ResumeInput, required: true, description: 'Which subscription.' }) },
    // The state decides the call: always a retrieve first.
    extensions: stripeCalls(() => 2),
    resolve: async (_root, { input }, ctx, info): Promise<Payload> => {
      const id = checkSubscriptionId(input.subscriptionId, 'subscriptionId');
      const key = idempotencyKeyOf(ctx, input.idempotencyKey, 'idempotencyKey');
      const current = ctx.viewer.role === 'ADMIN' ? await ctx.loaders.loadSubscription({ id, expand: [] }) : await before(ctx, id);
      const options = { expand: key !== undefined ? EVERY_EXPANSION : retrieveExpansions(needsAt(info, ['subscription'])), idempotencyKey: key };
      let subscription: Stripe.Subscription;
      if (current.status === 'paused') subscription = await ctx.stripe.subscriptions.resume(id, options);
      else if (ENDED.has(current.status)) throw badInput('This subscription has ended: it cannot be resumed.', 'subscriptionId');
      else if (current.cancel_at_period_end) subscription = await ctx.stripe.subscriptions.updateCancellation(id, { cancelAtPeriodEnd: false }, options);
      else if (current.cancel_at !== null) subscription = await ctx.stripe.subscriptions.updateCancellation(id, { clearCancelAt: true }, options);
      else throw badInput('This subscription is neither paused nor set to cancel: there is nothing to resume.', 'subscriptionId');
      ctx.loaders.replaceSubscription(subscription);
      return { subscription };
    },
  }),
}));
