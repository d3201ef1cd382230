/**
 * `createBillingClient` against the gateway: in-process (`yoga.fetch` injected as the transport) and over real HTTP
 * (port 0, the global fetch). It runs the generated typed documents, returns typed data, sends `{ documentId }` when
 * `persisted` is on, and throws one error type carrying the GraphQL errors, their codes and the HTTP status — never
 * the token. Stripe calls are asserted at the local Stripe, as in the gateway tests.
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BillingClientError,
  createBillingClient,
  CreatePortalSessionDocument,
  CustomersPageDocument,
  CustomerWithInvoicesDocument,
  documentIdOf,
  InvoiceWithLinesDocument,
  ViewerDocument,
  type TypedDocumentNode,
} from '../../src/client/index.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { createGateway, type Gateway } from '../../src/http/server.js';
import { defaultTrustedDocuments } from '../../src/http/trusted-documents.js';
import { ADMIN_KEY, describeCall, RETURN_ORIGIN, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { clientOf, GRAPHQL_URL, inProcess, listenOnPort0, recording, rejection } from './support.js';

let h: GatewayHarness;
let customerToken: string;

beforeAll(async () => {
  h = await startGateway();
  customerToken = await signCustomerToken(DEMO.customer);
});
afterAll(() => h.stop());

/** Runs `fn` and returns what it resolved with and the Stripe requests it caused. */
async function withCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  let result: T | undefined;
  const logged = await h.stripeCalls(async () => {
    result = await fn();
  });
  return { result: result as T, calls: logged.map(describeCall) };
}

