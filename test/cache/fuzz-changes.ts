/**
 * The randomized run's changes, made behind the gateway's back (the gateway learns of each only from its event):
 * through the local Stripe's API with the real `stripe` SDK, through its hosted portal page (billing details) and
 * through its hosted invoice page (the Pay button). Each `CustomerChanges` owns one customer and changes only that
 * customer and its invoices, one change at a time, so that a seed replays the same changes in the same order per
 * customer, whatever the interleaving with the others. Every value it writes moves forward (`fuzz-oracle.ts`):
 * names and emails carry an increasing `v<counter>`, invoice items are positive, invoices only go
 * draft → open → uncollectible → paid | void, and a draft may be deleted.
 */
import type Stripe from 'stripe';
import type { RandomSource } from '../../src/local-stripe/ids.js';
import { payOnHostedPage } from '../support/invoice-page.js';
import { visitPortal } from '../support/portal-page.js';

export type ChangeName =
  | 'api.customer.rename'
  | 'api.customer.email'
  | 'portal.customer.update'
  | 'api.invoice.create'
  | 'api.invoiceitem.add'
  | 'api.invoice.finalize'
  | 'api.invoice.pay'
  | 'page.invoice.pay'
  | 'api.invoice.void'
  | 'api.invoice.uncollectible'
  | 'api.invoice.pay_uncollectible'
  | 'api.invoice.delete';

/** Invoices per customer drawn at most (`everyChannel` may add one): all fit in the first page the reads ask for (100). */
const MAX_INVOICES = 24;

interface OwnInvoice {
  id: string;
  status: Stripe.Invoice.Status;
  total: number;
  hostedUrl: string | null;
}

export const nameFor = (label: string, n: number) => `Fuzz ${label} v${n}`;
export const emailFor = (label: string, n: number) => `${label.toLowerCase()}.v${n}@fuzz.test`;

export class CustomerChanges {
  private counter = 1;
  readonly invoices: OwnInvoice[] = [];

  constructor(
    private readonly stripe: Stripe,
    readonly customerId: string,
    private readonly label: string,
    /** A portal configuration that lets the customer change its name and email. */
    private readonly portalConfiguration: string,
    private readonly random: RandomSource,
  ) {}

  /** Renames the customer through the API; returns the name's new counter. */
  async rename(): Promise<number> {
    const n = ++this.counter;
    await this.stripe.customers.update(this.customerId, { name: nameFor(this.label, n) });
    return n;
  }

