/**
 * Look-ahead on the query's selection set: which fields a client selected below the current field. It decides
 * what to ask Stripe for (`expand`) and whether an object needs loading at all (`{ customer { id } }` does not).
 * Fragments and inline fragments are followed; aliases do not matter. Conservative on `@skip`/`@include`:
 * a conditionally selected field counts as selected.
 */
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

function collect(
  selectionSet: SelectionSetNode | undefined,
  info: GraphQLResolveInfo,
  name: string | undefined,
  out: FieldNode[],
): void {
  if (selectionSet === undefined) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'Field') {
      if (name === undefined || selection.name.value === name) out.push(selection);
    } else if (selection.kind === 'InlineFragment') {
      collect(selection.selectionSet, info, name, out);
    } else {
      collect(info.fragments[selection.name.value]?.selectionSet, info, name, out);
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
