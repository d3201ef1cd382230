/**
 * The example operations in `schema/operations/*.graphql`: what web apps copy, what tests run, and the tabs
 * GraphiQL opens with. Each file holds one named operation. A file may use fragments another file defines (the demo
 * billing page's live updates share the page's fragments): its `document` here carries them appended, so that each
 * can still be pasted, validated and run on its own.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, print, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { GraphiQLTab } from './graphiql.js';

export const OPERATIONS_DIR = fileURLToPath(new URL('../../schema/operations/', import.meta.url));

export interface ExampleOperation {
  /** File name, e.g. `viewer.graphql`. */
  file: string;
  /** The operation's name, e.g. `Viewer`. */
  name: string;
  /** The file's text. */
  document: string;
  /** `query`, `mutation`, or `subscription` (a stream: GraphiQL runs it over SSE). */
  kind: OperationDefinitionNode['operation'];
  /** Variables the operation cannot run without: non-null and with no default. */
  requiredVariables: string[];
}

/**
 * The order GraphiQL shows them in: reading first, then opening the portal; `Viewer` last, as it shows a
 * customer only with a customer token. Others follow by name.
 */
const ORDER = [
  'CustomerWithInvoices',
  'InvoicesWithCustomers',
  'InvoiceWithLines',
  'SubscriptionDetails',
  'Catalog',
  'CustomersPage',
  'PortalConfigurationDetails',
  'CreatePortalSession',
  'CancelSubscription',
  'ResumeSubscription',
  'PayInvoice',
  'Viewer',
];

const rank = (name: string) => {
  const index = ORDER.indexOf(name);
  return index === -1 ? ORDER.length : index;
};

/** The names of the fragments `node` spreads. */
function spreadsOf(node: DocumentNode | FragmentDefinitionNode): Set<string> {
  const names = new Set<string>();
  visit(node, { FragmentSpread: (spread) => void names.add(spread.name.value) });
  return names;
}

/** `text` with the definitions of the fragments it uses (transitively) but does not define, from `fragments`. */
function withFragments(text: string, parsed: DocumentNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): string {
  const defined = new Set(parsed.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [d.name.value] : [])));
  const needed: FragmentDefinitionNode[] = [];
  const pending = [...spreadsOf(parsed)];
  while (pending.length > 0) {
    const name = pending.pop()!;
    const fragment = fragments.get(name);
    if (defined.has(name) || fragment === undefined) continue;
    defined.add(name);
    needed.push(fragment);
    pending.push(...spreadsOf(fragment));
  }
  return needed.length === 0 ? text : `${text.trimEnd()}\n\n${needed.map((f) => print(f)).join('\n\n')}\n`;
}

export async function loadExampleOperations(dir: string = OPERATIONS_DIR): Promise<ExampleOperation[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.graphql')).sort();
  const texts = await Promise.all(files.map(async (file) => ({ file, text: await readFile(join(dir, file), 'utf8') })));
  const parsed = new Map(texts.map(({ file, text }) => [file, parse(text)]));
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const document of parsed.values()) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const operations = await Promise.all(
    texts.map(async ({ file, text }): Promise<ExampleOperation> => {
      const document = withFragments(text, parsed.get(file)!, fragments);
      const definitions = parsed.get(file)!.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = definitions[0];
      if (definitions.length !== 1 || operation?.name === undefined) {
        throw new Error(`schema/operations/${file} must hold exactly one named operation`);
      }
      return {
        file,
        name: operation.name.value,
        document,
        kind: operation.operation,
        requiredVariables: (operation.variableDefinitions ?? [])
          .filter((v) => v.type.kind === Kind.NON_NULL_TYPE && v.defaultValue === undefined)
          .map((v) => v.variable.name.value),
      };
    }),
  );
  return operations.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/**
 * One GraphiQL tab per operation, its required variables filled from `values` by name (e.g. `customerId`), so
 * that each tab runs as it opens; `byOperation` gives an operation values of its own (each action's `input`).
 */
export function exampleTabs(
  operations: readonly ExampleOperation[],
  values: Readonly<Record<string, unknown>>,
  byOperation: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {},
): GraphiQLTab[] {
  return operations.map((operation) => {
    const own = { ...values, ...byOperation[operation.name] };
    const variables = Object.fromEntries(
      operation.requiredVariables.filter((name) => name in own).map((name) => [name, own[name]]),
    );
    return {
      query: operation.document,
      ...(Object.keys(variables).length > 0 ? { variables: JSON.stringify(variables, null, 2) } : {}),
    };
  });
}