describe('createBillingClient in-process (yoga.fetch)', () => {
  it('runs a generated document as an admin and returns its typed data', async () => {
    const client = clientOf(h.yoga, ADMIN_KEY);
    const { result, calls } = await withCalls(() => client.request(CustomersPageDocument, { first: 3 }));
    expect(result.customers.edges).toHaveLength(3);
    for (const { node } of result.customers.edges) expect(node.id).toMatch(/^cus_/);
    expect(result.customers.pageInfo.hasNextPage).toBe(true);
    expect(calls).toEqual([expect.stringMatching(/^GET \/v1\/customers\?limit=3/)]);
  });

  it('runs a document with required variables as the customer, who sees their own billing', async () => {
    const client = clientOf(h.yoga, customerToken);
    const data = await client.request(CustomerWithInvoicesDocument, { customerId: DEMO.customer, first: 2 });
    expect(data.customer?.id).toBe(DEMO.customer);
    expect(data.customer?.name).toBe('Ada Lovelace');
    expect(data.customer?.invoices.edges.length).toBeGreaterThan(0);
    expect(data.customer?.invoices.edges.length).toBeLessThanOrEqual(2);

    const viewer = await client.request(ViewerDocument);
    expect(viewer.viewer.role).toBe('CUSTOMER');
    expect(viewer.viewer.customer?.id).toBe(DEMO.customer);
  });

  it('runs the portal mutation', async () => {
    const client = clientOf(h.yoga, customerToken);
    const data = await client.request(CreatePortalSessionDocument, { input: { returnUrl: `${RETURN_ORIGIN}/account` } });
    expect(data.createPortalSession.portalSession?.customer.id).toBe(DEMO.customer);
    expect(data.createPortalSession.portalSession?.returnUrl).toBe(`${RETURN_ORIGIN}/account`);
    expect(data.createPortalSession.portalSession?.url).toMatch(/^https?:\/\//);
  });

  it('sends the query text by default, and { documentId } instead when persisted is on', async () => {
    const plain = recording(inProcess(h.yoga));
    await createBillingClient({ url: GRAPHQL_URL, token: customerToken, fetch: plain.fetch }).request(ViewerDocument, { invoicesFirst: 1 });
    expect(plain.bodies).toEqual([{ query: expect.stringContaining('query Viewer'), operationName: 'Viewer', variables: { invoicesFirst: 1 } }]);

    const persisted = recording(inProcess(h.yoga));
    const client = createBillingClient({ url: GRAPHQL_URL, token: customerToken, fetch: persisted.fetch, persisted: true });
    const data = await client.request(ViewerDocument, { invoicesFirst: 1 });
    expect(data.viewer.customer?.id).toBe(DEMO.customer);
    const id = documentIdOf(ViewerDocument);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(defaultTrustedDocuments().has(id!)).toBe(true);
    expect(persisted.bodies).toEqual([{ documentId: id, operationName: 'Viewer', variables: { invoicesFirst: 1 } }]);
    expect(persisted.bodies[0]).not.toHaveProperty('query');

    // A per-request override, both ways.
    await client.request(ViewerDocument, {}, { persisted: false });
    expect(persisted.bodies[1]).toHaveProperty('query');
  });

  it('runs any other TypedDocumentNode too, sending its text even when persisted is on (it has no id)', async () => {
    const adHoc = parse('query Balance($id: ID!) { customer(id: $id) { id balance { formatted } } }') as TypedDocumentNode<
      { customer: { id: string; balance: { formatted: string } } | null },
      { id: string }
    >;
    const sent = recording(inProcess(h.yoga));
    const client = createBillingClient({ url: GRAPHQL_URL, token: ADMIN_KEY, fetch: sent.fetch, persisted: true });
    const data = await client.request(adHoc, { id: DEMO.customer });
    expect(data.customer?.balance.formatted).toMatch(/\$/);
    expect(documentIdOf(adHoc)).toBeUndefined();
    expect(sent.bodies[0]).toMatchObject({ query: expect.stringContaining('query Balance'), operationName: 'Balance' });
  });

  it('throws BillingClientError with the codes and status for a refused request, and no data of the other customer', async () => {
    const client = clientOf(h.yoga, customerToken);
    const { result: error, calls } = await withCalls(() =>
      rejection(client.request(CustomerWithInvoicesDocument, { customerId: DEMO.businessCustomer })),
    );
    expect(error).toBeInstanceOf(BillingClientError);
    const e = error as BillingClientError;
    expect(e.name).toBe('BillingClientError');
    expect(e.kind).toBe('graphql');
    expect(e.code).toBe('FORBIDDEN');
    expect(e.codes).toEqual(['FORBIDDEN']);
    expect(e.hasCode('FORBIDDEN')).toBe(true);
    expect(e.status).toBe(200);
    expect(e.operationName).toBe('CustomerWithInvoices');
    expect(e.errors[0]?.path).toEqual(['customer']);
    expect(e.message).toContain('FORBIDDEN');
    expect(e.data).toEqual({ customer: null });
    // The permission check runs on the object Stripe returned, and nothing of it reaches the caller.
    expect(JSON.stringify(e)).not.toContain(DEMO.businessCustomer.slice(4));
    expect(calls.every((c) => c.startsWith('GET /v1/customers/'))).toBe(true);
  });

  it('throws UNAUTHENTICATED (HTTP 401) for a bad token, never echoing the token', async () => {
    const badToken = await signCustomerToken(DEMO.customer, { secret: 'another-secret-0123456789abcdef0123456789' });
    const client = clientOf(h.yoga, badToken);
    const { result: error, calls } = await withCalls(() => rejection(client.request(ViewerDocument)));
    expect(error).toBeInstanceOf(BillingClientError);
    const e = error as BillingClientError;
    expect(e.codes).toEqual(['UNAUTHENTICATED']);
    expect(e.status).toBe(401);
    expect(calls).toEqual([]);
    const everything = [e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(e.errors), String(e.cause ?? '')].join('\n');
    expect(everything).not.toContain(badToken);
    expect(everything).not.toContain(badToken.split('.')[2]!);
  });

  it('gives the operation name and every code when several errors come back', async () => {
    const client = clientOf(h.yoga, ADMIN_KEY);
    const error = (await rejection(client.request(InvoiceWithLinesDocument, { invoiceId: 'in_doesNotExist000' }))) as BillingClientError;
    expect(error.codes).toEqual(['NOT_FOUND']);
    expect(error.message).toMatch(/^InvoiceWithLines failed: NOT_FOUND: /);
  });

  it('reads the token from a function each time (a browser app refreshing its session)', async () => {
    let current: string | undefined;
    const client = createBillingClient({ url: GRAPHQL_URL, token: () => current, fetch: inProcess(h.yoga) });
    expect(((await rejection(client.request(ViewerDocument))) as BillingClientError).code).toBe('UNAUTHENTICATED');
    current = customerToken;
    expect((await client.request(ViewerDocument)).viewer.role).toBe('CUSTOMER');
  });
});

describe('createBillingClient over HTTP (port 0, global fetch)', () => {
  let server: { url: string; close(): Promise<void> };
  let enforcing: Gateway;
  let enforcingServer: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await listenOnPort0(h.yoga);
    enforcing = createGateway({ graphiql: false, corsOrigins: [], trustedDocuments: true }, h.deps);
    enforcingServer = await listenOnPort0(enforcing);
  });
  afterAll(async () => {
    await server?.close();
    await enforcingServer?.close();
  });

  it('runs typed documents over the socket', async () => {
    const client = createBillingClient({ url: server.url, token: customerToken });
    const data = await client.request(ViewerDocument, { invoicesFirst: 2 });
    expect(data.viewer.customer?.id).toBe(DEMO.customer);
    expect(data.viewer.customer?.invoices.edges.length).toBeLessThanOrEqual(2);
  });

  it('runs by id against a gateway that enforces trusted documents, and is refused with the text', async () => {
    const byId = createBillingClient({ url: new URL(enforcingServer.url), token: customerToken, persisted: true });
    expect((await byId.request(ViewerDocument)).viewer.customer?.id).toBe(DEMO.customer);

    const byText = createBillingClient({ url: enforcingServer.url, token: customerToken });
    const error = (await rejection(byText.request(ViewerDocument))) as BillingClientError;
    expect(error).toBeInstanceOf(BillingClientError);
    expect(error.codes).toEqual(['FORBIDDEN']);
    expect(error.status).toBe(403);
    expect(error.message).toContain('documentId');
  });

  it('throws kind "http" for an answer that is not a GraphQL response', async () => {
    const client = createBillingClient({ url: server.url.replace('/graphql', '/nowhere'), token: customerToken });
    const error = (await rejection(client.request(ViewerDocument))) as BillingClientError;
    expect(error).toBeInstanceOf(BillingClientError);
    expect(error.kind).toBe('http');
    expect(error.status).toBe(404);
    expect(error.errors).toEqual([]);
    expect(error.code).toBeUndefined();
  });

  it('throws kind "network" with status 0 when nothing answers, without the token', async () => {
    const gone = await listenOnPort0(h.yoga);
    await gone.close();
    const client = createBillingClient({ url: gone.url, token: customerToken });
    const error = (await rejection(client.request(ViewerDocument))) as BillingClientError;
    expect(error).toBeInstanceOf(BillingClientError);
    expect(error.kind).toBe('network');
    expect(error.status).toBe(0);
    expect(error.cause).toBeInstanceOf(Error);
    expect(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`).not.toContain(customerToken);
  });
});
