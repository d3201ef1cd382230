/**
 * Abuse limits, refused before execution with `BAD_USER_INPUT` + `extensions.limit`, HTTP 400 under
 * application/graphql-response+json, no data and no Stripe call: depth (connection-aware), aliases, tokens,
 * directives, variables (bounded before coercion), cost (from the document and the variables); and the request-level ones: body size (413), array batching, mutations over GET
 * (405), CSRF (403 FORBIDDEN); suggestions hidden in production.
 */
import { getIntrospectionQuery, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { queryCost } from '../../src/http/cost.js';
import { depthLimitRule, expansionLimitRule } from '../../src/http/document-limits.js';
import { schema } from '../../src/graphql/schema.js';
import { createGateway, type Gateway } from '../../src/http/server.js';
import { defaultTrustedDocuments } from '../../src/http/trusted-documents.js';
import { ADMIN_KEY, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { expectRefused, GRAPHQL_RESPONSE, listen, postJson, send } from './support.js';

let h: GatewayHarness;
beforeAll(async () => {
  h = await startGateway();
});
afterAll(() => h.stop());

const repeat = (n: number, item: (i: number) => string) => Array.from({ length: n }, (_, i) => item(i)).join(' ');

describe('defaults', () => {
  it('are depth 10, aliases 15, tokens 1000, directives 50; cost 5000; body 100 KB; 100 Stripe calls; variables 1000 values, 10 deep, strings of 10,000', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxTokens: 1000,
      maxDirectives: 50,
      maxCost: 5000,
      maxBodyBytes: 102_400,
      maxStripeCalls: 100,
      maxVariableValues: 1000,
      maxVariableDepth: 10,
      maxVariableStringLength: 10_000,
    });
  });
});

/** The depth `depthLimitRule` finds in `query` (read off its message with a limit of 0). */
function depthOf(query: string): number {
  const errors = validate(schema, parse(query), [depthLimitRule(0)]);
  if (errors.length === 0) return 0;
  return Number(/found (\d+)/.exec(errors[0]!.message)?.[1]);
}

/** A customer's selection of `levels` hops invoices → customer, each 2 levels deep (`first: 1` keeps it cheap). */
const hopsOf = (levels: number): string =>
  levels === 0 ? 'id' : `invoices(first: 1) { edges { node { customer { ${hopsOf(levels - 1)} } } } }`;
const hops = (levels: number) => `{ customer(id: "${DEMO.customer}") { ${hopsOf(levels)} } }`;

