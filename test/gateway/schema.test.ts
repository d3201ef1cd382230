/**
 * The committed schema and the example operations: `schema/schema.graphql` is exactly what `npm run codegen`
 * prints from the code, every operation in `schema/operations/` validates against the schema, and every public
 * type, field, argument, input field and enum value has a description (GraphiQL shows them).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  Kind,
  parse,
  printSchema,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCHEMA_HEADER } from '../../codegen.js';
import { loadExampleOperations, OPERATIONS_DIR } from '../../src/http/examples.js';
import { schema, sortedSchema } from '../../src/graphql/schema.js';

const SCHEMA_FILE = new URL('../../schema/schema.graphql', import.meta.url);

describe('schema/schema.graphql', () => {
  it('is the printed, sorted schema under the do-not-edit header (run `npm run codegen` when this fails)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(committed.startsWith(SCHEMA_HEADER), 'the generated header is missing').toBe(true);
    expect(committed, 'schema/schema.graphql is stale: run `npm run codegen` and commit the result').toBe(
      SCHEMA_HEADER + printSchema(sortedSchema()),
    );
  });

  it('parses back into the same schema', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    const document = parse(committed);
    const names = document.definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : []));
    expect(names).toEqual(expect.arrayContaining(['Query', 'Mutation', 'Customer', 'Invoice', 'PortalSession', 'Node']));
  });
});

describe('schema/operations', () => {
  it('holds one named operation per file, each valid against the schema', async () => {
    const files = (await readdir(OPERATIONS_DIR)).filter((f) => f.endsWith('.graphql'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    // Each validated as it is served (GraphiQL's tabs): with the fragments it uses from other files appended.
    const served = new Map((await loadExampleOperations()).map((o) => [o.file, o.document]));
    const problems: string[] = [];
    for (const file of files) {
      const document = parse(served.get(file) ?? (await readFile(join(OPERATIONS_DIR, file), 'utf8')));
      const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      if (operations.length !== 1 || operations[0]?.name === undefined) problems.push(`${file}: not exactly one named operation`);
      for (const error of validate(schema, document)) problems.push(`${file}: ${error.message}`);
    }
    expect(problems).toEqual([]);
  });

  it('covers what a billing page needs, under unique names, with variables rather than inlined ids', async () => {
    const operations = await loadExampleOperations();
    const names = operations.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'Viewer',
        'CustomerWithInvoices',
        'InvoicesWithCustomers',
        'InvoiceWithLines',
        'CustomersPage',
        'PortalConfigurationDetails',
        'CreatePortalSession',
      ]),
    );
    for (const operation of operations) {
      expect(operation.document, operation.file).not.toMatch(/"(cus|in|bpc|sub)_[A-Za-z0-9]+"/);
    }
    const mutation = operations.find((o) => o.name === 'CreatePortalSession');
    expect(mutation?.document).toContain('... on CreatePortalSessionPayload');
    expect(mutation?.requiredVariables).toEqual(['input']);
  });
});

describe('descriptions', () => {
  it('are on every type, field, argument, input field and enum value', () => {
    const missing: string[] = [];
    const need = (description: string | null | undefined, what: string) => {
      if (description === null || description === undefined || description.trim() === '') missing.push(what);
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      need(type.description, type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          need(field.description, `${type.name}.${field.name}`);
          for (const arg of field.args) need(arg.description, `${type.name}.${field.name}(${arg.name})`);
        }
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) need(field.description, `${type.name}.${field.name}`);
      } else if (isEnumType(type)) {
        for (const value of type.getValues()) need(value.description, `${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('Stripe call estimates (src/graphql/stripe-calls.ts)', () => {
  const extensionOf = (field: { extensions?: unknown }) => (field.extensions as { stripeCalls?: { estimate?: unknown; listSize?: unknown } } | undefined)?.stripeCalls;
  /** Whether a field below `type` (at any depth) calls Stripe. */
  const reachesCalls = (start: string): boolean => {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const type = schema.getType(name);
      if (type === undefined || type === null) continue;
      if (isInterfaceType(type) || isUnionType(type)) for (const t of schema.getPossibleTypes(type)) queue.push(t.name);
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        if (extensionOf(field)?.estimate !== undefined) return true;
        queue.push(getNamedType(field.type).name);
      }
    }
    return false;
  };

  it('every list that can hold objects which call Stripe says how long it can be (else the estimate counts one)', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || isIntrospectionType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        const bare = isNonNullType(field.type) ? field.type.ofType : field.type;
        if (!isListType(bare)) continue;
        if (reachesCalls(getNamedType(field.type).name) && extensionOf(field)?.listSize === undefined) missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(missing, 'give these fields `extensions: stripeCalls(undefined, { listSize })`').toEqual([]);
  });
});
