/**
 * The generated types are the operations' selections: a program that reads a field its operation did not select
 * does not compile. Checked twice: statically (this file is type-checked by `npm test`'s `tsc`, and its
 * `@ts-expect-error` lines fail that run if the field becomes readable), and by compiling small programs with the
 * TypeScript compiler here, which shows both directions — the unselected read is an error, and the very same
 * `@ts-expect-error` is itself an error ("unused directive") once the field is selected.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createBillingClient,
  CustomersPageDocument,
  CustomerWithInvoicesDocument,
  ViewerDocument,
  type CustomerWithInvoicesQuery,
  type InvoiceStatus,
  type ViewerQuery,
  type ViewerRole,
} from '../../src/client/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type ViewerCustomer = NonNullable<ViewerQuery['viewer']['customer']>;
type ViewerInvoice = ViewerCustomer['invoices']['edges'][number]['node'];

describe('generated types (checked by tsc)', () => {
  it('type data by the selection: selected fields are there, unselected ones are not', () => {
    expectTypeOf<ViewerQuery['viewer']['role']>().toEqualTypeOf<ViewerRole>();
    expectTypeOf<ViewerCustomer['email']>().toEqualTypeOf<string | null>();
    expectTypeOf<ViewerCustomer['balance']>().toEqualTypeOf<{ amount: number; currency: string; formatted: string }>();
    expectTypeOf<ViewerInvoice['status']>().toEqualTypeOf<InvoiceStatus | null>();
    expectTypeOf<ViewerInvoice['createdAt']>().toEqualTypeOf<string>();
    // `delinquent` is a Customer field (CustomerWithInvoices selects it), but Viewer does not select it.
    expectTypeOf<NonNullable<CustomerWithInvoicesQuery['customer']>>().toHaveProperty('delinquent');
    expectTypeOf<ViewerCustomer>().not.toHaveProperty('delinquent');
    expectTypeOf<ViewerInvoice>().not.toHaveProperty('amountDue');
  });

  it('type client.request by its document and variables', () => {
    const client = createBillingClient({ url: 'http://gateway.test/graphql' });
    const reads = async () => {
      const viewer = await client.request(ViewerDocument);
      expectTypeOf(viewer).toEqualTypeOf<ViewerQuery>();
      // @ts-expect-error — Viewer does not select `delinquent`
      void viewer.viewer.customer?.delinquent;
      // @ts-expect-error — nor the invoices' `amountDue`
      void viewer.viewer.customer?.invoices.edges[0]?.node.amountDue;

      const page = await client.request(CustomersPageDocument, { first: 5 });
      // @ts-expect-error — CustomersPage selects no invoices
      void page.customers.edges[0]?.node.invoices;

      // @ts-expect-error — `customerId` is required
      await client.request(CustomerWithInvoicesDocument);
      // @ts-expect-error — not an InvoiceStatus
      await client.request(CustomerWithInvoicesDocument, { customerId: 'cus_1', status: 'PENDING' });
      const customer = await client.request(CustomerWithInvoicesDocument, { customerId: 'cus_1', status: 'OPEN' });
      expectTypeOf(customer.customer?.delinquent).toEqualTypeOf<boolean | undefined>();
    };
    expectTypeOf(reads).toBeFunction();
  });
});

describe('a program compiled against the generated types', () => {
  /** Type-checks `files` (virtual, in test/client/) with the project's compiler options; diagnostics per file. */
  function compile(files: Record<string, string>): Record<string, string[]> {
    const configFile = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
    const virtual = new Map(Object.entries(files).map(([name, text]) => [resolve(ROOT, 'test/client', name), text]));
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) => {
      const text = virtual.get(resolve(name));
      return text !== undefined ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => virtual.has(resolve(name)) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => virtual.get(resolve(name)) ?? readFile(name);
    const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
    const out: Record<string, string[]> = {};
    for (const [path] of virtual) {
      const diagnostics = [...program.getSyntacticDiagnostics(program.getSourceFile(path)), ...program.getSemanticDiagnostics(program.getSourceFile(path))];
      out[path.slice(dirname(path).length + 1)] = diagnostics.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
    return out;
  }

  const program = (document: string, variables: string, read: string, expectError: boolean) => `
import { createBillingClient, ${document} } from '../../src/client/index.js';
const client = createBillingClient({ url: 'http://gateway.test/graphql' });
export async function read(): Promise<unknown> {
  const data = await client.request(${document}${variables});
  ${expectError ? '// @ts-expect-error — not selected' : ''}
  return ${read};
}
`;

  it('fails where it reads an unselected field, and its @ts-expect-error fails once the field is selected', () => {
    const result = compile({
      'unselected.ts': program('ViewerDocument', '', 'data.viewer.customer?.delinquent', false),
      'unselected-expected.ts': program('ViewerDocument', '', 'data.viewer.customer?.delinquent', true),
      'selected.ts': program('CustomerWithInvoicesDocument', ", { customerId: 'cus_1' }", 'data.customer?.delinquent', false),
      'selected-expected.ts': program('CustomerWithInvoicesDocument', ", { customerId: 'cus_1' }", 'data.customer?.delinquent', true),
    });
    expect(result['unselected.ts']).toEqual([expect.stringMatching(/^TS2339: Property 'delinquent' does not exist on type/)]);
    expect(result['unselected-expected.ts']).toEqual([]);
    expect(result['selected.ts']).toEqual([]);
    expect(result['selected-expected.ts']).toEqual([expect.stringMatching(/^TS2578: Unused '@ts-expect-error' directive/)]);
  }, 60_000);
});
