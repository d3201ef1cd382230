/** Stripe's expandable fields hold an id or, when expanded, the object: one helper reads the id of either. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

/** The expanded object, or undefined when the field holds only an id. */
export function expandedOf<T extends { id: string }>(value: string | T | null | undefined): T | undefined {
  return value !== null && typeof value === 'object' ? value : undefined;
}
