/**
 * What a cache entry is tagged with, and which tags a change drops. Over-invalidating is safe; missing a tag is a
 * stale read, so the rules are wide:
 * - `obj:<id>`: every Stripe object inside a result, expanded ones and list items too (an invoice with its customer
 *   expanded is dropped by a change of that customer);
 * - `list:<kind>:<customer or *>`: a list of one kind, of one customer's objects or of everyone's (even an empty list:
 *   a new object must drop it);
 * - `customer:<id>`: whatever is derived from a customer's objects (the upcoming invoice) and every list of one
 *   customer's objects.
 * A change of an object (`ObjectChange`, from an event or from the gateway's own write) drops `obj:<id>`, the lists
 * of its kind (everyone's and its customer's) and `customer:<its customer>`.
 */
import type { ChangedKind, ObjectChange, StripeChange } from '../events/changes.js';

export const objectTag = (id: string): string => `obj:${id}`;
export const listTag = (kind: ChangedKind, customer: string | null | undefined): string => `list:${kind}:${customer ?? '*'}`;
export const customerTag = (customer: string): string => `customer:${customer}`;

/** The tags of a list of `kind`, of one customer's objects (`customer`) or everyone's. */
export function listTags(kind: ChangedKind, customer?: string | null): string[] {
  return customer != null ? [listTag(kind, customer), customerTag(customer)] : [listTag(kind, null)];
}

/** `obj:<id>` of every Stripe object inside `value` (anything with an `id` and an `object` other than `list`). */
export function objectTagsIn(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) objectTagsIn(item, into);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record['id'] === 'string' && typeof record['object'] === 'string' && record['object'] !== 'list') {
      into.add(objectTag(record['id']));
    }
    for (const field of Object.values(record)) if (field !== null && typeof field === 'object') objectTagsIn(field, into);
  }
  return into;
}

/** The tags one object's change drops. */
export function tagsOfChange(change: ObjectChange): string[] {
  const tags = [objectTag(change.id), listTag(change.kind, null)];
  if (change.customerId !== null) tags.push(listTag(change.kind, change.customerId), customerTag(change.customerId));
  return tags;
}

/** The tags an event drops: those of every object it changed, each once. */
export function tagsOfEvent(change: Pick<StripeChange, 'changes'>): string[] {
  return [...new Set(change.changes.flatMap(tagsOfChange))];
}
