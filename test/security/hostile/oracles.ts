/**
 * Hostile questions about what exists (issue 10): a customer choosing what only the operator may (the portal
 * configuration, `on_behalf_of`), and paging cursors it was never given (another customer's invoice id, a bare id,
 * a forged or borrowed tag). Each is refused before any Stripe call, whatever the value, so the answer can never say
 * whether an id exists.
 */
import * as generated from '../../../src/client/generated/graphql.js';
import { documentIdOf } from '../../../src/client/index.js';
import { DEMO } from '../../../src/local-stripe/index.js';
import { cursorOf } from '../../support/gateway.js';
import { type Entry, type Expectation, NONE, SESSION, badInput, overLimit } from './corpus.js';

const forbidden = (field: string): Expectation => ({ status: 200, code: 'FORBIDDEN', field, ...NONE });

/** An invoice id of another customer's shape (whether it exists must not matter, and cannot be told). */
const THEIR_INVOICE = 'in_1AcmeCorporationInvoice01';
const INVOICES_AFTER = 'query($c: String) { invoices(first: 5, after: $c) { edges { cursor node { id } } } }';
const INVOICES_BEFORE = 'query($c: String) { invoices(last: 5, before: $c) { edges { cursor node { id } } } }';
const ADA = `customer:${DEMO.customer}` as const;

/** A tag of the right shape that no key made. */
const FORGED_TAG = 'AAAAAAAAAAAAAAAA';

export const ORACLE_ENTRIES: Entry[] = [
  // ---------------------------------------------------------------------------------------------------------------
  // What only the operator chooses.
  {
    name: 'customer: a portal session with the admin-only Enterprise configuration',
    as: 'customer',
    query: SESSION,
    variables: { input: { configurationId: DEMO.enterpriseConfiguration } },
    expect: forbidden('configurationId'),
  },
  {
    name: 'customer: a portal session with a made-up configuration',
    as: 'customer',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, configurationId: 'bpc_madeUp0000000000000000' } },
    expect: forbidden('configurationId'),
  },
  {
    name: 'customer: a portal session with a configuration carrying a smuggled expand',
    as: 'customer',
    query: SESSION,
    variables: { input: { configurationId: 'bpc_x?expand[]=customer' } },
    expect: forbidden('configurationId'),
  },
  {
    name: 'customer: a portal session with 50 KB of configuration id',
    as: 'customer',
    query: SESSION,
    variables: { input: { configurationId: `bpc_${'A'.repeat(50_000)}` } },
    // Over the variable string limit (issue 10): refused before coercion, the same answer whatever the id.
    expect: overLimit('variables'),
  },
  {
    name: 'customer: a portal session on behalf of a connected account',
    as: 'customer',
    query: SESSION,
    variables: { input: { onBehalfOf: 'acct_1NorthwindEurope' } },
    expect: forbidden('onBehalfOf'),
  },
  {
    name: 'customer: a portal session on behalf of a smuggled account list',
    as: 'customer',
    query: SESSION,
    variables: { input: { onBehalfOf: 'acct_x&on_behalf_of=acct_y' } },
    expect: forbidden('onBehalfOf'),
  },
  {
    name: 'customer: a portal session with an on_behalf_of in a persisted document’s variables',
    profile: 'production',
    as: 'customer',
    params: { documentId: documentIdOf(generated.CreatePortalSessionDocument) },
    variables: { input: { onBehalfOf: 'acct_1NorthwindEurope' } },
    expect: forbidden('onBehalfOf'),
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Cursors it was never given.
  { name: 'customer: after another customer’s bare invoice id', as: 'customer', query: INVOICES_AFTER, variables: { c: THEIR_INVOICE }, expect: badInput('after') },
  { name: 'customer: before another customer’s bare invoice id', as: 'customer', query: INVOICES_BEFORE, variables: { c: THEIR_INVOICE }, expect: badInput('before') },
  {
    name: 'customer: its own invoices after another customer’s bare invoice id',
    as: 'customer',
    query: 'query($c: String) { viewer { customer { invoices(after: $c) { edges { cursor } } } } }',
    variables: { c: THEIR_INVOICE },
    expect: badInput('after'),
  },
  {
    name: 'customer: a cursor another customer was given',
    as: 'customer',
    query: INVOICES_AFTER,
    variables: { c: cursorOf(THEIR_INVOICE, 'Invoice', `customer:${DEMO.businessCustomer}`) },
    expect: badInput('after'),
  },
  { name: 'customer: an admin’s cursor', as: 'customer', query: INVOICES_AFTER, variables: { c: cursorOf(THEIR_INVOICE, 'Invoice') }, expect: badInput('after') },
  { name: 'customer: a forged tag', as: 'customer', query: INVOICES_AFTER, variables: { c: `${THEIR_INVOICE}.${FORGED_TAG}` }, expect: badInput('after') },
  {
    name: 'customer: its own cursor’s tag on another id',
    as: 'customer',
    query: INVOICES_BEFORE,
    variables: { c: `${THEIR_INVOICE}.${cursorOf('in_1AdaOwnInvoice00000', 'Invoice', ADA).split('.')[1]}` },
    expect: badInput('before'),
  },
  {
    name: 'customer: a cursor with two tags',
    as: 'customer',
    query: INVOICES_AFTER,
    variables: { c: `${cursorOf(THEIR_INVOICE, 'Invoice', ADA)}.${FORGED_TAG}` },
    expect: badInput('after'),
  },
  {
    name: 'customer: a persisted document paging from another customer’s bare invoice id',
    profile: 'production',
    as: 'customer',
    params: { documentId: documentIdOf(generated.InvoicesWithCustomersDocument) },
    variables: { first: 5, after: THEIR_INVOICE },
    expect: badInput('after'),
  },
  { name: 'admin: a forged tag', query: INVOICES_AFTER, variables: { c: `${THEIR_INVOICE}.${FORGED_TAG}` }, expect: badInput('after') },
  {
    name: 'admin: a cursor of the customer list on the invoice list',
    query: INVOICES_AFTER,
    variables: { c: cursorOf(DEMO.customer, 'Customer') },
    expect: badInput('after'),
  },
];
