/**
 * The demo account's cards: every demo customer pays with a card on file (its `invoice_settings.default_payment_method`),
 * a Visa 4242 for most, a Mastercard, an Amex and a Visa debit for a few, with varied expiry dates — except Joan
 * Clarke (a new customer, no card) and Margaret Hamilton, whose Visa paid her history and was then replaced, at the
 * end of the seed, by 4000 0000 0000 0341: it attaches, and every charge declines.
 *
 * Cards, and the payments the seed makes with them, draw their ids from their own seeded sources, so they never
 * shift the ids of the rest of the demo (`DEMO` in `seed.ts`, pinned by `test/local-stripe/seed.test.ts`).
 */
import type Stripe from 'stripe';
import { seededRandom, type RandomSource } from './ids.js';
import { updateCustomer } from './resources/customers.js';
import { payInvoice } from './resources/invoice-lifecycle.js';
import { attachPaymentMethod, createPaymentMethod, detachPaymentMethod } from './resources/payment-methods.js';
import type { Store } from './store.js';

const CARD_IDS = 20261111;
const PAYMENT_IDS = 20261112;

/** Customers (by email) paying with something other than a Visa 4242, and the few without a working card. */
const CARD_NUMBERS: Readonly<Record<string, string>> = {
  'billing@acme.example': '5555555555554444',
  'ap@hooli.example': '378282246310005',
  'grace@example.com': '4000056655665556',
  'linus@example.com': '5555555555554444',
};
const NO_CARD = new Set(['joan@example.com']);
/** Her working Visa is replaced at the end of the seed by a card whose charges all decline. */
const FAILING_LATER = 'margaret@example.com';
const FAILING_NUMBER = '4000000000000341';

export interface DemoCards {
  /** Gives a new demo customer its card (at the store's current time); `index` varies the expiry. */
  give(customer: Stripe.Customer, index: number): void;
  /** `payInvoice` with the seed's own payment ids. */
  pay(invoiceId: string): void;
  /** The end of the seed: Margaret Hamilton's card is replaced by the failing one. */
  finish(at: number): void;
}

export function demoCards(store: Store): DemoCards {
  const cardIds = seededRandom(CARD_IDS);
  const paymentIds = seededRandom(PAYMENT_IDS);
  const using = <T>(source: RandomSource, fn: () => T): T => store.ids.using(source, fn);

  const addCard = (customer: Stripe.Customer, number: string, index: number): Stripe.PaymentMethod =>
    using(cardIds, () => {
      const pm = createPaymentMethod(store, {
        type: 'card',
        card: { number, exp_month: 1 + ((index * 5) % 12), exp_year: 2028 + (index % 4), cvc: number.length === 15 ? '1234' : '123' },
        billing_details: {
          name: customer.name ?? null,
          email: customer.email ?? null,
          address: { city: customer.address?.city ?? null, country: customer.address?.country ?? null },
        },
      });
      attachPaymentMethod(store, pm.id, customer.id);
      updateCustomer(store, customer.id, { invoice_settings: { default_payment_method: pm.id } });
      return pm;
    });

  return {
    give(customer, index) {
      if (customer.email === null || NO_CARD.has(customer.email)) return;
      addCard(customer, CARD_NUMBERS[customer.email] ?? '4242424242424242', index);
    },
    pay(invoiceId) {
      using(paymentIds, () => payInvoice(store, invoiceId, ''));
    },
    finish(at) {
      const margaret = [...store.customers.newestFirst()].find((c) => c.email === FAILING_LATER);
      if (margaret === undefined) return;
      store.at(at, () => {
        const previous = margaret.invoice_settings.default_payment_method;
        addCard(margaret, FAILING_NUMBER, 0);
        if (typeof previous === 'string') using(cardIds, () => detachPaymentMethod(store, previous));
      });
    },
  };
}
