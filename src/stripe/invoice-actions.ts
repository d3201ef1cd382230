/**
 * What can be done to an invoice: finalize, pay, void, mark uncollectible, send — and the preview of a customer's
 * next invoice (`POST /v1/invoices/create_preview`). Each action is one call, with the caller's idempotency key (or a
 * fresh one, the same for every attempt), its customer expanded when the answer needs it.
 */
import Stripe from 'stripe';
import { readKey } from '../cache/read-through.js';
import { customerTag, listTags } from '../cache/tags.js';
import { invoiceWritten } from '../cache/written.js';
import { writeKey, type StripeCaller } from './call.js';

export type InvoiceAction = 'finalize' | 'pay' | 'void' | 'markUncollectible' | 'send';

export interface InvoiceActionOptions {
  expandCustomer?: boolean | undefined;
  /** Already scoped to the caller. */
  idempotencyKey?: string | undefined;
  /** `pay`: the payment method to charge instead of the one Stripe would pick. */
  paymentMethod?: string | undefined;
  /** `pay`: mark it paid without charging (paid outside Stripe). */
  paidOutOfBand?: boolean | undefined;
}

export class InvoiceActions {
  constructor(private readonly caller: StripeCaller) {}

  /**
   * One action on one invoice. Its refusals are worded as for a request, not a retrieve: a customer's ownership was
   * checked before (`src/graphql/types/actions.ts`), and "already paid" is no "no such invoice".
   */
  async act(action: InvoiceAction, id: string, options: InvoiceActionOptions = {}): Promise<Stripe.Invoice> {
    const invoices = this.caller.stripe.invoices;
    const expand = options.expandCustomer ? { expand: ['customer'] } : {};
    const idempotencyKey = writeKey(options.idempotencyKey);
    const acted = await this.caller.call((o) => {
      const request = { ...o, idempotencyKey };
      switch (action) {
        case 'finalize':
          return invoices.finalizeInvoice(id, expand, request);
        case 'pay':
          return invoices.pay(
            id,
            {
              ...expand,
              ...(options.paymentMethod !== undefined ? { payment_method: options.paymentMethod } : {}),
              ...(options.paidOutOfBand !== undefined ? { paid_out_of_band: options.paidOutOfBand } : {}),
            },
            request,
          );
        case 'void':
          return invoices.voidInvoice(id, expand, request);
        case 'markUncollectible':
          return invoices.markUncollectible(id, expand, request);
        case 'send':
          return invoices.sendInvoice(id, expand, request);
      }
    });
    return this.caller.wrote(acted, invoiceWritten);
  }

  /**
   * The invoice Stripe would create next for the customer (its subscriptions' next renewal, pending items), or null
   * when nothing is due next: Stripe answers that with `invoice_upcoming_none`, which is no failure.
   */
  preview(customer: string): Promise<Stripe.Invoice | null> {
    // Derived from the customer's subscriptions, items and catalog: any change of those drops it.
    const tags = [customerTag(customer), ...listTags('price'), ...listTags('product')];
    return this.caller.read({ key: readKey('invoices.createPreview', customer), tags }, async (options) => {
      try {
        return await this.caller.stripe.invoices.createPreview({ customer }, options);
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'invoice_upcoming_none') return null;
        throw error;
      }
    });
  }
}
