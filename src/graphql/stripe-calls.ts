/**
 * What a request will cost in Stripe calls, known before it runs: an upper bound, from the document and its
 * variables, that the HTTP edge checks against the Stripe call budget (`src/http/stripe-budget.ts`) and reports in
 * `extensions.stripe.estimatedCalls`.
 *
 * Each field that calls Stripe says what it costs beside its resolver, in its `extensions.stripeCalls`
 * (`stripeCalls(estimate, options)`): the calls it makes per instance of its parent, given its arguments, its own
 * selection and the fields above it. The walk here multiplies that by how many parents there can be: one per
 * object, a connection's page size (`first`/`last`, default 10) for what is below its edges, a list's declared size.
 * Fields without an estimate cost nothing (they read what their parent already holds).
 *
 * Both the estimate and the resolvers read selections through `selection.ts` (fragments, `@skip`/`@include` decided
 * with the variables), so that what the estimate expects a resolver to do is what it does.
 */
import {
  getArgumentValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { StripeCallCount } from '../stripe/gateway.js';
import { DEFAULT_PAGE_SIZE, isConnectionField, MAX_PAGE_SIZE } from './connections.js';
import { beyond, collect, namesAt, type SelectionScope } from './selection.js';

/** One field above the one being estimated. */
export interface Frame {
  /** `Type.field`, e.g. `Customer.invoices`. */
  coordinate: string;
  /** Whether the objects this field gave arrive with their Stripe data (a list's items, an expansion, a retrieve). */
  loaded: boolean;
}

/** What an estimate may read about its field. */
export interface FieldCallContext {
  /** The field's arguments as the request gives them (variables applied, defaults filled in; {} if they do not coerce). */
  args: Record<string, unknown>;
  /** Whether the selection at `path` below the field asks for anything outside `free`. */
  selects(path: readonly string[], free: ReadonlySet<string>): boolean;
  /** The names selected at `path` below the field (for fields sure to run). */
  names(path: readonly string[]): Set<string>;
  /** The fields above, the parent's last. */
  ancestors: readonly Frame[];
  /**
   * Who is calling, when known: what a field costs can depend on it (a customer's action on an object needs the
   * object read first, to check that it is the customer's; an admin's does not).
   */
  role?: 'ADMIN' | 'CUSTOMER' | 'ANONYMOUS' | undefined;
}

export interface FieldCalls {
  /** Stripe calls per instance of the parent (or of `per`). */
  calls: number;
  /**
   * Whether the objects this field gives come with their Stripe data. Default: true when `calls` > 0; a field with no
   * estimate hands on what its parent holds.
   */
  loaded?: boolean;
  /**
   * Count `calls` once per instance of the nearest ancestor with this coordinate's parent instead of once per parent:
   * every invoice of `Customer.invoices` has the same customer, whose one load is shared.
   */
  per?: string;
  /** The concrete type the field resolves to, when its type is abstract (`node(id:)`: from the id's prefix). */
  typename?: string | undefined;
  /**
   * What the call is, when the arguments alone name it (`customer:cus_…`): the request's loaders make it once
   * however many fields ask (`customer(id:)`, `node(id:)`, aliases), so it is counted once. Only for fields with one
   * parent (root fields).
   */
  key?: string | undefined;
}

export type StripeCallEstimate = (field: FieldCallContext) => number | FieldCalls;

export interface StripeCallsExtension {
  estimate?: StripeCallEstimate;
  /** Identical selections (same field, same arguments) under one parent cost once: a loader or memo dedupes them. */
  deduplicated?: boolean;
  /** How many items a list field can hold; `'page'`: its connection's page size (a connection's `edges`). */
  listSize?: number | 'page';
}

/** The `extensions` of a field that calls Stripe (or of a list: how long it can be). */
export const stripeCalls = (estimate: StripeCallEstimate | undefined, options: Omit<StripeCallsExtension, 'estimate'> = {}) => ({
  stripeCalls: { ...options, ...(estimate !== undefined ? { estimate } : {}) } satisfies StripeCallsExtension,
});

const extensionOf = (field: GraphQLField<unknown, unknown>): StripeCallsExtension | undefined =>
  (field.extensions as { stripeCalls?: StripeCallsExtension } | undefined)?.stripeCalls;


function pageSize(args: Record<string, unknown>): number {
  const sizes = [args['first'], args['last']].filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
  // Over 100 is refused before any call; under 1 too.
  return sizes.length === 0 ? DEFAULT_PAGE_SIZE : Math.min(MAX_PAGE_SIZE, Math.max(0, ...sizes));
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

interface Level {
  frame: Frame;
  /** Instances of this field's parent. */
  parents: number;
  /** The connection page size in force below this field. */
  page: number;
}

export function estimateStripeCalls(
  schema: GraphQLSchema,
  document: { definitions: readonly { kind: string }[] },
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  role?: FieldCallContext['role'],
): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments[fragment.name.value] = fragment;
    } else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition as OperationDefinitionNode);
  }
  const operation =
    operationName != null ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (operation === undefined) return 0;
  const vars = variables ?? {};
  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (root == null) return 0;

  const typesOf = (type: GraphQLObjectType) => new Set([type.name, ...type.getInterfaces().map((i) => i.name)]);
  const scopeFor = (type: GraphQLObjectType | undefined): SelectionScope => ({ fragments, variables: vars, types: type !== undefined ? typesOf(type) : undefined });

  // Fields of one object type's selection, grouped as execution groups them (by response key), their selections
  // merged; deduplicated fields further grouped by name and arguments.
  const counted = new Set<string>();
  const walk = (selections: readonly SelectionSetNode[], type: GraphQLObjectType, parents: number, stack: Level[]): number => {
    const scope = scopeFor(type);
    const byKey = new Map<string, FieldNode[]>();
    for (const selectionSet of selections) {
      for (const node of collect(selectionSet, scope)) {
        const key = node.alias?.value ?? node.name.value;
        const group = byKey.get(key);
        if (group === undefined) byKey.set(key, [node]);
        else group.push(node);
      }
    }
    const groups = new Map<string, { field: GraphQLField<unknown, unknown>; nodes: FieldNode[]; args: Record<string, unknown> }>();
    for (const [key, nodes] of byKey) {
      const field = type.getFields()[nodes[0]!.name.value];
      if (field === undefined) continue; // __typename, introspection, or refused by validation
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(field, nodes[0]!, vars as Record<string, unknown>);
      } catch {
        args = {};
      }
      const groupKey = extensionOf(field)?.deduplicated ? `${field.name}(${JSON.stringify(args)})` : `:${key}`;
      const group = groups.get(groupKey);
      if (group === undefined) groups.set(groupKey, { field, nodes: [...nodes], args });
      else group.nodes.push(...nodes);
    }

    let total = 0;
    for (const { field, nodes, args } of groups.values()) {
      const extension = extensionOf(field);
      const childType = getNamedType(field.type);
      const childObject = isObjectType(childType) ? childType : undefined;
      const context: FieldCallContext = {
        args,
        selects: (path, free) => beyond(namesAt(nodes, path, scopeFor(path.length === 0 ? childObject : undefined)), free),
        names: (path) => namesAt(nodes, path, scopeFor(path.length === 0 ? childObject : undefined)),
        ancestors: stack.map((level) => level.frame),
        role,
      };
      const raw = extension?.estimate?.(context) ?? 0;
      const estimate: FieldCalls = typeof raw === 'number' ? { calls: raw } : raw;
      const perLevel = estimate.per !== undefined ? [...stack].reverse().find((level) => level.frame.coordinate === estimate.per) : undefined;
      const once = estimate.key !== undefined && estimate.calls > 0 && parents === 1 && perLevel === undefined;
      if (!once) total += estimate.calls * (perLevel?.parents ?? parents);
      else if (!counted.has(estimate.key!)) {
        counted.add(estimate.key!);
        total += estimate.calls;
      }

      if (!isCompositeType(childType)) continue;
      const childSelections = nodes.map((n) => n.selectionSet).filter((s): s is SelectionSetNode => s !== undefined);
      if (childSelections.length === 0) continue;
      const page = isConnectionField(field) ? pageSize(args) : (stack.at(-1)?.page ?? DEFAULT_PAGE_SIZE);
      const listSize = extension?.listSize === 'page' ? page : (extension?.listSize ?? 1);
      const instances = parents * (isList(field.type) ? listSize : 1);
      // A field without an estimate hands on what its parent holds (a connection's edges and nodes).
      const loaded = extension?.estimate !== undefined ? (estimate.loaded ?? estimate.calls > 0) : (stack.at(-1)?.frame.loaded ?? false);
      const level: Level = {
        frame: { coordinate: `${type.name}.${field.name}`, loaded },
        parents,
        page,
      };
      total += walkComposite(childSelections, childType, instances, [...stack, level], estimate.typename);
    }
    return total;
  };

  const walkComposite = (
    selections: readonly SelectionSetNode[],
    type: GraphQLCompositeType,
    instances: number,
    stack: Level[],
    typename: string | undefined,
  ): number => {
    if (!isAbstractType(type)) return walk(selections, type, instances, stack);
    // An abstract type resolves to one of its types per instance: the dearest counts (or the one the field names).
    const possible = schema.getPossibleTypes(type).filter((t) => typename === undefined || t.name === typename);
    return Math.max(0, ...possible.map((t) => walk(selections, t, instances, stack)));
  };

  return walk([operation.selectionSet], root, 1, []);
}

/** What a response (or a subscription's payload) reports in `extensions.stripe`. */
export interface StripeCallReport {
  /** The up-front estimate (an upper bound on the calls the query needs). */
  estimatedCalls: number;
  /** The calls made, every attempt counted. */
  calls: number;
  /** Of `calls`, the gateway's retries of Stripe's 429s (the reason `calls` can pass the estimate). */
  retries: number;
  /** `MAX_STRIPE_CALLS`. */
  budget: number;
  /** Reads the shared cache answered instead of Stripe (not in `calls`); present when the cache is on. */
  cacheHits?: number;
}

export const stripeCallReport = (count: StripeCallCount | undefined, budget: number): StripeCallReport => ({
  estimatedCalls: count?.estimated ?? 0,
  calls: count?.calls ?? 0,
  retries: count?.retries ?? 0,
  budget,
  ...(count?.cacheHits !== undefined ? { cacheHits: count.cacheHits } : {}),
});
