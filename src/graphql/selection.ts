/**
 * Look-ahead on the query's selection set: which fields a client selected below the current field. It decides
 * what to ask Stripe for (`expand`) and whether an object needs loading at all (`{ customer { id } }` does not).
 * Fragments and inline fragments are followed; aliases do not matter. Conservative on `@skip`/`@include`:
 * a conditionally selected field counts as selected for what to load, but a call is started early for a child
 * field (`selectedFieldArguments`) only when that field is sure to run.
 */
import { getArgumentValues, type FieldNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * The fields named `name` (all, when undefined) directly in `selectionSet`, through fragments. `unconditional`:
 * leave out whatever carries a directive (`@skip`/`@include`), for fields sure to run.
 */
function collect(
  selectionSet: SelectionSetNode | undefined,
  info: GraphQLResolveInfo,
  name: string | undefined,
  out: FieldNode[],
  unconditional = false,
): void {
  if (selectionSet === undefined) return;
  for (const selection of selectionSet.selections) {
    if (unconditional && (selection.directives?.length ?? 0) > 0) continue;
    if (selection.kind === 'Field') {
      if (name === undefined || selection.name.value === name) out.push(selection);
    } else if (selection.kind === 'InlineFragment') {
      collect(selection.selectionSet, info, name, out, unconditional);
    } else {
      collect(info.fragments[selection.name.value]?.selectionSet, info, name, out, unconditional);
    }
  }
}

/** The names of the fields selected at `path` (field names) below the field being resolved. */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const segment of path) {
    const next: FieldNode[] = [];
    for (const node of nodes) collect(node.selectionSet, info, segment, next);
    nodes = next;
  }
  const names: FieldNode[] = [];
  for (const node of nodes) collect(node.selectionSet, info, undefined, names);
  return new Set(names.map((n) => n.name.value));
}

const ID_ONLY: ReadonlySet<string> = new Set(['id', '__typename']);

/**
 * True when the selection at `path` asks for a field outside `free` (by default `id` and `__typename`, which an
 * object known by id answers without being loaded): the object must be loaded.
 */
export function needsMoreThanId(
  info: GraphQLResolveInfo,
  path: readonly string[] = [],
  free: ReadonlySet<string> = ID_ONLY,
): boolean {
  for (const name of selectedFieldNames(info, path)) if (!free.has(name)) return true;
  return false;
}

/**
 * The arguments (variables applied, defaults filled in) of every `field` selected at `path` below the field being
 * resolved (the last segment names `field`) — for fields sure to run: one under `@skip`/`@include` is left out. Lets
 * a resolver start a call that a child field will need, together with its own (one wave instead of two).
 */
export function selectedFieldArguments(
  info: GraphQLResolveInfo,
  path: readonly string[],
  field: GraphQLField<unknown, unknown>,
): Array<Record<string, unknown>> {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const segment of path) {
    const next: FieldNode[] = [];
    for (const node of nodes) collect(node.selectionSet, info, segment, next, true);
    nodes = next;
  }
  return nodes.map((node) => getArgumentValues(field, node, info.variableValues));
}
