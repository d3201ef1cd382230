/**
 * What every admin action (a mutation that changes billing state) shares: its idempotency key, checked and scoped to
 * the caller; its cost (a customer's action needs the object read first, to check that it is the customer's); the
 * ownership check itself, answered as a missing object would be; and its payload and result types.
 */
import { GraphQLError } from 'graphql';
import { idempotencyScope, canAccessCustomer } from '../../auth/viewer.js';
import { notYours } from '../../stripe/errors.js';
import { scopedIdempotencyKey } from '../../stripe/gateway.js';
import { builder, type Ref } from '../builder.js';
import type { Context } from '../context.js';
import { badInput } from '../errors.js';
import type { StripeCallEstimate } from '../stripe-calls.js';

/** The caller's `idempotencyKey`, checked (1–255 printable ASCII) and scoped to the caller; undefined when none. */
export function idempotencyKeyOf(ctx: Context, key: string | null | undefined, field = 'idempotencyKey'): string | undefined {
  if (key == null) return undefined;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw badInput('idempotencyKey must be 1–255 printable ASCII characters.', field);
  }
  return scopedIdempotencyKey(idempotencyScope(ctx.viewer), key);
}

/** An admin's action is its one call; a customer's reads the object first, to check that it is the customer's. */
export const actionCalls: StripeCallEstimate = ({ role }) => (role === 'ADMIN' ? 1 : 2);

/**
 * The object a customer named for an action, read and checked to be its own before the action's call. Another
 * customer's object and a missing one get the same answer, naming the input's field.
 */
export async function ownObject<T>(ctx: Context, field: string, noun: string, load: () => Promise<T>, owner: (value: T) => string | null): Promise<T> {
  const refused = () => notYours(field, `${noun} of yours`);
  let value: T;
  try {
    value = await load();
  } catch (error) {
    // The Stripe layer words a missing object as "not yours" already (FORBIDDEN); named here by the input's field.
    if (error instanceof GraphQLError && error.extensions['code'] === 'FORBIDDEN') throw refused();
    throw error;
  }
  if (!canAccessCustomer(ctx.viewer, owner(value))) throw refused();
  return value;
}

/** `<Name>Payload { <field>: <Type>! }` and the union `<Name>Result` of it (typed errors can join it later). */
export function actionResult<T, P extends Record<string, T>>(
  name: string,
  field: keyof P & string,
  ref: Ref<T>,
  descriptions: { payload: string; field: string },
) {
  const payload = builder.objectRef<P>(`${name}Payload`).implement({
    description: descriptions.payload,
    fields: (t) => ({
      [field]: t.field({ type: ref, description: descriptions.field, resolve: (p: P) => p[field] as never }),
    }),
  });
  return builder.unionType(`${name}Result`, {
    description: `The result of \`${name.charAt(0).toLowerCase()}${name.slice(1)}\`. Select \`... on ${name}Payload\`; failures are GraphQL errors with a code.`,
    types: [payload],
    resolveType: () => payload,
  });
}

/** Stripe's limit on free text it stores (a cancellation comment). */
export const MAX_COMMENT_LENGTH = 5000;
