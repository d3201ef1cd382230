/**
 * Stripe's test cards: the numbers, tokens (`tok_visa`) and magic payment method ids (`pm_card_visa`) Stripe's
 * testing docs list, what each one is (brand, funding, country) and how it behaves — charges succeed, the card is
 * refused when attached (every decline card except 4000 0000 0000 0341), or it attaches and every charge declines
 * (0341). Numbers are checked as Stripe checks them: Luhn first (`incorrect_number`), then the test-mode rule that
 * only test numbers are accepted (a real card is declined with `test_mode_live_card`).
 *
 * Nothing here keeps a full number: callers get the brand, last four digits and a fingerprint.
 */
import { createHmac } from 'node:crypto';
import { cardError, type StripeApiError } from '../errors.js';

/** How a test card behaves when it is attached to a customer and when it is charged. */
export interface Decline {
  code: string;
  decline_code?: string;
  message: string;
  param?: string;
}

export interface TestCard {
  brand: string;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
  /** Refused when attached to a customer (and when charged unattached). */
  attachDecline?: Decline;
  /** Attaches, but every charge declines (4000 0000 0000 0341). */
  chargeDecline?: Decline;
}

const GENERIC: Decline = { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
const INSUFFICIENT: Decline = { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' };
const LOST: Decline = { code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' };
const STOLEN: Decline = { code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' };
const EXPIRED: Decline = { code: 'expired_card', decline_code: 'expired_card', message: 'Your card has expired.', param: 'exp_month' };
const INCORRECT_CVC: Decline = { code: 'incorrect_cvc', decline_code: 'incorrect_cvc', message: "Your card's security code is incorrect.", param: 'cvc' };
const PROCESSING: Decline = {
  code: 'processing_error',
  decline_code: 'processing_error',
  message: 'An error occurred while processing your card. Try again in a little bit.',
};

const visa = (funding: TestCard['funding'] = 'credit'): TestCard => ({ brand: 'visa', funding, country: 'US' });

/** Stripe's test numbers (https://docs.stripe.com/testing). */
const NUMBERS: Readonly<Record<string, TestCard>> = {
  '4242424242424242': visa(),
  '4000056655665556': visa('debit'),
  '5555555555554444': { brand: 'mastercard', funding: 'credit', country: 'US' },
  '2223003122003222': { brand: 'mastercard', funding: 'credit', country: 'US' },
  '5200828282828210': { brand: 'mastercard', funding: 'debit', country: 'US' },
  '5105105105105100': { brand: 'mastercard', funding: 'prepaid', country: 'US' },
  '378282246310005': { brand: 'amex', funding: 'credit', country: 'US' },
  '371449635398431': { brand: 'amex', funding: 'credit', country: 'US' },
  '6011111111111117': { brand: 'discover', funding: 'credit', country: 'US' },
  '3056930009020004': { brand: 'diners', funding: 'credit', country: 'US' },
  '3566002020360505': { brand: 'jcb', funding: 'credit', country: 'JP' },
  '6200000000000005': { brand: 'unionpay', funding: 'credit', country: 'CN' },
  '4000000000000002': { ...visa(), attachDecline: GENERIC },
  '4000000000009995': { ...visa(), attachDecline: INSUFFICIENT },
  '4000000000009987': { ...visa(), attachDecline: LOST },
  '4000000000009979': { ...visa(), attachDecline: STOLEN },
  '4000000000000069': { ...visa(), attachDecline: EXPIRED },
  '4000000000000127': { ...visa(), attachDecline: INCORRECT_CVC },
  '4000000000000119': { ...visa(), attachDecline: PROCESSING },
  '4000000000000341': { ...visa(), chargeDecline: GENERIC },
};

/** Test tokens (`card[token]`) → the test number they stand for. */
const TOKENS: Readonly<Record<string, string>> = {
  tok_visa: '4242424242424242',
  tok_visa_debit: '4000056655665556',
  tok_mastercard: '5555555555554444',
  tok_mastercard_debit: '5200828282828210',
  tok_mastercard_prepaid: '5105105105105100',
  tok_amex: '378282246310005',
  tok_discover: '6011111111111117',
  tok_diners: '3056930009020004',
  tok_jcb: '3566002020360505',
  tok_unionpay: '6200000000000005',
  tok_chargeDeclined: '4000000000000002',
  tok_visa_chargeDeclined: '4000000000000002',
  tok_chargeDeclinedInsufficientFunds: '4000000000009995',
  tok_visa_chargeDeclinedInsufficientFunds: '4000000000009995',
  tok_chargeDeclinedLostCard: '4000000000009987',
  tok_visa_chargeDeclinedLostCard: '4000000000009987',
  tok_chargeDeclinedStolenCard: '4000000000009979',
  tok_visa_chargeDeclinedStolenCard: '4000000000009979',
  tok_chargeDeclinedExpiredCard: '4000000000000069',
  tok_chargeDeclinedIncorrectCvc: '4000000000000127',
  tok_chargeDeclinedProcessingError: '4000000000000119',
  tok_chargeCustomerFail: '4000000000000341',
};

/** A test card as the local Stripe keeps it while building a payment method; `number` never leaves this step. */
export interface ResolvedCard extends TestCard {
  number: string;
}

function resolved(number: string): ResolvedCard {
  return { number, ...(NUMBERS[number] as TestCard) };
}

/** The card a test token stands for, or undefined for a token Stripe does not know. */
export function cardForToken(token: string): ResolvedCard | undefined {
  const number = TOKENS[token];
  return number === undefined ? undefined : resolved(number);
}

/**
 * The card a magic payment method id stands for: `pm_card_visa` is `tok_visa`, `pm_card_visa_chargeDeclined` is
 * `tok_visa_chargeDeclined`, … Stripe makes a fresh `pm_…` from it each time one is used.
 */
export function cardForMagicId(id: string): ResolvedCard | undefined {
  if (!id.startsWith('pm_card_')) return undefined;
  return cardForToken(`tok_${id.slice('pm_card_'.length)}`);
}

function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * The test card a raw `card[number]` names, or Stripe's card error: not digits or failing Luhn →
 * `incorrect_number`; a valid number that is not a test card → declined (`test_mode_live_card`), as test mode does.
 */
export function cardForNumber(raw: string): ResolvedCard {
  const number = raw.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !luhn(number)) {
    throw cardError('incorrect_number', 'Your card number is incorrect.', { param: 'number' });
  }
  if (NUMBERS[number] === undefined) {
    throw cardError(
      'card_declined',
      'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of ' +
        'valid test cards, visit: https://stripe.com/docs/testing.',
      { decline_code: 'test_mode_live_card' },
    );
  }
  return resolved(number);
}

/** Stripe's `display_brand` for a card `brand`. */
export function displayBrand(brand: string): string {
  const names: Record<string, string> = { amex: 'american_express', diners: 'diners_club', unionpay: 'union_pay' };
  return names[brand] ?? (brand === 'unknown' ? 'other' : brand);
}

/**
 * A fingerprint Stripe's way: the same number gives the same value within one account and a different one in
 * another; it is a keyed hash, so it cannot be turned back into the number.
 */
export function fingerprintOf(accountId: string, number: string): string {
  const digest = createHmac('sha256', accountId).update(number).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[(digest[i] as number) % alphabet.length];
  return out;
}

/** The card error a decline raises, with the charge and payment method Stripe names in it. */
export function declineError(decline: Decline, extra: { charge?: string; payment_method?: unknown } = {}): StripeApiError {
  return cardError(decline.code, decline.message, {
    ...(decline.param !== undefined ? { param: decline.param } : {}),
    ...(decline.decline_code !== undefined ? { decline_code: decline.decline_code } : {}),
    ...extra,
  });
}
