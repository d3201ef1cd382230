/**
 * Trusted documents: the manifest `npm run codegen` writes, and the gateway enforcing it. With trusted documents on,
 * a CUSTOMER runs only the manifest's documents, by id (`documentId`, or Apollo's `persistedQuery.sha256Hash`); an
 * ADMIN may send any document; an anonymous caller still gets UNAUTHENTICATED. Refusals make no Stripe call. With
 * them off, ad-hoc documents work for everyone and ids still do. The caller is authenticated once per request.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as generated from '../../src/client/generated/graphql.js';
import { startApp } from '../../src/app.js';
import { BillingClientError, createBillingClient, documentIdOf } from '../../src/client/index.js';
import { loadGatewayConfig } from '../../src/config.js';
import { loadExampleOperations } from '../../src/http/examples.js';
import { schema } from '../../src/graphql/schema.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { createGateway, type Gateway } from '../../src/http/server.js';
import {
  defaultTrustedDocuments,
  MANIFEST_FILE,
  MANIFEST_HEADER_KEY,
  parseTrustedDocuments,
} from '../../src/http/trusted-documents.js';
import { ADMIN_KEY, describeCall, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';

let h: GatewayHarness;
let customer: string;
/** The gateway with trusted documents enforced, and one with them off (both over the same local Stripe). */
let enforcing: Gateway;
let open: Gateway;
/** How many times the JWT/API key was checked, across both gateways. */
let authentications = 0;

const VIEWER_ID = documentIdOf(generated.ViewerDocument)!;
const CUSTOMER_ID = documentIdOf(generated.CustomerWithInvoicesDocument)!;
const AD_HOC = '{ viewer { role customer { id email } } }';

beforeAll(async () => {
  h = await startGateway();
  customer = `Bearer ${await signCustomerToken(DEMO.customer)}`;
  const counted = {
    ...h.deps,
    authenticate: (header: string | null) => {
      authentications++;
      return h.deps.authenticate(header);
    },
  };
  enforcing = createGateway({ graphiql: false, corsOrigins: [], trustedDocuments: true }, counted);
  open = createGateway({ graphiql: false, corsOrigins: [], trustedDocuments: false }, counted);
});
afterAll(() => h.stop());

interface Answer {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  /** The Stripe requests made while it ran. */
  calls: string[];
  /** Authentications it took. */
  authentications: number;
}

