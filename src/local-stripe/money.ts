/**
 * Currencies as Stripe's billing treats them: which ones have no minor unit, the smallest amount Stripe will
 * charge in each (below it an invoice is marked paid and the amount moves to the customer's balance), and how
 * amounts in minor units read on hosted pages.
 */
import { invalidParam } from './errors.js';
import type { Spec } from './params.js';

/** Stripe's zero-decimal currencies: amounts are whole units (`jpy` 500 is ¥500). */
const ZERO_DECIMAL = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);

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

/** Stripe's three-decimal currencies (amounts in thousandths). */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Digits after the decimal point of an amount in minor units. */
export function minorDigits(currency: string): number {
  const code = currency.toLowerCase();
  return ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
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

/** `1234` usd → `$12.34`; `500` jpy → `¥500`. */
export function formatMoney(amount: number, code: string): string {
  const digits = minorDigits(code);
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: code.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount / 10 ** digits);
  } catch {
    return formatMoneyPlain(amount, code);
  }
}

/** `1234` usd → `12.34 USD`: ASCII only, for the PDF's standard font. */
export function formatMoneyPlain(amount: number, code: string): string {
  const digits = minorDigits(code);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const whole = Math.floor(abs / 10 ** digits);
  const fraction = digits === 0 ? '' : `.${String(abs % 10 ** digits).padStart(digits, '0')}`;
  return `${sign}${whole.toLocaleString('en-US')}${fraction} ${code.toUpperCase()}`;
}
