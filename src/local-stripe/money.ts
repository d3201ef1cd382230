/**
 * Currencies in the local Stripe: the smallest amount Stripe will charge in each (below it an invoice is marked
 * paid and the amount moves to the customer's balance) and the `currency` parameter. Minor units and formatting
 * are shared with the gateway (`src/stripe-facts/money.ts`).
 */
import Stripe from 'stripe';
import { invalidParam } from './errors.js';
import type { Spec } from './params.js';

/**
 * Minimum charge amounts in minor units, from Stripe's "minimum and maximum charge amounts" table. A currency not
 * listed here has no minimum in the local Stripe.
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

export function minimumCharge(currency: string): number {
  return MINIMUM_CHARGE[currency] ?? 0;
}

/** A three-letter ISO currency code; Stripe accepts any case and answers in lower case. */
export function currency(): Spec<string, false> {
  return {
    required: false,
    parse(value, path) {
      if (typeof value !== 'string') throw invalidParam(path, `Invalid ${path}: must be a string, not a hash`);
      const code = value.toLowerCase();
      if (!/^[a-z]{3}$/.test(code)) {
        throw invalidParam(path, `Invalid currency: ${value}. Stripe currencies are three-letter ISO codes, such as usd.`);
      }
      return code;
    },
  };
}

const DECIMAL = /^-?\d+(\.\d{1,12})?$/;

/**
 * A `decimal_string` parameter (`unit_amount_decimal`). stripe-node sends a `Stripe.Decimal` as its string form
 * (`"12.5"`); at most 12 decimal places, as Stripe documents.
 */
export function decimal(): Spec<Stripe.Decimal, false> {
  return {
    required: false,
    parse(value, path) {
      if (typeof value !== 'string') throw invalidParam(path, `Invalid ${path}: must be a string, not a hash`);
      if (!DECIMAL.test(value)) {
        throw invalidParam(path, `Invalid decimal: ${value}. Use at most 12 decimal places.`, 'parameter_invalid_decimal');
      }
      return Stripe.Decimal.from(value);
    },
  };
}
