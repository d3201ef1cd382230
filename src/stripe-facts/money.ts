/**
 * Money as Stripe counts it: integer amounts in the currency's minor unit (cents; whole yen; thousandths of a
 * dinar). In `src/stripe-facts/`: facts about Stripe that both the gateway (its `Money` type) and the local Stripe
 * (its hosted pages) read; it imports nothing of either.
 */

/** Stripe's zero-decimal currencies: amounts are whole units (`jpy` 500 is ¥500). */
const ZERO_DECIMAL = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);

/** Stripe's three-decimal currencies (amounts in thousandths). */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Digits after the decimal point of an amount in minor units. */
export function minorDigits(currency: string): number {
  const code = currency.toLowerCase();
  return ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
}

/**
 * One formatter per currency, made on first use: building an `Intl.NumberFormat` costs ~100× a `format` call,
 * and a page of invoices formats hundreds of amounts. `null`: a code `Intl` does not know.
 */
const formatters = new Map<string, Intl.NumberFormat | null>();

function formatterFor(code: string): Intl.NumberFormat | null {
  let formatter = formatters.get(code);
  if (formatter === undefined) {
    const digits = minorDigits(code);
    try {
      formatter = new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency: code.toUpperCase(),
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    } catch {
      formatter = null;
    }
    // Currency codes are a few hundred at most; anything else (a malformed code) is not kept.
    if (/^[a-z]{3}$/i.test(code)) formatters.set(code, formatter);
  }
  return formatter;
}

/** `1234` usd → `$12.34`; `500` jpy → `¥500`. */
export function formatMoney(amount: number, code: string): string {
  const formatter = formatterFor(code);
  return formatter === null ? formatMoneyPlain(amount, code) : formatter.format(amount / 10 ** minorDigits(code));
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