describe('depth', () => {
  // customer(1) + 4 × (invoices, customer) + id = 10; one hop more is 12.
  const ten = hops(4);
  const eleven = `{ invoice(id: "in_x") { customer { ${hopsOf(4)} } } }`;

  it('counts fields, not the connection wrappers: edges, node, fragments and ofType are no levels', () => {
    expect(depthOf(ten)).toBe(10);
    expect(depthOf(eleven)).toBe(11);
    expect(depthOf('{ viewer { role } }')).toBe(2);
    expect(depthOf('{ customers { edges { node { id } } } }')).toBe(2);
    expect(depthOf('{ customers { pageInfo { hasNextPage } edges { cursor } } }')).toBe(3);
    // Fragments, named and inline, are no levels.
    expect(depthOf('{ ...Q } fragment Q on Query { viewer { ...V } } fragment V on Viewer { role }')).toBe(2);
    expect(depthOf(`{ node(id: "${DEMO.customer}") { ... on Customer { invoices { edges { node { ... on Invoice { id } } } } } } }`)).toBe(3);
    // A field named like a wrapper is a level where it is no connection's or edge's: Query.node is a lookup.
    expect(depthOf(`{ node(id: "${DEMO.customer}") { id } }`)).toBe(2);
    // Introspection: GraphiQL's own query is 6 deep once ofType chains are no levels (graphql-js writes 9 of them).
    expect(depthOf(getIntrospectionQuery())).toBe(6);
    expect(depthOf('{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }')).toBe(8);
  });

  it('measures a fragment once wherever it is spread, and stops at a cycle', () => {
    // 40 fragments each spreading the next twice: 2^40 expansions, one walk each.
    const chain = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Viewer { ${i === 39 ? 'role' : `...F${i + 1} a${i}: role ...F${i + 1}`} }`);
    expect(depthOf(`{ viewer { ...F0 } } ${chain.join(' ')}`)).toBe(2);
    const cycle = validate(schema, parse('{ viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { role ...A }'), [depthLimitRule(10)]);
    expect(cycle).toEqual([]);
  });

  it('lets the README’s examples and every document of schema/operations/ through, with room to spare', () => {
    const ordinary = {
      // README: the customer list, and the customer’s open invoices.
      '{ customers(first: 3) { edges { node { id name balance { formatted } } } } }': 3,
      '{ viewer { customer { name invoices(first: 3, status: OPEN) { edges { node { number amountDue { formatted } hostedInvoiceUrl } } } } } }': 5,
      // Customers with their invoices' ids, and those invoices' lines' amounts.
      '{ customers(first: 5) { edges { node { id invoices(first: 5) { edges { node { id lines(first: 5) { edges { node { amount { formatted } } } } } } } } } } }': 5,
      [`mutation { createPortalSession(input: { customerId: "${DEMO.customer}" }) { ... on CreatePortalSessionPayload { portalSession { configuration { features { subscriptionCancel { enabled } } } } } } }`]: 6,
    };
    for (const [query, depth] of Object.entries(ordinary)) expect(depthOf(query), query).toBe(depth);
    // The next issue's viewer > customer > subscriptions > items > price > product > name is 7: 3 to spare.
    for (const text of defaultTrustedDocuments().values()) expect(depthOf(text), text.slice(0, 40)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxDepth - 3);
  });

  it('refuses depth 11 with limit depth, before any Stripe call', async () => {
    const answer = await postJson(h, { query: eleven });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'depth');
    expect(answer.body!.errors![0]!.message).toMatch(/depth limit of 10 exceeded, found 11/);
    expect(answer.body!.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'depth', max: 10 });
  });

  it('lets depth 10 through to the resolvers', async () => {
    const answer = await postJson(h, { query: ten });
    expect(answer.body!.errors?.[0]?.extensions?.['limit']).toBeUndefined();
    expect(answer.calls.length).toBeGreaterThan(0);
  });

  it('answers the ordinary queries graphql-armor’s count refused: an admin lists customers with invoice ids and line amounts', async () => {
    const answer = await postJson(h, {
      query: '{ customers(first: 3) { edges { node { id invoices(first: 2) { edges { node { id lines(first: 2) { edges { node { amount { formatted } } } } } } } } } } }',
    });
    expect(answer.body!.errors, answer.text.slice(0, 300)).toBeUndefined();
    expect(answer.status).toBe(200);
  });

  it('counts through fragments and inline fragments', async () => {
    const fragments = await postJson(h, {
      query: `{ customer(id: "${DEMO.customer}") { ...A } }
        fragment A on Customer { invoices(first: 1) { edges { node { ...B } } } }
        fragment B on Invoice { customer { ${hopsOf(4)} } }`,
    });
    expectRefused(fragments, 400, 'BAD_USER_INPUT', 'depth');
    const inline = await postJson(h, {
      query: `{ node(id: "${DEMO.customer}") { ... on Customer { invoices(first: 1) { edges { node { ... on Invoice { customer { ${hopsOf(4)} } } } } } } } }`,
    });
    expectRefused(inline, 400, 'BAD_USER_INPUT', 'depth');
  });

  it('applies to every caller: an admin, a customer, and nobody', async () => {
    const token = await signCustomerToken(DEMO.customer);
    for (const authorization of [`Bearer ${ADMIN_KEY}`, `Bearer ${token}`, null]) {
      expectRefused(await postJson(h, { query: eleven }, { authorization }), 400, 'BAD_USER_INPUT', 'depth');
    }
  });

  it('is configurable (MAX_DEPTH)', async () => {
    const deeper = createGateway({ graphiql: false, corsOrigins: [], limits: { maxDepth: 11 } }, h.deps);
    const answer = await postJson(h, { query: eleven }, { yoga: deeper });
    expect(answer.body!.errors?.[0]?.extensions?.['limit']).toBeUndefined();
    const tighter = createGateway({ graphiql: false, corsOrigins: [], limits: { maxDepth: 2 } }, h.deps);
    expectRefused(await postJson(h, { query: '{ viewer { customer { id } } }' }, { yoga: tighter }), 400, 'BAD_USER_INPUT', 'depth');
  });

  it('exempts no document: the trusted ones pass on their own, and a tight MAX_DEPTH refuses them too', async () => {
    const [id] = [...defaultTrustedDocuments()].find(([, text]) => /\bquery BillingPage\b/.test(text))!; // its fragments come first
    const token = `Bearer ${await signCustomerToken(DEMO.customer)}`;
    const byId = await postJson(h, { documentId: id, variables: { first: 2 } }, { authorization: token });
    expect(byId.body!.errors).toBeUndefined();
    expect(byId.status).toBe(200);
    const tight = createGateway({ graphiql: false, corsOrigins: [], limits: { maxDepth: 4 } }, h.deps);
    expectRefused(await postJson(h, { documentId: id, variables: { first: 2 } }, { authorization: token, yoga: tight }), 400, 'BAD_USER_INPUT', 'depth');
  });
});

describe('aliases', () => {
  it('refuses 16 aliases, allows 15', async () => {
    const sixteen = await postJson(h, { query: `{ ${repeat(16, (i) => `a${i}: viewer { role }`)} }` });
    expectRefused(sixteen, 400, 'BAD_USER_INPUT', 'aliases');
    const fifteen = await postJson(h, { query: `{ ${repeat(15, (i) => `a${i}: viewer { role }`)} }` });
    expect(fifteen.status).toBe(200);
    expect(fifteen.body!.errors).toBeUndefined();
  });

  it('counts aliases spread over fragments', async () => {
    const answer = await postJson(h, {
      query: `{ ...A ...B } fragment A on Query { ${repeat(8, (i) => `a${i}: viewer { role }`)} } fragment B on Query { ${repeat(8, (i) => `b${i}: viewer { role }`)} }`,
    });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'aliases');
  });

  it('refuses an alias bomb of Stripe lookups without a single call', async () => {
    const answer = await postJson(h, { query: `{ ${repeat(40, (i) => `c${i}: customer(id: "${DEMO.customer}") { name }`)} }` });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'aliases');
  });
});

describe('tokens', () => {
  it('refuses more than 1000 tokens at parse time', async () => {
    const answer = await postJson(h, { query: `{ viewer { ${'role '.repeat(1_100)}} }` });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'tokens');
    expect(answer.body!.errors).toHaveLength(1);
    expect(answer.body!.errors![0]!.message).toMatch(/Token limit of 1000 exceeded/);
  });

  it('counts tokens in variable definitions and list literals too', async () => {
    expectRefused(await postJson(h, { query: `query Flood(${repeat(300, (i) => `$v${i}: ID`)}) { viewer { role } }` }), 400, 'BAD_USER_INPUT', 'tokens');
    expectRefused(await postJson(h, { query: `{ customer(id: [${'"x" '.repeat(1_200)}]) { id } }` }), 400, 'BAD_USER_INPUT', 'tokens');
  });

  it('refuses over GET too', async () => {
    const query = encodeURIComponent(`{ viewer { ${'role '.repeat(1_100)}} }`);
    const answer = await send(h, {
      url: `http://gateway.test/graphql?query=${query}`,
      headers: { accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}`, 'x-graphql-csrf': '1' },
    });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'tokens');
  });
});

describe('fragments, held to the token limit once spread', () => {
  const doubling = (n: number) =>
    `{ viewer { ...F0 } } ${repeat(n, (i) => `fragment F${i} on Viewer { ${i === n - 1 ? 'role' : `...F${i + 1} ...F${i + 1}`} }`)}`;
  const fieldsOf = (query: string) => Number(/: (\d+) fields/.exec(validate(schema, parse(query), [expansionLimitRule(0)])[0]?.message ?? '')?.[1]);

  it('counts every field at every spread, each fragment measured once', () => {
    expect(fieldsOf('{ viewer { role } }')).toBe(2);
    expect(fieldsOf(doubling(3))).toBe(1 + 4);
    // 2^39 fields: measured, not spread out.
    expect(validate(schema, parse(doubling(40)), [expansionLimitRule(1000)])[0]?.message).toBe(
      'Token limit of 1000 exceeded once fragments are spread: 549755813889 fields.',
    );
    // What the apps send is far under: GraphiQL's introspection query too.
    for (const text of defaultTrustedDocuments().values()) expect(fieldsOf(text)).toBeLessThan(100);
    expect(fieldsOf(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }))).toBeLessThan(300);
  });

  it('refuses a doubling chain of fragments (2^16 fields spread) with limit tokens, under the token limit as written', async () => {
    const answer = await postJson(h, { query: doubling(17) });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'tokens');
    expect(answer.body!.errors).toHaveLength(1);
    expect(answer.body!.errors![0]!.message).toBe('Token limit of 1000 exceeded once fragments are spread: 65537 fields.');
    // A fragment used a few times over is fine.
    const reused = await postJson(h, {
      query: `{ invoices(first: 2) { edges { node { total { ...M } amountDue { ...M } amountPaid { ...M } } } } } fragment M on Money { amount currency formatted }`,
    });
    expect(reused.body!.errors).toBeUndefined();
  });
});

describe('directives', () => {
  it('refuses 51 directives', async () => {
    const answer = await postJson(h, { query: `{ viewer { ${repeat(51, () => 'role @include(if: true)')} } }` });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'directives');
  });

  it('counts the directives on every fragment spread (graphql-armor alone counts a repeated spread once)', async () => {
    const answer = await postJson(h, { query: `{ viewer { ${repeat(60, () => '...R @skip(if: false)')} } } fragment R on Viewer { role }` });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'directives');
    expect(answer.body!.errors!.some((e) => /found 60/.test(e.message))).toBe(true);
  });

  it('allows 50', async () => {
    const answer = await postJson(h, { query: `{ viewer { ${repeat(50, (i) => `r${i % 10}: role @include(if: true)`)} } }` });
    expect(answer.body!.errors?.some((e) => e.extensions?.['limit'] === 'directives')).toBeFalsy();
  });
});

describe('cost', () => {
  const nested = (outer: number, inner: number) =>
    `{ customers(first: ${outer}) { edges { node { invoices(first: ${inner}) { pageInfo { hasNextPage } } } } } }`;

  it('multiplies by first/last: a connection costs n × its selection, objects 1, scalars 0', () => {
    const cost = (query: string, variables?: Record<string, unknown>) => queryCost(schema, parse(query), undefined, variables);
    expect(cost('{ viewer { role } }')).toBe(1);
    expect(cost('{ __typename }')).toBe(0);
    // customers: 100 × (edges 1 + node 1 + invoices 100 × pageInfo 1) = 10,200
    expect(cost(nested(100, 100))).toBe(10_200);
    expect(cost(nested(10, 10))).toBe(120);
    // Neither first nor last: 10.
    expect(cost('{ customers { edges { node { id } } } }')).toBe(20);
    // last counts like first; both: the larger.
    expect(cost('{ customers(last: 30) { edges { node { id } } } }')).toBe(60);
    expect(cost('{ customers(first: 5, last: 40) { edges { node { id } } } }')).toBe(80);
    // Variables, and their defaults.
    expect(cost('query ($n: Int) { customers(first: $n) { edges { node { id } } } }', { n: 50 })).toBe(100);
    expect(cost('query ($n: Int = 25) { customers(first: $n) { edges { node { id } } } }', {})).toBe(50);
    // Fragments count what they select, each spread.
    expect(cost('{ ...Q ...Q } fragment Q on Query { customers(first: 3) { edges { node { id } } } }')).toBe(12);
    // With several operations and no operationName, the dearest.
    expect(cost(`query A { viewer { role } } query B ${nested(10, 10)}`)).toBe(120);
  });

  it('refuses a document over 5000 before any Stripe call', async () => {
    const answer = await postJson(h, { query: nested(100, 100) });
    expectRefused(answer, 400, 'BAD_USER_INPUT', 'cost');
    expect(answer.body!.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'cost', cost: 10_200, max: 5000 });
  });

  it('prices the variables: the same document is cheap with first: 5 and refused with first: 100', async () => {
    const query = 'query ($n: Int, $m: Int) { customers(first: $n) { edges { node { invoices(first: $m) { pageInfo { hasNextPage } } } } } }';
    const cheap = await postJson(h, { query, variables: { n: 5, m: 5 } });
    expect(cheap.body!.errors).toBeUndefined();
    const dear = await postJson(h, { query, variables: { n: 100, m: 100 } });
    expectRefused(dear, 400, 'BAD_USER_INPUT', 'cost');
    // And back: no cached verdict either way.
    expect((await postJson(h, { query, variables: { n: 5, m: 5 } })).body!.errors).toBeUndefined();
  });

  it('is configurable (MAX_COST)', async () => {
    const strict = createGateway({ graphiql: false, corsOrigins: [], limits: { maxCost: 100 } }, h.deps);
    expectRefused(await postJson(h, { query: nested(10, 10) }, { yoga: strict }), 400, 'BAD_USER_INPUT', 'cost');
  });
});

describe('request limits', () => {
  it('answers 413 BAD_USER_INPUT limit body for a body over 100 KB (content-length)', async () => {
    const answer = await postJson(h, JSON.stringify({ query: '{ viewer { role } }', padding: 'x'.repeat(110_000) }));
    expectRefused(answer, 413, 'BAD_USER_INPUT', 'body');
    expect(answer.body!.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'body', max: 102_400 });
  });

  it('answers 413 for a chunked body without a content-length, and closes that connection', async () => {
    const server = await listen(h.yoga);
    try {
      const chunk = new TextEncoder().encode(' '.repeat(16_384));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"query":"{ viewer { role } }"'));
          for (let i = 0; i < 10; i++) controller.enqueue(chunk);
          controller.enqueue(new TextEncoder().encode('}'));
          controller.close();
        },
      });
      const calls = await h.stripeCalls(async () => {
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}` },
          body,
          ...({ duplex: 'half' } as object),
        });
        expect(response.status).toBe(413);
        expect(response.headers.get('connection')).toBe('close');
        const json = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
        expect(json.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'body' });
      });
      expect(calls).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('is configurable (MAX_BODY_BYTES)', async () => {
    const small = createGateway({ graphiql: false, corsOrigins: [], limits: { maxBodyBytes: 2048 } }, h.deps);
    const answer = await postJson(h, { query: '{ viewer { role } }', variables: { pad: 'x'.repeat(3000) } }, { yoga: small });
    expectRefused(answer, 413, 'BAD_USER_INPUT', 'body');
  });

  it('refuses an array (batched) body: 400 BAD_USER_INPUT', async () => {
    const answer = await postJson(h, [{ query: '{ viewer { role } }' }, { query: `{ customer(id: "${DEMO.customer}") { id } }` }]);
    expectRefused(answer, 400, 'BAD_USER_INPUT');
  });

  it('refuses a mutation over GET: 405 with Allow: POST, and no session created', async () => {
    const query = encodeURIComponent(`mutation { createPortalSession(input: { customerId: "${DEMO.customer}" }) { __typename } }`);
    const answer = await send(h, {
      url: `http://gateway.test/graphql?query=${query}`,
      headers: { accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}`, 'x-graphql-csrf': '1' },
    });
    expectRefused(answer, 405, 'BAD_USER_INPUT');
    expect(answer.headers.get('allow')).toBe('POST');
  });

  it('refuses malformed JSON with 400 BAD_USER_INPUT, without echoing the body', async () => {
    const answer = await postJson(h, '{"query": "{ viewer { role } }", "secret": "sk_test_echo');
    expectRefused(answer, 400, 'BAD_USER_INPUT');
    expect(answer.text).not.toContain('sk_test_echo');
  });
});

describe('CSRF prevention', () => {
  const query = encodeURIComponent('{ viewer { role } }');

  it('refuses a GET without a CSRF header: 403 FORBIDDEN, no Stripe call', async () => {
    const answer = await send(h, { url: `http://gateway.test/graphql?query=${query}`, headers: { accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}` } });
    expectRefused(answer, 403, 'FORBIDDEN');
  });

  it('refuses the content types a cross-site form can send (text/plain, form-urlencoded, multipart)', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send(h, {
        method: 'POST',
        headers: { 'content-type': contentType, accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query: `{ customer(id: "${DEMO.customer}") { id } }` }),
      });
      expectRefused(answer, 403, 'FORBIDDEN');
    }
  });

  it('lets a GET with x-graphql-csrf or graphql-require-preflight through, and any application/json POST', async () => {
    for (const header of ['x-graphql-csrf', 'graphql-require-preflight']) {
      const answer = await send(h, {
        url: `http://gateway.test/graphql?query=${query}`,
        headers: { accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ADMIN_KEY}`, [header]: '1' },
      });
      expect(answer.status).toBe(200);
      expect(answer.body!.data).toEqual({ viewer: { role: 'ADMIN' } });
    }
    expect((await postJson(h, { query: '{ viewer { role } }' })).status).toBe(200);
  });
});

describe('field suggestions', () => {
  let production: Gateway;
  beforeAll(() => {
    production = createGateway({ graphiql: false, corsOrigins: [], hideSuggestions: true }, h.deps);
  });

  const misspelt = [
    ['a field', '{ viewr { role } }', {}],
    ['an enum value', '{ invoices(status: PAD) { edges { node { id } } } }', {}],
    ['an enum value in a variable', 'query ($s: InvoiceStatus) { invoices(status: $s) { edges { node { id } } } }', { s: 'PAD' }],
    ['an argument', '{ customers(frist: 1) { edges { node { id } } } }', {}],
  ] as const;

  it.each(misspelt)('are shown in development (%s)', async (_name, query, variables) => {
    const answer = await postJson(h, { query, variables });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('Did you mean');
  });

  it.each(misspelt)('are hidden in production (%s), with the code kept and no Stripe call', async (_name, query, variables) => {
    const answer = await postJson(h, { query, variables }, { yoga: production });
    expect(answer.status).toBe(400);
    expect(answer.text).not.toMatch(/Did you mean|PAID|viewer"|"first"/);
    const code = answer.body!.errors![0]!.extensions?.['code'];
    expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(code);
    if (Object.keys(variables).length === 0) expect(code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.calls).toEqual([]);
  });
});

describe('variables that do not coerce', () => {
  it('answer 400 BAD_USER_INPUT (not a code-less error)', async () => {
    for (const [query, variables] of [
      ['query ($id: ID!) { customer(id: $id) { id } }', { id: ['cus_a', 'cus_b'] }],
      ['query ($id: ID!) { customer(id: $id) { id } }', { id: null }],
      ['query ($n: Int) { customers(first: $n) { edges { node { id } } } }', { n: '10; DROP TABLE' }],
    ] as const) {
      expectRefused(await postJson(h, { query, variables }), 400, 'BAD_USER_INPUT');
    }
  });
});