  /** A customer for the run, with a card that pays (so that every Pay succeeds). */
  static async create(stripe: Stripe, label: string): Promise<string> {
    const customer = await stripe.customers.create({
      name: nameFor(label, 1),
      email: emailFor(label, 1),
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    return customer.id;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private with(status: Stripe.Invoice.Status): OwnInvoice[] {
    return this.invoices.filter((i) => i.status === status);
  }

  /** The changes possible now, with their weights. */
  private possible(): Array<[ChangeName, number]> {
    const drafts = this.with('draft');
    const open = this.with('open');
    return [
      ['api.customer.rename', 3],
      ['api.customer.email', 1],
      ['portal.customer.update', 2],
      ['api.invoice.create', this.invoices.length < MAX_INVOICES ? 3 : 0],
      ['api.invoiceitem.add', drafts.length > 0 ? 3 : 0],
      ['api.invoice.finalize', drafts.some((d) => d.total > 0) ? 3 : 0],
      ['api.invoice.pay', open.length > 0 ? 2 : 0],
      ['page.invoice.pay', open.length > 0 ? 2 : 0],
      ['api.invoice.void', open.length > 0 ? 1 : 0],
      ['api.invoice.uncollectible', open.length > 0 ? 1 : 0],
      ['api.invoice.pay_uncollectible', this.with('uncollectible').length > 0 ? 1 : 0],
      ['api.invoice.delete', drafts.length > 0 ? 2 : 0],
    ];
  }

  /** Makes one change, drawn from the seed; returns which. */
  async next(): Promise<ChangeName> {
    const options = this.possible().filter(([, weight]) => weight > 0);
    let draw = this.random() * options.reduce((sum, [, weight]) => sum + weight, 0);
    const [name] = options.find(([, weight]) => (draw -= weight) < 0) ?? (options[0] as [ChangeName, number]);
    await this.make(name);
    return name;
  }

  /**
   * One change through each channel the random draws may have missed: an invoice finalized through the API and
   * paid on its hosted page, and the billing details changed on the portal page.
   */
  async everyChannel(): Promise<ChangeName[]> {
    const made: ChangeName[] = [];
    const make = async (name: ChangeName) => {
      await this.make(name);
      made.push(name);
    };
    if (this.with('open').length === 0) {
      if (!this.with('draft').some((d) => d.total > 0)) await make('api.invoice.create');
      await make('api.invoice.finalize');
    }
    await make('page.invoice.pay');
    await make('portal.customer.update');
    return made;
  }

  private keep(invoice: Stripe.Invoice): void {
    const own = this.invoices.find((i) => i.id === invoice.id);
    const state = { id: invoice.id, status: invoice.status as Stripe.Invoice.Status, total: invoice.total, hostedUrl: invoice.hosted_invoice_url ?? null };
    if (own === undefined) this.invoices.push(state);
    else Object.assign(own, state);
  }

  private async make(name: ChangeName): Promise<void> {
    const stripe = this.stripe;
    switch (name) {
      case 'api.customer.rename':
        await this.rename();
        return;
      case 'api.customer.email':
        await stripe.customers.update(this.customerId, { email: emailFor(this.label, ++this.counter) });
        return;
      case 'portal.customer.update': {
        const portal = await visitPortal(stripe, this.customerId, this.portalConfiguration);
        await portal.open('/customer');
        const n = ++this.counter;
        await portal.act('/customer', { name: nameFor(this.label, n), email: emailFor(this.label, n) }, 'customer_updated');
        return;
      }
      case 'api.invoice.create': {
        const invoice = await stripe.invoices.create({ customer: this.customerId, auto_advance: false, collection_method: 'charge_automatically' });
        this.keep(invoice);
        return this.make('api.invoiceitem.add');
      }
      case 'api.invoiceitem.add': {
        const draft = this.pick(this.with('draft'));
        const amount = 100 + Math.floor(this.random() * 900);
        await stripe.invoiceItems.create({ customer: this.customerId, invoice: draft.id, amount, currency: 'usd', description: `Fuzz item ${amount}` });
        this.keep(await stripe.invoices.retrieve(draft.id));
        return;
      }
      case 'api.invoice.finalize':
        this.keep(await stripe.invoices.finalizeInvoice(this.pick(this.with('draft').filter((d) => d.total > 0)).id, { auto_advance: false }));
        return;
      case 'api.invoice.pay':
        this.keep(await stripe.invoices.pay(this.pick(this.with('open')).id));
        return;
      case 'page.invoice.pay': {
        const open = this.pick(this.with('open'));
        if (open.hostedUrl === null) throw new Error(`open invoice ${open.id} has no hosted page`);
        const status = await payOnHostedPage(open.hostedUrl);
        if (status !== 303) throw new Error(`paying ${open.id} on its hosted page answered ${status}, not 303`);
        this.keep(await stripe.invoices.retrieve(open.id));
        return;
      }
      case 'api.invoice.void':
        this.keep(await stripe.invoices.voidInvoice(this.pick(this.with('open')).id));
        return;
      case 'api.invoice.uncollectible':
        this.keep(await stripe.invoices.markUncollectible(this.pick(this.with('open')).id));
        return;
      case 'api.invoice.delete': {
        const draft = this.pick(this.with('draft'));
        await stripe.invoices.del(draft.id);
        this.invoices.splice(this.invoices.indexOf(draft), 1);
        return;
      }
      case 'api.invoice.pay_uncollectible':
        this.keep(await stripe.invoices.pay(this.pick(this.with('uncollectible')).id));
        return;
    }
  }
}
