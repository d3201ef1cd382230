/**
 * Invoices over HTTP: create, retrieve, update, delete (drafts), list, search, lines, and the lifecycle
 * transitions. The work is done elsewhere, one concern per module:
 *
 * - `invoice-shape.ts`: derived fields, totals, the response shape and expand;
 * - `invoice-create.ts`: create, update, delete, due dates, the customer's currency;
 * - `invoice-lifecycle.ts`: finalize, pay, void, mark uncollectible;
 * - `invoice-lines.ts`: lines from invoice items, attaching and detaching them.
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { pageArray } from '../collection.js';
import { missingReference } from '../errors.js';
import { renderList, renderObject } from '../expand.js';
import { inRange, listParams, oneOf, range, str } from '../params.js';
import { searchRoute, type Searchable } from '../search.js';
import type { Store } from '../store.js';
import { customerOrDeleted } from './customers.js';
import { collectionMethod, createInvoice, createShape, deleteInvoice, updateInvoice, updateShape } from './invoice-create.js';
import {
  finalizeInvoice,
  finalizeShape,
  markUncollectible,
  sendInvoice,
  payInvoice,
  payShape,
  voidInvoice,
} from './invoice-lifecycle.js';
import { idOf, requireInvoice, subscriptionIdOf } from './invoice-shape.js';
import { invoicePaid } from './subscription-lifecycle.js';

const expandOnly = { expand: listParams.expand } as const;

const listShape = {
  ...listParams,
  customer: str(),
  status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void'] as const),
  subscription: str(),
  collection_method: collectionMethod,
  created: range(),
  due_date: range(),
} as const;

const searchable: Searchable<Stripe.Invoice> = {
  resource: 'invoices',
  fields: {
    created: { type: 'number', get: (i) => i.created },
    currency: { type: 'token', get: (i) => i.currency },
    customer: { type: 'token', get: (i) => idOf(i.customer) },
    last_finalization_error_code: { type: 'token', get: (i) => i.last_finalization_error?.code ?? null },
    last_finalization_error_type: { type: 'token', get: (i) => i.last_finalization_error?.type ?? null },
    number: { type: 'text', get: (i) => i.number },
    receipt_number: { type: 'text', get: (i) => i.receipt_number },
    status: { type: 'token', get: (i) => i.status },
    subscription: { type: 'token', get: subscriptionIdOf },
    total: { type: 'number', get: (i) => i.total },
  },
  metadata: (i) => i.metadata,
};

export const invoiceRoutes: Route[] = [
  route('POST', '/v1/invoices', (req) => {
    const params = readParams(req, createShape, { kind: 'invoice' });
    return renderObject('invoice', createInvoice(req.store, params), req.render, params.expand);
  }),
  searchRoute('/v1/invoices/search', 'invoice', (store) => store.invoices.newestFirst(), searchable),
  route('GET', '/v1/invoices', (req) => {
    const params = readParams(req, listShape, { kind: 'invoice', list: true });
    // Stripe refuses a customer it has never had (400, not an empty list); a deleted customer's invoices remain
    // and are listed.
    if (params.customer !== undefined && customerOrDeleted(req.store, params.customer) === null) {
      throw missingReference('customer', params.customer, 'customer');
    }
    const page = req.store.invoices.page(
      params,
      (i) =>
        (params.customer === undefined || idOf(i.customer) === params.customer) &&
        (params.status === undefined || i.status === params.status) &&
        (params.subscription === undefined || subscriptionIdOf(i) === params.subscription) &&
        (params.collection_method === undefined || i.collection_method === params.collection_method) &&
        inRange(i.created, params.created) &&
        inRange(i.due_date, params.due_date),
    );
    return renderList('invoice', page.data, page.hasMore, '/v1/invoices', req.render, params.expand);
  }),
  route('GET', '/v1/invoices/:id(in_)', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', requireInvoice(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id(in_)', (req) => {
    const params = readParams(req, updateShape, { kind: 'invoice' });
    return renderObject('invoice', updateInvoice(req.store, pathId(req), params), req.render, params.expand);
  }),
  route('DELETE', '/v1/invoices/:id(in_)', (req) => {
    readParams(req, {});
    return deleteInvoice(req.store, pathId(req));
  }),
  route('POST', '/v1/invoices/:id(in_)/finalize', (req) => {
    const params = readParams(req, finalizeShape, { kind: 'invoice' });
    const invoice = finalizeInvoice(req.store, pathId(req), req.render.baseUrl, params);
    invoicePaid(req.store, invoice);
    return renderObject('invoice', invoice, req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id(in_)/pay', (req) => {
    const params = readParams(req, payShape, { kind: 'invoice' });
    const invoice = payInvoice(req.store, pathId(req), req.render.baseUrl, params);
    invoicePaid(req.store, invoice);
    return renderObject('invoice', invoice, req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id(in_)/void', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', voidInvoice(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id(in_)/send', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', sendInvoice(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id(in_)/mark_uncollectible', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', markUncollectible(req.store, pathId(req)), req.render, params.expand);
  }),
  route('GET', '/v1/invoices/:id(in_)/lines', (req) => {
    const params = readParams(req, listParams, { kind: 'line_item', list: true });
    const invoice = requireInvoice(req.store, pathId(req));
    const page = pageArray(invoice.lines.data, params, 'line_item');
    const url = `/v1/invoices/${invoice.id}/lines`;
    return renderList('line_item', page.data, page.hasMore, url, req.render, params.expand);
  }),
];

/** Used by the hosted pages: the invoice a page secret names, with its store. */
export function invoiceBySecret(stores: readonly Store[], secret: string): { store: Store; invoice: Stripe.Invoice } | undefined {
  for (const store of stores) {
    const id = store.invoiceSecrets.get(secret);
    const invoice = id === undefined ? undefined : store.invoices.get(id);
    if (invoice !== undefined) return { store, invoice };
  }
  return undefined;
}
