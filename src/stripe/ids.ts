/**
 * Stripe id shapes, checked before any Stripe call: the prefix names the object type, and Stripe's ids are short
 * alphanumerics (real ones are under 40 characters; 255 is Stripe's own limit for ids and keys). A longer or
 * stranger "id" is refused here instead of being sent on.
 */
export const MAX_ID_LENGTH = 255;

/** `stripeId('cus')` matches `cus_…` ids. */
export function stripeId(prefix: string): RegExp {
  return new RegExp(`^${prefix}_[A-Za-z0-9]{1,${MAX_ID_LENGTH - prefix.length - 1}}$`);
}

/** Any Stripe id; group 1 is its prefix. */
export const ANY_STRIPE_ID = new RegExp(`^([a-z]{1,10})_[A-Za-z0-9]{1,${MAX_ID_LENGTH}}$`);

/** Ids of objects the gateway only passes on (coupons, promotion codes, prices): Stripe allows `-` and `_`. */
export const OPAQUE_ID = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_LENGTH}}$`);

/** A caller's would-be id, quoted for an error message: cut short, so a huge input is not echoed back. */
export function quoteId(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
