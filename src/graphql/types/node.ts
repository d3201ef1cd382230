/**
 * `Node` and `Query.node`: any object by its Stripe id. Ids are Stripe's own, and their prefix names the type
 * (`cus_` Customer, `in_` Invoice, `bpc_` PortalConfiguration), so a lookup costs exactly what the typed query
 * costs, with the same authorization.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import { builder } from '../builder.js';
import { badInput } from '../errors.js';
import { ANY_STRIPE_ID, quoteId } from '../../stripe/ids.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';

export interface NodeModel {
  id: string;
}

interface NodeType {
  /** The GraphQL object type the prefix stands for. */
  typename: string;
  /** What fetching it costs in Stripe calls (as the type's own root field estimates it). */
  calls: StripeCallEstimate;
  fetch(id: string, ctx: Context, info: GraphQLResolveInfo): Promise<NodeModel | null> | NodeModel | null;
}

const byPrefix = new Map<string, NodeType>();

/** Registers the object type behind an id prefix (`cus`, `in`, `bpc`); each resource module calls it once. */
export function registerNode(prefix: string, type: NodeType): void {
  byPrefix.set(prefix, type);
}

function typeOf(id: string): NodeType | undefined {
  const prefix = ANY_STRIPE_ID.exec(id)?.[1];
  return prefix === undefined ? undefined : byPrefix.get(prefix);
}

export const NodeRef = builder.interfaceRef<NodeModel>('Node').implement({
  description: 'An object with a Stripe id. Fetch any of them with `node(id:)`.',
  resolveType: (node) => typeOf(node.id)?.typename ?? null,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s own id (`cus_…`, `in_…`, `bpc_…`).' }),
  }),
});

builder.queryField('node', (t) =>
  t.field({
    type: NodeRef,
    nullable: true,
    description: 'Any object by its Stripe id: a customer (`cus_…`), an invoice (`in_…`) or a portal configuration (`bpc_…`).',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'A Stripe id.' }) },
    // The id's prefix names the type: it costs what that type's own lookup costs.
    extensions: stripeCalls(
      (field) => {
        const type = typeof field.args['id'] === 'string' ? typeOf(field.args['id']) : undefined;
        if (type === undefined) return 0;
        const own = type.calls(field);
        return { ...(typeof own === 'number' ? { calls: own } : own), typename: type.typename };
      },
      { deduplicated: true },
    ),
    resolve: (_root, args, ctx, info) => {
      const type = typeOf(args.id);
      if (type === undefined) throw badInput(`${quoteId(args.id)} is not the id of a customer, invoice or portal configuration.`, 'id');
      return type.fetch(args.id, ctx, info);
    },
  }),
);
