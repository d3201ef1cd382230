/** Stripe's enums are open: a value this gateway does not know yet reads as null rather than failing. */
export function known<T extends string>(values: readonly T[], value: string | null | undefined): T | null {
  return value !== null && value !== undefined && (values as readonly string[]).includes(value) ? (value as T) : null;
}
