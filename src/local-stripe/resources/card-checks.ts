/**
 * The checks Stripe makes on a card's expiry and CVC when a card is created or its expiry updated, with the card
 * errors (`invalid_expiry_month`, `invalid_expiry_year`, `invalid_cvc`) and the field each one names.
 */
import { cardError } from '../errors.js';
import type { Store } from '../store.js';

/** Stripe accepts expiry years up to about fifty years ahead. */
const MAX_YEARS_AHEAD = 50;

/** Returns the four-digit year. */
export function checkExpiry(store: Store, month: number, year: number): number {
  if (month < 1 || month > 12) {
    throw cardError('invalid_expiry_month', "Your card's expiration month is invalid.", { param: 'exp_month' });
  }
  const now = new Date(store.nowSeconds() * 1000);
  const thisYear = now.getUTCFullYear();
  // Two-digit years are read as this century's, as Stripe does.
  const fullYear = year < 100 ? 2000 + year : year;
  if (fullYear < thisYear || fullYear > thisYear + MAX_YEARS_AHEAD) {
    throw cardError('invalid_expiry_year', "Your card's expiration year is invalid.", { param: 'exp_year' });
  }
  if (fullYear === thisYear && month < now.getUTCMonth() + 1) {
    throw cardError('invalid_expiry_month', "Your card's expiration month is invalid.", { param: 'exp_month' });
  }
  return fullYear;
}

/** Three digits, four for American Express. */
export function checkCvc(cvc: string, brand: string): void {
  const digits = brand === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${digits}}$`).test(cvc)) {
    throw cardError('invalid_cvc', "Your card's security code is invalid.", { param: 'cvc' });
  }
}
