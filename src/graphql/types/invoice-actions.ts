/**
 * The invoice actions: `finalizeInvoice`, `payInvoice`, `voidInvoice`, `markInvoiceUncollectible`, `sendInvoice`.
 * Admins' actions, and customers' on their own invoices when the operator allows them (`CUSTOMER_ACTIONS`): a
 * customer's invoice is read first (to check it is its own, and to say plainly when its state does not allow the
 * action), then acted on; an admin's is one call, and Stripe says what is wrong.
 */
import type Stripe from 'stripe';
import type { CustomerAction } from '../../auth/actions.js';
import { idOf } from '../../stripe/expandable.js';
import { quoteId, stripeId } from '../../stripe/ids.js';
import type { InvoiceAction } from '../../stripe/invoice-actions.js';
import { builder } from '../builder.js';
import { badInput } from '../errors.js';
import { needsMoreThanId } from '../selection.js';
import { stripeCalls } from '../stripe-calls.js';
import { actionCalls, actionResult, idempotencyKeyOf, ownObject } from './actions.js';
import { InvoiceRef } from './refs.js';

const INVOICE_ID = stripeId('in');
const PAYMENT_METHOD_ID = stripeId('pm');

interface Payload extends Record<string, Stripe.Invoice> {
  invoice: Stripe.Invoice;
}

interface Spec {
  mutation: CustomerAction;
  action: InvoiceAction;
  /** `FinalizeInvoice` → `FinalizeInvoiceInput`, `…Payload`, `…Result`. */
  type: string;
  description: string;
  /** The statuses Stripe allows the action from (checked up front for customers, who read the invoice anyway). */
  from: readonly string[];
  refusal: string;
}

const SPECS: Spec[] = [
  {
    mutation: 'finalizeInvoice',
    action: 'finalize',
    type: 'FinalizeInvoice',
    description: 'Finalize a draft invoice: it gets its number and hosted page, and becomes OPEN (and is charged or sent as its collection method says).',
    from: ['draft'],
    refusal: 'Only a draft invoice can be finalized.',
  },
  {
    mutation: 'payInvoice',
    action: 'pay',
    type: 'PayInvoice',
    description: 'Pay an open (or uncollectible) invoice now, with the payment method Stripe would charge or the one given.',
    from: ['open', 'uncollectible'],
    refusal: 'Only an open or uncollectible invoice can be paid.',
  },
  {
    mutation: 'voidInvoice',
    action: 'void',
    type: 'VoidInvoice',
    description: 'Void a finalized invoice that will not be paid; it is kept for the record.',
    from: ['open', 'uncollectible'],
    refusal: 'Only an open or uncollectible invoice can be voided.',
  },
  {
    mutation: 'markInvoiceUncollectible',
    action: 'markUncollectible',
    type: 'MarkInvoiceUncollectible',
    description: 'Mark an open invoice as not expected to be paid (it can still be paid or voided later).',
    from: ['open'],
    refusal: 'Only an open invoice can be marked uncollectible.',
  },
  {
    mutation: 'sendInvoice',
    action: 'send',
    type: 'SendInvoice',
    description: 'Email an open invoice to the customer with a link to pay it (invoices collected by SEND_INVOICE).',
    from: ['open'],
    refusal: 'Only an open invoice can be sent.',
  },
];

const KEY = 'The same key from the same caller makes the change once and returns the same answer.';

for (const spec of SPECS) {
  const Result = actionResult<Stripe.Invoice, Payload>(spec.type, 'invoice', InvoiceRef, {
    payload: 'The invoice as the action left it.',
    field: 'The invoice, after the change.',
  });
  const Input = builder.inputType(`${spec.type}Input`, {
    description: `Which invoice to act on (\`${spec.mutation}\`).`,
    fields: (t) => ({
      invoiceId: t.id({ required: true, description: 'The invoice (`in_…`).' }),
      idempotencyKey: t.string({ required: false, description: KEY }),
      ...(spec.action === 'pay'
        ? {
            paymentMethodId: t.id({ required: false, description: 'Charge this payment method (`pm_…`, the customer’s) instead of the default.' }),
            paidOutOfBand: t.boolean({ required: false, description: 'Admins: record it as paid outside Stripe, charging nothing.' }),
          }
        : {}),
    }),
  });
  builder.mutationField(spec.mutation, (t) =>
    t.field({
      type: Result,
      description: `${spec.description} Admins; customers on their own invoices when the operator allows it (\`CUSTOMER_ACTIONS=${spec.mutation}\`).`,
      authScopes: { mayAct: spec.mutation },
      args: { input: t.arg({ type: Input, required: true, description: 'Which invoice.' }) },
      extensions: stripeCalls(actionCalls),
      resolve: async (_root, { input }, ctx, info): Promise<Payload> => {
        const id = input.invoiceId;
        if (!INVOICE_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe invoice id (in_…).`, 'invoiceId');
        const key = idempotencyKeyOf(ctx, input.idempotencyKey);
        const extra = input as { paymentMethodId?: string | null; paidOutOfBand?: boolean | null };
        if (extra.paymentMethodId != null && !PAYMENT_METHOD_ID.test(extra.paymentMethodId)) {
          throw badInput(`${quoteId(extra.paymentMethodId)} is not a Stripe payment method id (pm_…).`, 'paymentMethodId');
        }
        if (ctx.viewer.role !== 'ADMIN') {
          // Paid outside Stripe is the operator's word to give, never a customer's.
          if (extra.paidOutOfBand != null) throw badInput('Only admins may record an invoice as paid outside Stripe.', 'paidOutOfBand');
          const current = await ownObject(ctx, 'invoiceId', 'invoice', () => ctx.loaders.invoice.load({ id, expandCustomer: false }), (i) => idOf(i.customer));
          if (!spec.from.includes(current.status ?? '')) throw badInput(`${spec.refusal} This one is ${current.status ?? 'in an unknown state'}.`, 'invoiceId');
        }
        const invoice = await ctx.stripe.invoiceActions.act(spec.action, id, {
          // With a key the parameters may not depend on the selection (a repeat would conflict): expanded always.
          expandCustomer: key !== undefined || needsMoreThanId(info, ['invoice', 'customer']),
          idempotencyKey: key,
          paymentMethod: extra.paymentMethodId ?? undefined,
          paidOutOfBand: extra.paidOutOfBand ?? undefined,
        });
        ctx.loaders.replaceInvoice(invoice);
        return { invoice };
      },
    }),
  );
}