/** POSTs `body` as-is (the wire format is the subject here) and records the Stripe calls and authentications. */
async function post(yoga: Gateway, body: Record<string, unknown>, authorization?: string): Promise<Answer> {
  return send(yoga, 'http://gateway.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function send(yoga: Gateway, url: string, init: RequestInit): Promise<Answer> {
  let response: Response | undefined;
  const before = authentications;
  const calls = await h.stripeCalls(async () => {
    response = await yoga.fetch(url, init);
  });
  const body = (await response!.json()) as Omit<Answer, 'status' | 'calls' | 'authentications'>;
  return { ...body, status: response!.status, calls: calls.map(describeCall), authentications: authentications - before };
}

const codes = (answer: Answer) => (answer.errors ?? []).map((e) => e.extensions?.code);

describe('the manifest (schema/persisted-documents.json)', () => {
  it('holds every operation of schema/operations, under the id each generated document carries', async () => {
    const manifest = defaultTrustedDocuments();
    const operations = await loadExampleOperations();
    const names = [...manifest.values()].map((document) => {
      const definitions = parse(document).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      return definitions[0]?.name?.value;
    });
    expect(names.sort()).toEqual(operations.map((o) => o.name).sort());

    const documents = Object.entries(generated).filter(([name]) => name.endsWith('Document'));
    expect(documents.length).toBe(operations.length);
    for (const [name, document] of documents) {
      const id = documentIdOf(document as never);
      expect(id, name).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(manifest.has(id!), `${name} is not in the manifest`).toBe(true);
    }
  });

  it('has ids that are the SHA-256 of their documents, each valid against the schema, under a do-not-edit entry', async () => {
    const raw = JSON.parse(await readFile(MANIFEST_FILE, 'utf8')) as Record<string, string>;
    expect(raw[MANIFEST_HEADER_KEY]).toMatch(/GENERATED by `npm run codegen`.*do not edit/);
    for (const [id, document] of defaultTrustedDocuments()) {
      expect(id).toBe(`sha256:${createHash('sha256').update(document).digest('hex')}`);
      expect(validate(schema, parse(document)).map((e) => e.message), id).toEqual([]);
    }
  });

  it('is refused at start-up when a document was edited by hand, or an id is malformed', () => {
    const [id, document] = [...defaultTrustedDocuments()][0]!;
    expect(() => parseTrustedDocuments({ [id]: document.replace('id', 'id name') })).toThrow(/does not match its id.*npm run codegen/s);
    expect(() => parseTrustedDocuments({ 'md5:abc': '{ viewer { role } }' })).toThrow(/not an id like sha256:/);
    expect(() => parseTrustedDocuments([])).toThrow(/JSON object/);
    expect(parseTrustedDocuments({ [MANIFEST_HEADER_KEY]: 'comment', [id]: document }).size).toBe(1);
  });
});

describe('trusted documents enforced', () => {
  it('refuses a CUSTOMER’s ad-hoc document with FORBIDDEN (403), saying to send a trusted document by id, and calls no Stripe', async () => {
    const answer = await post(enforcing, { query: AD_HOC }, customer);
    expect(codes(answer)).toEqual(['FORBIDDEN']);
    expect(answer.status).toBe(403);
    expect(answer.errors?.[0]?.message).toMatch(/trusted documents/);
    expect(answer.errors?.[0]?.message).toContain('documentId');
    expect(answer.data ?? null).toBeNull();
    expect(answer.calls).toEqual([]);
  });

  it('refuses even the manifest’s own text sent as a query: customers send ids', async () => {
    const answer = await post(enforcing, { query: defaultTrustedDocuments().get(VIEWER_ID) }, customer);
    expect(codes(answer)).toEqual(['FORBIDDEN']);
    expect(answer.calls).toEqual([]);
  });

  it('runs the same request by id for the CUSTOMER', async () => {
    const answer = await post(enforcing, { documentId: VIEWER_ID, variables: { invoicesFirst: 2 } }, customer);
    expect(answer.errors).toBeUndefined();
    expect(answer.status).toBe(200);
    expect(answer.data?.['viewer']).toMatchObject({ role: 'CUSTOMER', customer: { id: DEMO.customer } });
    expect(answer.calls.length).toBeGreaterThan(0);
  });

  it('accepts Apollo’s extensions.persistedQuery.sha256Hash, and documentId on GET', async () => {
    const apollo = await post(
      enforcing,
      { extensions: { persistedQuery: { version: 1, sha256Hash: VIEWER_ID.slice('sha256:'.length) } } },
      customer,
    );
    expect(apollo.errors).toBeUndefined();
    expect(apollo.data?.['viewer']?.customer?.id).toBe(DEMO.customer);

    const variables = encodeURIComponent(JSON.stringify({ customerId: DEMO.customer, first: 1 }));
    const get = await send(enforcing, `http://gateway.test/graphql?documentId=${encodeURIComponent(CUSTOMER_ID)}&variables=${variables}`, {
      method: 'GET',
      // A GET must say it is no cross-site link or form (CSRF prevention).
      headers: { accept: 'application/graphql-response+json', authorization: customer, 'x-graphql-csrf': '1' },
    });
    expect(get.errors).toBeUndefined();
    expect(get.data?.['customer']?.id).toBe(DEMO.customer);
  });

  it('answers NOT_FOUND (404) for an unknown id, with no Stripe call', async () => {
    const unknown = `sha256:${'0'.repeat(64)}`;
    const answer = await post(enforcing, { documentId: unknown }, customer);
    expect(codes(answer)).toEqual(['NOT_FOUND']);
    expect(answer.status).toBe(404);
    expect(answer.errors?.[0]?.message).toContain(unknown);
    expect(answer.calls).toEqual([]);
    // An odd id is not echoed back.
    const odd = await post(enforcing, { documentId: '<script>alert(1)</script>' }, customer);
    expect(codes(odd)).toEqual(['NOT_FOUND']);
    expect(odd.errors?.[0]?.message).not.toContain('<script>');
  });

  it('lets an ADMIN send any document', async () => {
    const answer = await post(enforcing, { query: '{ customers(first: 2) { edges { node { id } } } }' }, `Bearer ${ADMIN_KEY}`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['customers']?.edges).toHaveLength(2);
  });

  it('still answers an anonymous ad-hoc document with UNAUTHENTICATED (401), with no Stripe call', async () => {
    const answer = await post(enforcing, { query: AD_HOC });
    expect(codes(answer)).toEqual(['UNAUTHENTICATED']);
    expect(answer.status).toBe(401);
    expect(answer.calls).toEqual([]);
    const badToken = await post(enforcing, { query: AD_HOC }, 'Bearer not.a.token');
    expect(codes(badToken)).toEqual(['UNAUTHENTICATED']);
  });

  it('authenticates each request once, though both the trusted-documents check and the context need the caller', async () => {
    expect((await post(enforcing, { query: AD_HOC }, `Bearer ${ADMIN_KEY}`)).authentications).toBe(1);
    expect((await post(enforcing, { documentId: VIEWER_ID }, customer)).authentications).toBe(1);
    expect((await post(enforcing, { query: AD_HOC }, customer)).authentications).toBe(1);
  });

  it('refuses a request with both a query and a documentId, or with neither (BAD_USER_INPUT, 400)', async () => {
    const both = await post(enforcing, { query: AD_HOC, documentId: VIEWER_ID }, `Bearer ${ADMIN_KEY}`);
    expect(codes(both)).toEqual(['BAD_USER_INPUT']);
    expect(both.status).toBe(400);
    const neither = await post(enforcing, { variables: {} }, `Bearer ${ADMIN_KEY}`);
    expect(codes(neither)).toEqual(['BAD_USER_INPUT']);
    expect(neither.status).toBe(400);
  });
});

describe('trusted documents off', () => {
  it('runs a CUSTOMER’s ad-hoc document', async () => {
    const answer = await post(open, { query: AD_HOC }, customer);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.['viewer']).toEqual({ role: 'CUSTOMER', customer: { id: DEMO.customer, email: 'ada@example.com' } });
  });

  it('still runs documents by id, and answers NOT_FOUND for an unknown one', async () => {
    const byId = await post(open, { documentId: VIEWER_ID }, customer);
    expect(byId.errors).toBeUndefined();
    expect(byId.data?.['viewer']?.customer?.id).toBe(DEMO.customer);
    const unknown = await post(open, { documentId: `sha256:${'f'.repeat(64)}` }, customer);
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    expect(unknown.calls).toEqual([]);
  });
});

