/**
 * What the randomized run's callers read through the gateway: a customer its own billing page (itself, its
 * invoices with their customer), one invoice (its own or, on purpose, another customer's), another customer;
 * an admin any customer, any customer's invoice list, any invoice, the customer list. Every field the judge checks
 * (`fuzz-check.ts`) is selected: names, emails, invoice statuses and totals, and every id.
 */
import { ADMIN_KEY, signCustomerToken } from '../support/gateway.js';

const INVOICE = 'id status total { amount currency } amountDue { amount } customer { id name email }';
const CUSTOMER = `id name email invoices(first: 100) { edges { node { ${INVOICE} } } pageInfo { hasNextPage } }`;

export const READS = {
  ownPage: `query FuzzOwnPage { viewer { role customer { ${CUSTOMER} } } }`,
  invoice: `query FuzzInvoice($id: ID!) { invoice(id: $id) { ${INVOICE} lines(first: 20) { edges { node { id amount { amount } } } } } }`,
  customer: `query FuzzCustomer($id: ID!) { customer(id: $id) { ${CUSTOMER} } }`,
  node: `query FuzzNode($id: ID!) { node(id: $id) { id ... on Customer { name email } ... on Invoice { status total { amount } customer { id name email } } } }`,
  invoices: `query FuzzInvoices($customerId: ID) { invoices(first: 100, customerId: $customerId) { edges { node { ${INVOICE} } } } }`,
  customers: `query FuzzCustomers { customers(first: 100) { edges { node { id name email } } } }`,
} as const;

export type ReadName = keyof typeof READS;

/** Customer tokens, signed once per customer (the run's reads should not spend their time signing). */
export class Tokens {
  private readonly tokens = new Map<string, Promise<string>>();

  authorization(caller: string): Promise<string> {
    if (caller === 'admin') return Promise.resolve(`Bearer ${ADMIN_KEY}`);
    let token = this.tokens.get(caller);
    if (token === undefined) this.tokens.set(caller, (token = signCustomerToken(caller, { expiresIn: '10m' })));
    return token.then((t) => `Bearer ${t}`);
  }
}

export interface ReadAnswer {
  status: number;
  body: {
    data?: unknown;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
    extensions?: { stripe?: { calls?: number; cacheHits?: number } };
  };
}

/** POSTs one read to a gateway's `/graphql` over HTTP, as a web app or a server would. */
export async function read(graphqlUrl: string, authorization: string, name: ReadName, variables: Record<string, unknown>): Promise<ReadAnswer> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization },
    body: JSON.stringify({ query: READS[name], variables }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json()) as ReadAnswer['body'] };
}
