/** `Money`: an amount in minor units with its currency, and how a person reads it. */
import { formatMoney } from '../../stripe-facts/money.js';
import { builder } from '../builder.js';

export interface MoneyValue {
  amount: number;
  /** Stripe's lower-case ISO code. */
  currency: string;
}

export const MoneyRef = builder.objectRef<MoneyValue>('Money').implement({
  description: 'An amount of money as Stripe counts it: an integer in the currency’s minor unit.',
  fields: (t) => ({
    amount: t.exposeInt('amount', {
      description: 'Integer amount in the minor unit: cents for USD (1250 = $12.50), whole yen for JPY.',
    }),
    currency: t.string({ description: 'ISO 4217 currency code, upper case (e.g. `USD`).', resolve: (m) => m.currency.toUpperCase() }),
    formatted: t.string({ description: 'The amount as a person reads it, e.g. `$12.50` or `¥500`.', resolve: (m) => formatMoney(m.amount, m.currency) }),
  }),
});

export const money = (amount: number, currency: string): MoneyValue => ({ amount, currency });