describe('npm start with TRUSTED_DOCUMENTS=true (the whole app, port 0)', () => {
  it('refuses the demo customer’s document text, runs it by id, and lets the admin send text', async () => {
    const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error', TRUSTED_DOCUMENTS: 'true' }));
    try {
      expect(app.config.trustedDocuments).toBe(true);
      const demo = app.demo!;
      const byText = createBillingClient({ url: app.graphqlUrl, token: demo.customerToken });
      const refused = await byText.request(generated.ViewerDocument).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BillingClientError);
      expect((refused as BillingClientError).codes).toEqual(['FORBIDDEN']);

      const byId = createBillingClient({ url: app.graphqlUrl, token: demo.customerToken, persisted: true });
      expect((await byId.request(generated.ViewerDocument)).viewer.customer?.id).toBe(demo.customerId);

      const admin = createBillingClient({ url: app.graphqlUrl, token: demo.adminKey });
      expect((await admin.request(generated.CustomersPageDocument, { first: 1 })).customers.edges).toHaveLength(1);
    } finally {
      await app.stop();
    }
  });
});

describe('TRUSTED_DOCUMENTS', () => {
  const LIVE = { STRIPE_SECRET_KEY: 'sk_test_123', GATEWAY_API_KEYS: 'a-gateway-api-key-0123456789' };

  it.each([
    [{}, false],
    [{ NODE_ENV: 'production' }, true],
    [{ NODE_ENV: 'production', TRUSTED_DOCUMENTS: 'false' }, false],
    [{ NODE_ENV: 'development', TRUSTED_DOCUMENTS: 'true' }, true],
    [{ TRUSTED_DOCUMENTS: '' }, false],
  ] as Array<[Record<string, string>, boolean]>)('%j → %s', (env, expected) => {
    expect(loadGatewayConfig({ ...LIVE, ...env }).trustedDocuments).toBe(expected);
  });

  it('must be true or false', () => {
    expect(() => loadGatewayConfig({ ...LIVE, TRUSTED_DOCUMENTS: 'yes' })).toThrow("TRUSTED_DOCUMENTS must be true or false, got 'yes'");
  });
});
