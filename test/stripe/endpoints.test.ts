/**
 * Endpoint names for labels and span names: one name per Stripe endpoint, whatever object it is called on — a
 * label that carried ids would grow without bound (and name customers).
 */
import { describe, expect, it } from 'vitest';
import { endpointPath, stripeEndpoint } from '../../src/stripe/endpoints.js';

describe('stripeEndpoint', () => {
  it.each([
    ['GET', '/v1/customers/cus_NffrFeUfNV2Hib', 'GET /v1/customers/{id}'],
    ['GET', '/v1/customers/cus_NffrFeUfNV2Hib?expand[0]=invoice_settings.default_payment_method', 'GET /v1/customers/{id}'],
    ['GET', '/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/lines?limit=10', 'GET /v1/invoices/{id}/lines'],
    ['POST', '/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/pay', 'POST /v1/invoices/{id}/pay'],
    ['post', '/v1/billing_portal/sessions', 'POST /v1/billing_portal/sessions'],
    ['GET', '/v1/billing_portal/configurations/bpc_1MrnZsLkdIwHu7ixNiQL1xPM', 'GET /v1/billing_portal/configurations/{id}'],
    ['POST', '/v1/invoices/create_preview', 'POST /v1/invoices/create_preview'],
    ['GET', '/v1/customers/search?query=email', 'GET /v1/customers/search'],
    ['GET', '/v1/prices/price_NwBasicMonthly000001', 'GET /v1/prices/{id}'],
    ['GET', '/v1/products?ids[0]=prod_NwBasic0000001', 'GET /v1/products'],
    ['DELETE', '/v1/subscriptions/sub_8Tu8rzqyFlmBbaRt48h0nMT0', 'DELETE /v1/subscriptions/{id}'],
    ['GET', '/v1/payment_methods/pm_MJYyDRd7s83dsRKpHtdOoQd0', 'GET /v1/payment_methods/{id}'],
  ])('%s %s → %s', (method, path, name) => {
    expect(stripeEndpoint(method, path)).toBe(name);
  });

  it('never takes the version or a lowercase word for an id', () => {
    expect(endpointPath('/v1/subscription_items')).toBe('/v1/subscription_items');
    expect(endpointPath('/v1/customers/cus_abc123/balance_transactions')).toBe('/v1/customers/{id}/balance_transactions');
  });
});
