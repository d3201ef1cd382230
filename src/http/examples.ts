/**
 * The example operations in `schema/operations/*.graphql`: what web apps copy, what tests run, and the tabs
 * GraphiQL opens with. Each file holds one named operation, self-contained (no shared fragments), so that each
 * can be pasted, validated and run on its own.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
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

export async function loadExampleOperations(dir: string = OPERATIONS_DIR): Promise<ExampleOperation[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.graphql')).sort();
  const operations = await Promise.all(
    files.map(async (file): Promise<ExampleOperation> => {
      const document = await readFile(join(dir, file), 'utf8');
      const definitions = parse(document).definitions.filter(
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
