/** `Viewer` and `Query.viewer`: who the caller is, as the gateway authenticated them. */
import type { Viewer } from '../../auth/viewer.js';
import { builder } from '../builder.js';
import { stripeCalls } from '../stripe-calls.js';
import { customerModel, referredCustomerCalls } from './customer.js';
import { CustomerRef } from './refs.js';

const ViewerRoleEnum = builder.enumType('ViewerRole', {
  description: 'What kind of caller this is.',
  values: {
    ADMIN: { value: 'ADMIN', description: 'A server-to-server caller with a gateway API key: may read and act for any customer.' },
    CUSTOMER: { value: 'CUSTOMER', description: 'A signed-in customer: may read and act only for itself.' },
  } as const,
});

type SignedIn = Exclude<Viewer, { role: 'ANONYMOUS' }>;

const ViewerRef = builder.objectRef<SignedIn>('Viewer').implement({
  description: 'The caller.',
  fields: (t) => ({
    role: t.field({ type: ViewerRoleEnum, description: 'The caller’s role.', resolve: (v) => v.role }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The signed-in customer’s own record; null for admins.',
      extensions: stripeCalls(referredCustomerCalls),
      resolve: (v, _args, ctx, info) => (v.role === 'CUSTOMER' ? customerModel(ctx, v.customerId, info) : null),
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'Who is calling. Start here: a customer finds its own record under `viewer.customer`.',
    authScopes: { authenticated: true },
    resolve: (_root, _args, ctx) => ctx.viewer as SignedIn,
  }),
);
