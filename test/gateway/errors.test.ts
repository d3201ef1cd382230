/**
 * Every error code of the contract, end to end, with what reached Stripe: input the gateway can judge is refused
 * before any Stripe call; what only Stripe can judge costs exactly the one call that found out; Stripe's bad
 * days (429, 5xx, resets, hangs) become RATE_LIMITED / UPSTREAM_UNAVAILABLE; a failure that is nobody's input
 * (the gateway's own key refused) stays masked and leaks no secret, in the response or in the logs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { ADMIN_KEY, RETURN_ORIGIN, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, expectError, run } from '../support/graphql.js';

let h: GatewayHarness;
let acmeInvoice: { id: string; number: string | null };

beforeAll(async () => {
  h = await startGateway();
  const invoice = [...h.local.store.invoices.newestFirst()].find((i) => i.customer === DEMO.businessCustomer && i.number !== null)!;
  acmeInvoice = { id: invoice.id, number: invoice.number };
});
afterAll(() => h.stop());
afterEach(() => h.local.setFaults(undefined));

const SESSION = `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
  ... on CreatePortalSessionPayload { portalSession { id returnUrl } } } }`;

describe('NOT_FOUND', () => {
  const cases: Array<[string, string, string]> = [
    ['an unknown customer', `{ customer(id: "cus_unknown0000") { name } }`, '/v1/customers/cus_unknown0000'],
    ['an unknown invoice', `{ invoice(id: "in_unknown0000") { number } }`, '/v1/invoices/in_unknown0000'],
    ['an unknown portal configuration', `{ portalConfiguration(id: "bpc_unknown0000") { isDefault } }`, '/v1/billing_portal/configurations/bpc_unknown0000'],
    ['node: an unknown customer', `{ node(id: "cus_unknown0000") { ... on Customer { name } } }`, '/v1/customers/cus_unknown0000'],
    ['node: an unknown invoice', `{ node(id: "in_unknown0000") { id } }`, '/v1/invoices/in_unknown0000'],
    ['node: an unknown configuration', `{ node(id: "bpc_unknown0000") { ... on PortalConfiguration { active } } }`, '/v1/billing_portal/configurations/bpc_unknown0000'],
  ];
  for (const [name, query, path] of cases) {
    it(name, async () => {
      const { res, calls } = await expectError(h, 'NOT_FOUND', query);
      expect(Object.values(res.data ?? {})).toEqual([null]);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ method: 'GET', path, status: 404 });
    });
  }

  it('for a portal session of an unknown customer or configuration (Stripe decides: one call)', async () => {
    for (const input of [{ customerId: 'cus_unknown0000' }, { customerId: DEMO.customer, configurationId: 'bpc_unknown0000' }]) {
      const { res, calls } = await expectError(h, 'NOT_FOUND', SESSION, { input });
      expect(res.data?.createPortalSession ?? null).toBeNull();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ method: 'POST', path: '/v1/billing_portal/sessions', status: 404 });
    }
  });

  it('leaves the rest of the query intact', async () => {
    const { res, calls } = await run(h, `{ a: customer(id: "${DEMO.customer}") { name } b: customer(id: "cus_unknown0000") { name } }`);
    expect(res.data).toEqual({ a: { name: 'Ada Lovelace' }, b: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['b'], extensions: { code: 'NOT_FOUND' } });
    expect(calls).toHaveLength(2);
  });
});

describe('BAD_USER_INPUT caught before Stripe (no call)', () => {
  const ids: Array<[string, string, string]> = [
    ['a customer id without prefix', `{ customer(id: "HI4eggv5wQw860") { name } }`, 'id'],
    ['an invoice id as a customer id', `{ customer(id: "in_abc") { name } }`, 'id'],
    ['a customer id with a bad character', `{ customer(id: "cus_abc/def") { name } }`, 'id'],
    ['a customer id as an invoice id', `{ invoice(id: "${DEMO.customer}") { number } }`, 'id'],
    ['a path as an invoice id', `{ invoice(id: "in_x/../../customers") { number } }`, 'id'],
    ['an invoice id as a configuration id', `{ portalConfiguration(id: "in_abc") { active } }`, 'id'],
    ['a charge id as a node id (no type has that prefix)', `{ node(id: "ch_3MmlLrLkdIwHu7ix0snN0B15") { id } }`, 'id'],
    ['a prefix-only node id', `{ node(id: "cus_") { id } }`, 'id'],
    ['a bad customerId filter', `{ invoices(customerId: "acme") { edges { cursor } } }`, 'customerId'],
    ['a bad subscriptionId filter', `{ invoices(subscriptionId: "si_abc") { edges { cursor } } }`, 'subscriptionId'],
  ];
  for (const [name, query, field] of ids) {
    it(name, async () => {
      const { res, calls } = await expectError(h, 'BAD_USER_INPUT', query);
      expect(res.errors![0]!.extensions).toMatchObject({ field });
      expect(calls).toEqual([]);
    });
  }

  it('a DateTime that is not ISO-8601 with a zone', async () => {
    for (const value of ['yesterday', '2026-01-31', '2026-01-31T12:00:00']) {
      const { res, calls } = await expectError(h, 'BAD_USER_INPUT', `query($t: DateTime) { invoices(createdAfter: $t) { edges { cursor } } }`, { t: value });
      expect(res.status).toBe(400);
      expect(calls).toEqual([]);
    }
  });

  describe('createPortalSession input', () => {
    const inputs: Array<[string, Record<string, unknown>, string]> = [
      ['admin without customerId', {}, 'customerId'],
      ['a malformed customerId', { customerId: 'ada' }, 'customerId'],
      ['a malformed configurationId', { customerId: DEMO.customer, configurationId: DEMO.customer }, 'configurationId'],
      ['a malformed onBehalfOf', { customerId: DEMO.customer, onBehalfOf: 'northwind-eu' }, 'onBehalfOf'],
      ['an empty idempotencyKey', { customerId: DEMO.customer, idempotencyKey: '' }, 'idempotencyKey'],
      ['a 256-character idempotencyKey', { customerId: DEMO.customer, idempotencyKey: 'k'.repeat(256) }, 'idempotencyKey'],
      ['an idempotencyKey with a space', { customerId: DEMO.customer, idempotencyKey: 'order 42' }, 'idempotencyKey'],
      ['an idempotencyKey with a newline', { customerId: DEMO.customer, idempotencyKey: 'order\n42' }, 'idempotencyKey'],
      ['a non-ASCII idempotencyKey', { customerId: DEMO.customer, idempotencyKey: 'ключ' }, 'idempotencyKey'],
    ];
    for (const [name, input, field] of inputs) {
      it(name, async () => {
        const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, { input });
        expect(res.errors![0]!.extensions).toMatchObject({ field });
        expect(calls).toEqual([]);
      });
    }

    it('accepts a 255-character printable idempotencyKey', async () => {
      const { res, calls } = await run(h, SESSION, { input: { customerId: DEMO.customer, idempotencyKey: `${'k'.repeat(250)}!~#@$` } });
      dataOf(res);
      expect(calls).toHaveLength(1);
    });
  });

  describe('returnUrl: only http(s) URLs on an allowed origin (no open redirect)', () => {
    const refused = [
      'https://app.example.com@evil.example/billing', // userinfo: the host is evil.example
      'https://app.example.com:x@evil.example/',
      'https://user:pass@app.example.com/billing', // credentials, even on the right host
      'https://app.example.com.evil.example/billing', // a look-alike subdomain
      'https://evil.example/?next=https://app.example.com', // the allowed origin only in the query
      'https://evil.example#https://app.example.com',
      'https://evil.example\\@app.example.com/', // backslash is a path separator: the host is evil.example
      'http://app.example.com/billing', // another scheme is another origin
      'https://app.example.com:8443/billing', // another port is another origin
      '//evil.example/billing', // protocol-relative
      '/billing', // relative
      'javascript:alert(document.domain)',
      'data:text/html,<script>alert(1)</script>',
      'ftp://app.example.com/billing',
      `${RETURN_ORIGIN}/${'a'.repeat(2100)}`, // too long
      'not a url',
    ];
    for (const returnUrl of refused) {
      it(`refuses ${returnUrl.length > 60 ? `${returnUrl.slice(0, 40)}… (${returnUrl.length} chars)` : returnUrl}`, async () => {
        const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, { input: { customerId: DEMO.customer, returnUrl } });
        expect(res.errors![0]!.extensions).toMatchObject({ field: 'returnUrl' });
        expect(calls).toEqual([]);
      });
    }

    it('refuses the same tricks in a REDIRECT flow’s redirectReturnUrl', async () => {
      for (const redirectReturnUrl of ['https://app.example.com@evil.example/', 'https://evil.example/done']) {
        const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, {
          input: { customerId: DEMO.customer, flow: { type: 'PAYMENT_METHOD_UPDATE', afterCompletion: { type: 'REDIRECT', redirectReturnUrl } } },
        });
        expect(res.errors![0]!.extensions).toMatchObject({ field: 'flow.afterCompletion.redirectReturnUrl' });
        expect(calls).toEqual([]);
      }
    });

    it('accepts the allowed origin in any spelling and sends the normalised URL', async () => {
      for (const [given, sent] of [
        ['https://app.example.com', 'https://app.example.com/'],
        ['https://APP.Example.com:443/Billing?x=1', 'https://app.example.com/Billing?x=1'],
        ['https://app.example.com\\settings', 'https://app.example.com/settings'],
      ]) {
        const { res, calls } = await run(h, SESSION, { input: { customerId: DEMO.customer, returnUrl: given } });
        expect(dataOf(res).createPortalSession.portalSession.returnUrl).toBe(sent);
        expect(calls.map((c) => c.params.return_url)).toEqual([sent]);
      }
    });
  });

  describe('flow input that does not match its type', () => {
    const item = () => h.local.store.subscriptions.get(DEMO.subscription)!.items.data[0]!.id;
    const flows: Array<[string, () => Record<string, unknown>, string]> = [
      ['a sub-input of another type', () => ({ type: 'PAYMENT_METHOD_UPDATE', subscriptionCancel: { subscriptionId: DEMO.subscription } }), 'flow.subscriptionCancel'],
      ['two sub-inputs', () => ({ type: 'SUBSCRIPTION_UPDATE', subscriptionUpdate: { subscriptionId: DEMO.subscription }, subscriptionPause: { subscriptionId: DEMO.subscription } }), 'flow.subscriptionPause'],
      ['a type without its sub-input', () => ({ type: 'SUBSCRIPTION_CANCEL' }), 'flow.subscriptionCancel'],
      ['a malformed subscription id', () => ({ type: 'SUBSCRIPTION_PAUSE', subscriptionPause: { subscriptionId: 'pro-plan' } }), 'flow.subscriptionPause.subscriptionId'],
      ['a malformed retention coupon', () => ({ type: 'SUBSCRIPTION_CANCEL', subscriptionCancel: { subscriptionId: DEMO.subscription, retentionCouponId: 'two words' } }), 'flow.subscriptionCancel.retentionCouponId'],
      ['REDIRECT without a URL', () => ({ type: 'CUSTOMER_UPDATE', afterCompletion: { type: 'REDIRECT' } }), 'flow.afterCompletion.redirectReturnUrl'],
      ['a redirect URL with PORTAL_HOMEPAGE', () => ({ type: 'CUSTOMER_UPDATE', afterCompletion: { type: 'PORTAL_HOMEPAGE', redirectReturnUrl: `${RETURN_ORIGIN}/x` } }), 'flow.afterCompletion.redirectReturnUrl'],
      ['a confirmation message with REDIRECT', () => ({ type: 'CUSTOMER_UPDATE', afterCompletion: { type: 'REDIRECT', redirectReturnUrl: `${RETURN_ORIGIN}/x`, hostedConfirmationMessage: 'Done' } }), 'flow.afterCompletion.hostedConfirmationMessage'],
      ['a confirmation message over 500 characters', () => ({ type: 'CUSTOMER_UPDATE', afterCompletion: { type: 'HOSTED_CONFIRMATION', hostedConfirmationMessage: 'x'.repeat(501) } }), 'flow.afterCompletion.hostedConfirmationMessage'],
      ['no item to confirm', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [] } }), 'flow.subscriptionUpdateConfirm.items'],
      ['two items to confirm', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: item() }, { id: item() }] } }), 'flow.subscriptionUpdateConfirm.items'],
      ['a malformed item id', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'item-1' }] } }), 'flow.subscriptionUpdateConfirm.items.0.id'],
      ['a negative quantity', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: item(), quantity: -1 }] } }), 'flow.subscriptionUpdateConfirm.items.0.quantity'],
      ['two discounts', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: item() }], discounts: [{ couponId: 'A' }, { couponId: 'B' }] } }), 'flow.subscriptionUpdateConfirm.discounts'],
      ['a discount with both coupon and promotion code', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: item() }], discounts: [{ couponId: 'A', promotionCodeId: 'promo_B' }] } }), 'flow.subscriptionUpdateConfirm.discounts'],
      ['a discount with neither', () => ({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: item() }], discounts: [{}] } }), 'flow.subscriptionUpdateConfirm.discounts'],
    ];
    for (const [name, flow, field] of flows) {
      it(name, async () => {
        const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, { input: { customerId: DEMO.customer, flow: flow() } });
        expect(res.errors![0]!.extensions).toMatchObject({ field });
        expect(calls).toEqual([]);
      });
    }
  });
});

describe('BAD_USER_INPUT only Stripe can judge (one call, Stripe’s reason passed on)', () => {
  it('a flow whose feature the configuration turns off', async () => {
    const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, {
      input: { customerId: DEMO.customer, configurationId: DEMO.enterpriseConfiguration, flow: { type: 'PAYMENT_METHOD_UPDATE' } },
    });
    expect(res.errors![0]!.message).toMatch(/payment_method_update/);
    expect(res.errors![0]!.extensions).toMatchObject({ stripeParam: 'flow_data[type]', stripeRequestId: expect.stringMatching(/^req_/) });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(400);
  });

  it('a subscription of another customer', async () => {
    const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, {
      input: { customerId: DEMO.businessCustomer, flow: { type: 'SUBSCRIPTION_UPDATE', subscriptionUpdate: { subscriptionId: DEMO.subscription } } },
    });
    expect(res.errors![0]!.extensions).toMatchObject({ stripeParam: 'flow_data[subscription_update][subscription]' });
    expect(calls).toHaveLength(1);
  });
});

describe('a customer reads what Stripe refused in the gateway’s words, never Stripe’s', () => {
  // The same refusals an admin reads as Stripe wrote them (above): a customer gets the field of its own input and
  // the gateway's message, and nothing of Stripe's (no text, no `stripeParam`, no Stripe request id).
  const ADA = { customer: DEMO.customer } as const;
  const STRIPE_WORDS = /No such|belong|features\[|flow_data|stripeParam|stripeRequestId|bpc_|cus_|sub_/;

  it('a flow the operator’s configuration does not offer', async () => {
    const enterprise = await startGateway({}, { portal: { configuration: DEMO.enterpriseConfiguration } });
    try {
      const { res, calls } = await expectError(enterprise, 'BAD_USER_INPUT', SESSION, { input: { flow: { type: 'PAYMENT_METHOD_UPDATE' } } }, ADA);
      expect(res.errors![0]).toMatchObject({ message: 'The portal does not offer this flow.', extensions: { code: 'BAD_USER_INPUT', field: 'flow.type' } });
      expect(Object.keys(res.errors![0]!.extensions!).sort()).toEqual(['code', 'field']);
      expect(JSON.stringify(res)).not.toMatch(STRIPE_WORDS);
      expect(calls.map((c) => c.status)).toEqual([400]);
    } finally {
      await enterprise.stop();
    }
  });

  it('a price the configuration does not offer, on its own subscription', async () => {
    const item = h.local.store.subscriptions.get(DEMO.subscription)!.items.data[0]!.id;
    const { res, calls } = await expectError(h, 'BAD_USER_INPUT', SESSION, {
      input: {
        flow: {
          type: 'SUBSCRIPTION_UPDATE_CONFIRM',
          subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: item, priceId: 'price_NwEnterpriseMonthly1' }] },
        },
      },
    }, ADA);
    expect(res.errors![0]).toMatchObject({
      message: 'The portal does not offer this price.',
      extensions: { code: 'BAD_USER_INPUT', field: 'flow.subscriptionUpdateConfirm.items.0.priceId' },
    });
    expect(JSON.stringify(res)).not.toMatch(STRIPE_WORDS);
    expect(calls.map((c) => c.status)).toEqual([400]);
  });

  it('another customer’s subscription, and one that does not exist: one answer', async () => {
    const answers = [];
    for (const subscriptionId of [DEMO.subscription, 'sub_doesNotExist00000000']) {
      const { res, calls } = await expectError(h, 'FORBIDDEN', SESSION, {
        input: { flow: { type: 'SUBSCRIPTION_UPDATE', subscriptionUpdate: { subscriptionId } } },
      }, { customer: DEMO.businessCustomer });
      expect(calls).toHaveLength(1);
      expect(JSON.stringify(res)).not.toMatch(STRIPE_WORDS);
      answers.push(res.errors);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toEqual([
      {
        message: 'No subscription of yours that the portal can act on has this id.',
        path: ['createPortalSession'],
        extensions: { code: 'FORBIDDEN', field: 'flow.subscriptionUpdate.subscriptionId' },
      },
    ]);
  });

  it('an invoice it asked for that does not exist: what another customer’s invoice answers', async () => {
    const missing = await expectError(h, 'FORBIDDEN', `{ invoice(id: "in_doesNotExist0000000000") { number } }`, {}, ADA);
    const theirs = await expectError(h, 'FORBIDDEN', `{ invoice(id: "${acmeInvoice.id}") { number } }`, {}, ADA);
    expect(missing.res.errors).toEqual(theirs.res.errors);
    expect(missing.res.errors![0]).toMatchObject({ message: 'No invoice of yours has this id.', extensions: { code: 'FORBIDDEN', field: 'id' } });
    expect(missing.calls.map((c) => c.status)).toEqual([404]);
    expect(theirs.calls.map((c) => c.status)).toEqual([200]);
  });
});

describe('UNAUTHENTICATED and FORBIDDEN (basic; the auth tests hold the matrix)', () => {
  it('refuses a missing, malformed, forged or expired credential with no Stripe call, echoing none of it', async () => {
    const forged = await signCustomerToken(DEMO.customer, { secret: 'not-the-gateway-secret-0123456789abcdef' });
    const expired = await signCustomerToken(DEMO.customer, { expiresIn: '-1m' });
    for (const authorization of [undefined, 'Bearer', `Basic ${Buffer.from(`${ADMIN_KEY}:`).toString('base64')}`, `Bearer ${forged}`, `Bearer ${expired}`, `Bearer ${ADMIN_KEY}x`]) {
      const { res, calls } = await expectError(h, 'UNAUTHENTICATED', `{ customer(id: "${DEMO.customer}") { name } }`, {}, authorization === undefined ? 'anonymous' : { authorization });
      expect(calls).toEqual([]);
      const body = JSON.stringify(res);
      expect(body).not.toContain(ADMIN_KEY);
      expect(body).not.toContain(forged);
      expect(body).not.toContain(expired);
    }
  });

  it('refuses a customer another customer’s data without leaking any of it', async () => {
    const me = { customer: DEMO.customer };
    // Known before any call: the id names the owner.
    const direct = await expectError(h, 'FORBIDDEN', `{ customer(id: "${DEMO.businessCustomer}") { name } }`, {}, me);
    expect(direct.calls).toEqual([]);
    const node = await expectError(h, 'FORBIDDEN', `{ node(id: "${DEMO.businessCustomer}") { id } }`, {}, me);
    expect(node.calls).toEqual([]);
    const list = await expectError(h, 'FORBIDDEN', `{ invoices(customerId: "${DEMO.businessCustomer}") { edges { cursor } } }`, {}, me);
    expect(list.calls).toEqual([]);
    const session = await expectError(h, 'FORBIDDEN', SESSION, { input: { customerId: DEMO.businessCustomer } }, me);
    expect(session.calls).toEqual([]);
    // Known only once Stripe answered: the invoice names its owner.
    const invoice = await expectError(h, 'FORBIDDEN', `{ invoice(id: "${acmeInvoice.id}") { id number customer { name } } }`, {}, me);
    expect(invoice.res.data).toEqual({ invoice: null });
    expect(invoice.calls).toHaveLength(1);
    const body = JSON.stringify(invoice.res);
    expect(body).not.toContain(acmeInvoice.number!);
    expect(body).not.toContain('Acme');
  });
});

describe('RATE_LIMITED', () => {
  it('maps Stripe’s 429 to RATE_LIMITED with one attempt, and the next request goes through', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', count: 1 }] });
    const limited = await expectError(h, 'RATE_LIMITED', `{ customer(id: "${DEMO.customer}") { name } }`);
    expect(limited.res.errors![0]!.extensions).toMatchObject({ retryAfterSeconds: expect.any(Number), stripeRequestId: expect.stringMatching(/^req_/) });
    expect(limited.res.data).toEqual({ customer: null });
    expect(limited.calls.map((c) => c.status)).toEqual([429]);

    const next = await run(h, `{ customer(id: "${DEMO.customer}") { name } }`);
    expect(dataOf(next.res).customer).toEqual({ name: 'Ada Lovelace' });
    expect(next.calls.map((c) => c.status)).toEqual([200]);
  });

  it('on a mutation too', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', count: 1, method: 'POST' }] });
    const { calls } = await expectError(h, 'RATE_LIMITED', SESSION, { input: { customerId: DEMO.customer } });
    expect(calls.map((c) => `${c.method} ${c.status}`)).toEqual(['POST 429']);
  });

  it('fails only the field whose call was limited', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', path: '/v1/invoices' }] });
    const { res } = await run(h, `{ customer(id: "${DEMO.customer}") { name } invoice(id: "${acmeInvoice.id}") { id } }`);
    expect(res.data).toEqual({ customer: { name: 'Ada Lovelace' }, invoice: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['invoice'], extensions: { code: 'RATE_LIMITED' } });
  });
});

describe('UPSTREAM_UNAVAILABLE', () => {
  for (const status of [500, 502, 503] as const) {
    it(`maps a ${status} to UPSTREAM_UNAVAILABLE after one attempt (retries are off in the harness)`, async () => {
      h.local.setFaults({ rules: [{ kind: 'server_error', status, count: 1 }] });
      const { res, calls } = await expectError(h, 'UPSTREAM_UNAVAILABLE', `{ customer(id: "${DEMO.customer}") { name } }`);
      expect(res.errors![0]!.message).not.toMatch(/sk_|Stripe(API|Connection)Error/);
      expect(calls.map((c) => c.status)).toEqual([status]);
    });
  }

  it('maps connection resets (the SDK retries a closed connection once, even with retries off)', async () => {
    h.local.setFaults({ rules: [{ kind: 'reset', count: 2 }] });
    const { res, calls } = await expectError(h, 'UPSTREAM_UNAVAILABLE', `{ customer(id: "${DEMO.customer}") { name } }`);
    expect(res.data).toEqual({ customer: null });
    expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `GET /v1/customers/${DEMO.customer} 0`,
      `GET /v1/customers/${DEMO.customer} 0`,
    ]);
  });

  it('maps a Stripe that hangs past the client timeout', async () => {
    const slow = await startGateway({}, { stripeTimeoutMs: 250 });
    try {
      slow.local.setFaults({ rules: [{ kind: 'hang', count: 1 }] });
      const started = Date.now();
      const { calls } = await expectError(slow, 'UPSTREAM_UNAVAILABLE', `{ customer(id: "${DEMO.customer}") { name } }`);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(calls.map((c) => c.status)).toEqual([0]);
      // Stripe is back: the next request is served.
      const next = await run(slow, `{ customer(id: "${DEMO.customer}") { name } }`);
      expect(dataOf(next.res).customer).toEqual({ name: 'Ada Lovelace' });
    } finally {
      await slow.stop();
    }
  });
});

describe('INTERNAL_SERVER_ERROR (masked)', () => {
  const GATEWAY_KEY = 'sk_test_gatewaykey51Xq9ZsecretTAIL';
  let refused: GatewayHarness;
  let logged: string[];

  beforeAll(async () => {
    // The local Stripe accepts only another key: the gateway's own key is refused (401) on every call.
    refused = await startGateway({ apiKeys: ['sk_test_theotherkey'] }, { stripeSecretKey: GATEWAY_KEY });
  });
  afterAll(() => refused.stop());

  const capture = () => {
    logged = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}\n${JSON.stringify(a)}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      });
    }
  };
  afterEach(() => vi.restoreAllMocks());

  it('masks a refused gateway key on a query and a mutation, with no secret in the response or the logs', async () => {
    capture();
    const query = await expectError(refused, 'INTERNAL_SERVER_ERROR', `{ customer(id: "${DEMO.customer}") { name } }`);
    const mutation = await expectError(refused, 'INTERNAL_SERVER_ERROR', SESSION, { input: { customerId: DEMO.customer } });
    for (const { res, calls } of [query, mutation]) {
      expect(res.errors![0]!.message).toBe('Unexpected error.');
      expect(Object.keys(res.errors![0]!.extensions!)).toEqual(['code']);
      expect(calls.map((c) => c.status)).toEqual([401]);
      const body = JSON.stringify(res);
      for (const secret of [GATEWAY_KEY, 'sk_test', 'TAIL', ADMIN_KEY]) expect(body).not.toContain(secret);
    }
    // The operator learns what happened from the log, without the key (not even the SDK's redacted form).
    expect(logged.join('\n')).toMatch(/credentials/);
    for (const line of logged) {
      expect(line).not.toContain(GATEWAY_KEY);
      expect(line).not.toContain('TAIL');
      expect(line).not.toContain('sk_test');
    }
  });
});
