/**
 * Look-ahead on the query's selection set: which fields a client selected below the current field. It decides
 * what to ask Stripe for (`expand`), whether an object needs loading at all (`{ customer { id } }` does not), which
 * calls a resolver may start early for its children, and — before execution, from the document alone — what a
 * request will cost in Stripe calls (`stripe-calls.ts`). Both read the selection the same way, through `collect`:
 * fragments and inline fragments are followed, aliases do not matter, and `@skip`/`@include` are decided with the
 * request's variables as graphql-js decides them (a directive whose condition cannot be read counts as included,
 * the cautious reading for an estimate).
 */
import {
  getArgumentValues,
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';

/** What a selection is read with: the document's fragments and the request's variables. */
export interface SelectionScope {
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>>;
  /**
   * Type conditions that apply (the object type and its interfaces): fragments on other types are left out. When
   * undefined every fragment counts (at run time the parent's type is already settled by the schema).
   */
  types?: ReadonlySet<string> | undefined;
}

const scopeOf = (info: GraphQLResolveInfo): SelectionScope => ({ fragments: info.fragments, variables: info.variableValues });

/** Whether `@skip`/`@include` let this node run. */
export function isIncluded(node: FieldNode | InlineFragmentNode | { directives?: FieldNode['directives'] }, variables: SelectionScope['variables']): boolean {
  if (node.directives === undefined || node.directives.length === 0) return true;
  try {
    const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, variables as Record<string, unknown>);
    if (skip?.['if'] === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, variables as Record<string, unknown>);
    return include?.['if'] !== false;
  } catch {
    // A condition that does not coerce: execution will refuse the variables; until then, assume it runs.
    return true;
  }
}

/** The fields named `name` (all, when undefined) directly in `selectionSet`, through fragments, that will run. */
export function collect(selectionSet: SelectionSetNode | undefined, scope: SelectionScope, name?: string, out: FieldNode[] = []): FieldNode[] {
  if (selectionSet === undefined) return out;
  for (const selection of selectionSet.selections) {
    if (!isIncluded(selection, scope.variables)) continue;
    if (selection.kind === 'Field') {
      if (name === undefined || selection.name.value === name) out.push(selection);
    } else if (selection.kind === 'InlineFragment') {
      const condition = selection.typeCondition?.name.value;
      if (condition === undefined || scope.types === undefined || scope.types.has(condition)) collect(selection.selectionSet, scope, name, out);
    } else {
      const fragment = scope.fragments[selection.name.value];
      if (fragment === undefined) continue;
      if (scope.types === undefined || scope.types.has(fragment.typeCondition.name.value)) collect(fragment.selectionSet, scope, name, out);
    }
  }
  return out;
}

/** The field nodes at `path` (field names) below `nodes`. */
export function nodesAt(nodes: readonly FieldNode[], path: readonly string[], scope: SelectionScope): FieldNode[] {
  let current: readonly FieldNode[] = nodes;
  for (const segment of path) {
    const next: FieldNode[] = [];
    for (const node of current) collect(node.selectionSet, { ...scope, types: undefined }, segment, next);
    current = next;
  }
  return [...current];
}

/** The names of the fields selected directly below `nodes` at `path`. */
export function namesAt(nodes: readonly FieldNode[], path: readonly string[], scope: SelectionScope): Set<string> {
  const names = new Set<string>();
  for (const node of nodesAt(nodes, path, scope)) for (const field of collect(node.selectionSet, scope)) names.add(field.name.value);
  return names;
}

/** The names of the fields selected at `path` (field names) below the field being resolved. */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  return namesAt(info.fieldNodes, path, scopeOf(info));
}

export const ID_ONLY: ReadonlySet<string> = new Set(['id', '__typename']);

/** Whether `names` holds anything outside `free`. */
export function beyond(names: Iterable<string>, free: ReadonlySet<string>): boolean {
  for (const name of names) if (!free.has(name)) return true;
  return false;
}

/**
 * True when the selection at `path` asks for a field outside `free` (by default `id` and `__typename`, which an
 * object known by id answers without being loaded): the object must be loaded.
 */
export function needsMoreThanId(info: GraphQLResolveInfo, path: readonly string[] = [], free: ReadonlySet<string> = ID_ONLY): boolean {
  return beyond(selectedFieldNames(info, path), free);
}

/**
 * The arguments (variables applied, defaults filled in) of every `field` selected at `path` below the field being
 * resolved (the last segment names `field`), for the ones that will run. Lets a resolver start a call that a child
 * field will need, together with its own (one wave instead of two).
 */
export function selectedFieldArguments(
  info: GraphQLResolveInfo,
  path: readonly string[],
  field: GraphQLField<unknown, unknown>,
): Array<Record<string, unknown>> {
  return nodesAt(info.fieldNodes, path, scopeOf(info)).map((node) => getArgumentValues(field, node, info.variableValues));
}

/** One selection of a field below the current one: its arguments, and what it selects below it. */
export interface SelectedField {
  args: Record<string, unknown>;
  /** Whether the selection at `path` below this field asks for anything outside `free` (default: id, __typename). */
  needs(path: readonly string[], free?: ReadonlySet<string>): boolean;
}

/**
 * Every `field` selected at `path` below the field being resolved (the last segment names it), one per response key
 * (nodes under one alias are merged, as execution merges them), with its arguments and what it selects: what a parent
 * needs to start the very call its child field will make.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[], field: GraphQLField<unknown, unknown>): SelectedField[] {
  const scope = scopeOf(info);
  const byKey = new Map<string, FieldNode[]>();
  for (const node of nodesAt(info.fieldNodes, path, scope)) {
    const key = node.alias?.value ?? node.name.value;
    byKey.set(key, [...(byKey.get(key) ?? []), node]);
  }
  return [...byKey.values()].map((nodes) => ({
    args: getArgumentValues(field, nodes[0]!, info.variableValues),
    needs: (sub, free = ID_ONLY) => beyond(namesAt(nodes, sub, scope), free),
  }));
}
