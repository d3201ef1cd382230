/**
 * The one Pothos builder. It defines no types: those live in `types/`, one module per resource.
 * Auth rules live here as named scopes; resolvers only name the scope they need.
 */
import SchemaBuilder, { type ArgBuilder, type ObjectRef } from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { mayAct, type CustomerAction } from '../auth/actions.js';
import { canAccessCustomer } from '../auth/viewer.js';
import type { Context } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: {
    /** Any verified caller. */
    authenticated: boolean;
    /** A server-to-server caller with a gateway API key. */
    admin: boolean;
    /** An admin, or the customer whose Stripe id this is. */
    ownsCustomer: string | null | undefined;
    /** An admin, or a customer when the operator allows customers this action (`CUSTOMER_ACTIONS`). */
    mayAct: CustomerAction;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date | number };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      authenticated: ctx.viewer.role !== 'ANONYMOUS',
      admin: ctx.viewer.role === 'ADMIN',
      ownsCustomer: (customerId) => canAccessCustomer(ctx.viewer, customerId),
      mayAct: (action) => mayAct(ctx.viewer, action, ctx.customerActions),
    }),
    // Anonymous callers learn that they must authenticate (and why their credentials did not do: expired, invalid,
    // or not checkable now); signed-in ones that this is not theirs.
    unauthorizedError: (_parent, ctx) => (ctx.viewer.role === 'ANONYMOUS' ? unauthenticated(ctx.viewer.rejected) : forbidden()),
  },
});

/** The builder's type parameters, for helpers that take Pothos refs and builders. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
export type Ref<T> = ObjectRef<Types, T>;
export type Args = ArgBuilder<Types>;

builder.queryType({
  description: 'Read Stripe billing data: customers, subscriptions, invoices, the catalog and portal configurations.',
});
builder.mutationType({
  description: 'Act on Stripe billing: open the hosted billing portal; finalize, pay, void or send invoices; cancel or resume subscriptions.',
});
