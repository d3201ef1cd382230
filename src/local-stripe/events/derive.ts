/**
 * Which Stripe events one object's change makes, and the `previous_attributes` of an update: the rules of the change
 * journal (`journal.ts`), kept apart from its bookkeeping so that they read like Stripe's event reference.
 *
 * Given an object's rendering before a unit of work (none if it was created) and after it, an object kind yields:
 * - created: `<kind>.created`, then what its first state already says (an invoice created finalized and paid also
 *   gets `invoice.finalized`, `invoice.paid`, `invoice.payment_succeeded`, as on Stripe);
 * - changed: `<kind>.updated` (with `previous_attributes`) and the lifecycle events its fields show (an invoice's
 *   `status` from `draft` → `invoice.finalized`, → `paid` → `invoice.paid` + `invoice.payment_succeeded` (only
 *   `invoice.paid` when paid out of band), `attempt_count` up while unpaid → `invoice.payment_failed`, → `void` →
 *   `invoice.voided`, → `uncollectible` → `invoice.marked_uncollectible`; a subscription → `paused` →
 *   `customer.subscription.paused`, `paused` → anything live → `customer.subscription.resumed`, → `canceled` or
 *   `incomplete_expired` → `customer.subscription.deleted` alone, as Stripe sends it; a payment method's `customer`
 *   set → `payment_method.attached`, cleared → `payment_method.detached`, alone);
 * - removed: `<kind>.deleted` with the object as it was.
 * Invoice items have no `invoiceitem.updated` in this API version (their invoice's event shows the change).
 */
import type Stripe from 'stripe';

type Json = Record<string, unknown>;

/** When an event goes out within one unit of work: every creation first, then changes, then deletions. */
export const Phase = { Created: 0, Changed: 1, Deleted: 2 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export interface Derived {
  type: Stripe.Event.Type;
  phase: Phase;
  /** Only on `*.updated`. */
  previousAttributes?: Json;
}

/** The kinds of stored object that have events, by the name they render under (`expand.ts`), and their prefix. */
export const EVENT_PREFIX: Readonly<Record<string, string>> = {
  customer: 'customer',
  invoice: 'invoice',
  invoiceitem: 'invoiceitem',
  subscription: 'customer.subscription',
  payment_method: 'payment_method',
  price: 'price',
  product: 'product',
  'billing_portal.configuration': 'billing_portal.configuration',
  'billing_portal.session': 'billing_portal.session',
};

/** Kinds whose changes Stripe reports with `.updated`; the others only exist, or only appear and vanish. */
const UPDATABLE = new Set(['customer', 'invoice', 'subscription', 'payment_method', 'price', 'product', 'billing_portal.configuration']);

/** Kinds Stripe sends no `.created` for (a payment method is reported when it is attached). */
const NOT_CREATED = new Set(['payment_method']);

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Stripe's `previous_attributes`: each changed field with its previous value; inside an object (`metadata`,
 * `status_transitions`, a list's envelope) only the changed keys; a key that did not exist before is `null`.
 */
export function previousAttributes(before: Json, after: Json): Json {
  const previous: Json = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = before[key];
    const now = after[key];
    if (same(old, now)) continue;
    previous[key] = isPlainObject(old) && isPlainObject(now) ? previousAttributes(old, now) : (old ?? null);
  }
  return previous;
}

const ENDED_SUBSCRIPTION = new Set(['canceled', 'incomplete_expired']);

function invoiceEvents(before: Json | null, after: Json): Stripe.Event.Type[] {
  const types: Stripe.Event.Type[] = [];
  const was = before?.['status'] ?? 'draft';
  const status = after['status'];
  if (was === 'draft' && status !== 'draft') types.push('invoice.finalized');
  if (status === 'paid' && was !== 'paid') {
    types.push('invoice.paid');
    if (after['paid_out_of_band'] !== true) types.push('invoice.payment_succeeded');
  }
  const attempts = (after['attempt_count'] as number | undefined) ?? 0;
  const attemptsBefore = (before?.['attempt_count'] as number | undefined) ?? 0;
  if (status !== 'paid' && attempts > attemptsBefore) types.push('invoice.payment_failed');
  if (status === 'void' && was !== 'void') types.push('invoice.voided');
  if (status === 'uncollectible' && was !== 'uncollectible') types.push('invoice.marked_uncollectible');
  return types;
}

function subscriptionEvents(before: Json, after: Json): Stripe.Event.Type[] | 'ended' {
  const was = before['status'] as string;
  const status = after['status'] as string;
  if (ENDED_SUBSCRIPTION.has(status) && !ENDED_SUBSCRIPTION.has(was)) return 'ended';
  if (status === 'paused' && was !== 'paused') return ['customer.subscription.paused'];
  if (was === 'paused' && status !== 'paused') return ['customer.subscription.resumed'];
  return [];
}

/** The events for one object of `kind` that went from `before` (null: created) to `after` (null: removed). */
export function deriveEvents(kind: string, before: Json | null, after: Json | null): Derived[] {
  const prefix = EVENT_PREFIX[kind];
  if (prefix === undefined) return [];
  const type = (suffix: string) => `${prefix}.${suffix}` as Stripe.Event.Type;
  if (after === null) return before === null ? [] : [{ type: type('deleted'), phase: Phase.Deleted }];
  if (before === null) {
    const created: Derived[] = NOT_CREATED.has(kind) ? [] : [{ type: type('created'), phase: Phase.Created }];
    if (kind === 'invoice') created.push(...invoiceEvents(null, after).map((t) => ({ type: t, phase: Phase.Changed })));
    if (kind === 'payment_method' && after['customer'] !== null) {
      created.push({ type: 'payment_method.attached', phase: Phase.Changed });
    }
    return created;
  }
  if (same(before, after)) return [];
  if (kind === 'payment_method' && !same(before['customer'], after['customer'])) {
    return [{ type: after['customer'] === null ? 'payment_method.detached' : 'payment_method.attached', phase: Phase.Changed }];
  }
  if (kind === 'subscription') {
    const lifecycle = subscriptionEvents(before, after);
    if (lifecycle === 'ended') return [{ type: 'customer.subscription.deleted', phase: Phase.Changed }];
    return [updated(type('updated'), before, after), ...lifecycle.map((t) => ({ type: t, phase: Phase.Changed }))];
  }
  if (!UPDATABLE.has(kind)) return [];
  const changes: Derived[] = [updated(type('updated'), before, after)];
  if (kind === 'invoice') changes.push(...invoiceEvents(before, after).map((t) => ({ type: t, phase: Phase.Changed })));
  return changes;
}

function updated(type: Stripe.Event.Type, before: Json, after: Json): Derived {
  return { type, phase: Phase.Changed, previousAttributes: previousAttributes(before, after) };
}
