/**
 * GraphiQL's example tabs: one per operation of `schema/operations/`, its variables filled so that it runs as it
 * opens — with the demo account's ids in demo mode, with placeholders otherwise (running one then answers
 * BAD_USER_INPUT naming the id to fill in).
 */
import type { GraphiQLTab } from '../http/graphiql.js';
import { exampleTabs, type ExampleOperation } from '../http/examples.js';
import { DEMO, type LocalStripe } from '../local-stripe/index.js';

const customerOf = (invoice: { customer: string | { id: string } | null }) =>
  typeof invoice.customer === 'string' ? invoice.customer : invoice.customer?.id;

/** An invoice of the demo customer's with several lines, for the invoice example. */
function demoInvoiceId(local: LocalStripe): string | undefined {
  let fallback: string | undefined;
  for (const invoice of local.store.invoices.newestFirst()) {
    if (customerOf(invoice) !== DEMO.customer) continue;
    fallback ??= invoice.id;
    if (invoice.status !== 'draft' && invoice.lines.data.length > 1) return invoice.id;
  }
  return fallback;
}

/** An open invoice of the demo business customer (its card pays): the PayInvoice tab's. */
function demoOpenInvoiceId(local: LocalStripe): string | undefined {
  for (const invoice of local.store.invoices.newestFirst()) {
    if (customerOf(invoice) === DEMO.businessCustomer && invoice.status === 'open') return invoice.id;
  }
  return undefined;
}

export function demoTabs(operations: readonly ExampleOperation[], local: LocalStripe): GraphiQLTab[] {
  return exampleTabs(
    operations,
    {
      customerId: DEMO.customer,
      invoiceId: demoInvoiceId(local) ?? 'in_…',
      configurationId: DEMO.defaultConfiguration,
      subscriptionId: DEMO.subscription,
      input: { customerId: DEMO.customer },
    },
    // Cancel at period end, then resume: run in order, the two tabs leave the demo as it was.
    {
      CancelSubscription: { input: { subscriptionId: DEMO.subscription, atPeriodEnd: true, feedback: 'TOO_EXPENSIVE' } },
      ResumeSubscription: { input: { subscriptionId: DEMO.subscription } },
      PayInvoice: { input: { invoiceId: demoOpenInvoiceId(local) ?? 'in_…' } },
    },
  );
}

export function placeholderTabs(operations: readonly ExampleOperation[]): GraphiQLTab[] {
  return exampleTabs(
    operations,
    { customerId: 'cus_…', invoiceId: 'in_…', configurationId: 'bpc_…', subscriptionId: 'sub_…', input: { customerId: 'cus_…' } },
    {
      CancelSubscription: { input: { subscriptionId: 'sub_…', atPeriodEnd: true } },
      ResumeSubscription: { input: { subscriptionId: 'sub_…' } },
      PayInvoice: { input: { invoiceId: 'in_…' } },
    },
  );
}
