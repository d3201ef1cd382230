/**
 * The cost limit (`MAX_COST`): what running an operation costs, from the document and its variables, checked just
 * before execution.
 */
import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, isConnectionField } from '../graphql/connections.js';
import { limitError } from './limits.js';


/**
 * The cost of running an operation, from the document and the variables:
 * - a scalar or enum field costs 0, `__typename` 0;
 * - an object field costs 1 plus the cost of its selection;
 * - a connection field (one with `first`/`last`) costs `n ×` the cost of its selection, `n` being its `first` or
 *   `last` (the larger when both; literal or variable; default 10);
 * - fragments cost what their selections cost (every type condition of an abstract type counts: an upper bound).
 *
 * So `customers(first: 100) { edges { node { invoices(first: 100) { edges { node { id } } } } } }` costs
 * 100 × (1 + 1 + 100 × (1 + 1)) = 20,200. With no `operationName` and several operations, the dearest counts.
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Readonly<Record<string, unknown>> | null,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const selected =
    operationName !== undefined && operationName !== null
      ? operations.filter((operation) => operation.name?.value === operationName)
      : operations;

  let max = 0;
  for (const operation of selected) {
    const defaults = new Map<string, ValueNode>();
    for (const definition of operation.variableDefinitions ?? []) {
      if (definition.defaultValue !== undefined) defaults.set(definition.variable.name.value, definition.defaultValue);
    }
    const intValue = (node: ValueNode | undefined): number | undefined => {
      if (node === undefined || node.kind === Kind.NULL) return undefined;
      if (node.kind === Kind.INT) return Number(node.value);
      if (node.kind === Kind.VARIABLE) {
        const name = node.name.value;
        const value = variables?.[name];
        if (typeof value === 'number' && Number.isFinite(value)) return value;
        if (value === undefined) return intValue(defaults.get(name));
      }
      return undefined;
    };
    const pageSize = (field: FieldNode): number => {
      let n: number | undefined;
      for (const argument of field.arguments ?? []) {
        if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
        const value = intValue(argument.value);
        if (value !== undefined) n = Math.max(n ?? 0, value);
      }
      return Math.max(0, n ?? DEFAULT_PAGE_SIZE);
    };

    const visiting = new Set<string>();
    const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          total += fieldCost(selection, parent);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition !== undefined ? schema.getType(selection.typeCondition.name.value) : parent;
          if (type !== undefined && type !== null && isCompositeType(type)) total += selectionCost(selection.selectionSet, type);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // A cycle is refused by validation; here it just stops counting.
          if (fragment === undefined || visiting.has(name)) continue;
          const type = schema.getType(fragment.typeCondition.name.value);
          if (type === undefined || type === null || !isCompositeType(type)) continue;
          visiting.add(name);
          total += selectionCost(fragment.selectionSet, type);
          visiting.delete(name);
        }
      }
      return total;
    };
    const fieldCost = (node: FieldNode, parent: GraphQLCompositeType): number => {
      const name = node.name.value;
      if (name === '__typename') return 0;
      let field: GraphQLField<unknown, unknown> | undefined;
      if (parent === schema.getQueryType() && name === SchemaMetaFieldDef.name) field = SchemaMetaFieldDef;
      else if (parent === schema.getQueryType() && name === TypeMetaFieldDef.name) field = TypeMetaFieldDef;
      else if (isObjectType(parent) || isInterfaceType(parent)) field = parent.getFields()[name];
      if (field === undefined) return 0; // unknown fields are refused by validation
      const type = getNamedType(field.type);
      if (!isCompositeType(type) || node.selectionSet === undefined) return 0;
      const inner = selectionCost(node.selectionSet, type);
      return isConnectionField(field) ? pageSize(node) * inner : 1 + inner;
    };

    const root = schema.getRootType(operation.operation);
    if (root === null || root === undefined) continue;
    max = Math.max(max, selectionCost(operation.selectionSet, root));
  }
  return max;
}

/**
 * The cost limit. It depends on the variables, so it is checked just before execution (after validation, before
 * any resolver runs) rather than as a validation rule: Yoga caches validation results per document, and a document
 * cheap with `first: 5` must not stay accepted — or refused — when it comes back with `first: 100`.
 */
export function useCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = queryCost(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | null | undefined,
      );
      if (cost > maxCost) {
        setResultAndStopExecution({
          errors: [
            limitError(
              'cost',
              `Query cost ${cost} exceeds the limit of ${maxCost} (a connection costs its first/last, default ${DEFAULT_PAGE_SIZE}, times its selection).`,
              { cost, max: maxCost },
            ),
          ],
        });
      }
    },
  };
}
