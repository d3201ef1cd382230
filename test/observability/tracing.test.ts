/**
 * OpenTelemetry tracing end to end: the gateway started as production starts it (`startApp`, real HTTP, the real
 * SDK against a local Stripe), `OTEL_*` pointing at an in-process OTLP/HTTP receiver. A request with a caller's
 * `traceparent` must arrive as one trace: the request span (the caller's span its parent), the operation, the
 * resolvers of interest, and a client span for every HTTP request the local Stripe saw, carrying the `Request-Id`
 * that Stripe issued. And nothing a span carries may be a secret or a customer's data.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CustomerUpdatedDocument } from '../../src/client/index.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { change, expectAllData, listen, until } from '../support/live.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const COLLECTOR_TOKEN = 'collector-token-5f2b9c7e1a';

const CUSTOMER_WITH_INVOICES = /* GraphQL */ `
  query CustomerWithInvoices($id: ID!) {
    customer(id: $id) {
      id
      email
      invoices(first: 3) {
        edges {
          node {
            id
            total {
              formatted
            }
          }
        }
      }
    }
  }
`;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

let receiver: OtlpReceiver | undefined;
let gateway: ProductionApp | undefined;

afterEach(async () => {
  await gateway?.stop();
  await receiver?.close();
  gateway = undefined;
  receiver = undefined;
});

async function tracedApp(env: Record<string, string> = {}): Promise<{ receiver: OtlpReceiver; gateway: ProductionApp }> {
  receiver = await startOtlpReceiver();
  gateway = await startProductionApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${COLLECTOR_TOKEN}`,
    OTEL_SERVICE_NAME: 'billing-gateway-under-test',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.namespace=billing',
    ...env,
  });
  return { receiver, gateway };
}

async function post(app: ProductionApp, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(app.app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { response, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
}

/** The span with this name; fails listing what arrived. */
function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span '${name}', got ${found.length} among ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

/** Whether `span` descends from `ancestor` within these spans. */
function descends(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at = byId.get(span.parentSpanId); at !== undefined; at = byId.get(at.parentSpanId)) {
    if (at.spanId === ancestor.spanId) return true;
  }
  return false;
}

describe('tracing over OTLP/HTTP', () => {
  it("exports one trace per request under the caller's traceparent, with a client span per Stripe request and its Request-Id", async () => {
    const { receiver, gateway } = await tracedApp();
    gateway.stripe.clearRequests();
    const traceId = hex(16);
    const callerSpan = hex(8);
    const { response, body } = await post(gateway, CUSTOMER_WITH_INVOICES, { id: DEMO.customer }, { traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(body.errors).toBeUndefined();
    expect(body.data.customer.invoices.edges.length).toBeGreaterThan(0);
    const stripeRequests = [...gateway.stripe.requests];
    expect(stripeRequests.length).toBeGreaterThan(0);
    // A stop flushes what the batch processor still holds: no waiting for its schedule.
    await gateway.app.stop();

    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    expect(spans.length).toBe(receiver.spans.length);
    const request = one(spans, 'POST /graphql');
    expect(request.kind).toBe(SPAN_KIND.server);
    expect(request.parentSpanId).toBe(callerSpan);
    expect(request.attributes['http.response.status_code']).toBe(200);
    expect(request.attributes['billing_gateway.request_id']).toBe(response.headers.get('x-request-id'));
    expect(response.headers.get('traceresponse')).toBe(`00-${traceId}-${request.spanId}-01`);
    expect(request.resource['service.name']).toBe('billing-gateway-under-test');
    expect(request.resource['deployment.environment.name']).toBe('test');

    const operation = one(spans, 'query.CustomerWithInvoices');
    expect(operation.parentSpanId).toBe(request.spanId);
    const customer = one(spans, 'Query.customer');
    expect(customer.parentSpanId).toBe(operation.spanId);
    expect(customer.attributes['graphql.field.path']).toBe('customer');
    const invoices = one(spans, 'Customer.invoices');
    expect(descends(spans, invoices, operation)).toBe(true);
    // Scalars and Money are not resolvers of interest.
    expect(spans.some((span) => span.name.startsWith('Money.') || span.name === 'Customer.email')).toBe(false);

    // Exactly the requests Stripe saw, each with the Request-Id it issued, each inside the request's trace.
    const clients = spans.filter((span) => span.kind === SPAN_KIND.client);
    expect(clients.map((span) => span.attributes['stripe.request_id']).sort()).toEqual(stripeRequests.map((r) => r.requestId).sort());
    for (const client of clients) {
      const seen = stripeRequests.find((r) => r.requestId === client.attributes['stripe.request_id'])!;
      expect(client.attributes['http.request.method']).toBe(seen.method);
      expect(client.attributes['http.response.status_code']).toBe(seen.status);
      expect(client.attributes['server.address']).toBe('127.0.0.1');
      expect(client.attributes['server.port']).toBe(gateway.stripe.port);
      expect(client.name).toBe(client.attributes['stripe.endpoint']);
      expect(client.name).toMatch(/^(GET|POST|DELETE) \/v1\//);
      expect(client.status.code).toBe(0);
      expect(descends(spans, client, request)).toBe(true);
    }
    expect(clients.map((span) => span.name)).toContain('GET /v1/customers/{id}');
    const customerCall = clients.find((span) => span.name === 'GET /v1/customers/{id}')!;
    expect(customerCall.parentSpanId).toBe(customer.spanId);

    // No id, no e-mail, no key, no variable: spans carry the shape of the work, never the data.
    const email = gateway.stripe.store.customers.get(DEMO.customer)?.email;
    const everything = JSON.stringify(receiver.spans);
    for (const secret of [DEMO.customer, ADMIN_KEY, gateway.stripe.secretKey, COLLECTOR_TOKEN, ...(email ? [email] : [])]) {
      expect(everything).not.toContain(secret);
    }
    // The collector got the OTLP headers (its credential) with every export.
    expect(receiver.exports.length).toBeGreaterThan(0);
    for (const sent of receiver.exports) expect(sent.headers['authorization']).toBe(`Bearer ${COLLECTOR_TOKEN}`);
  });

  it('marks a Stripe request that failed, and the resolver whose call it was, as errors', async () => {
    const { receiver, gateway } = await tracedApp();
    gateway.stripe.clearRequests();
    const traceId = hex(16);
    const { body } = await post(gateway, CUSTOMER_WITH_INVOICES, { id: 'cus_NoSuchCustomer01' }, { traceparent: `00-${traceId}-${hex(8)}-01` });
    const stripeRequests = [...gateway.stripe.requests];
    await gateway.app.stop();

    const spans = receiver.spans.filter((span) => span.traceId === traceId);
    const call = one(spans, 'GET /v1/customers/{id}');
    expect(stripeRequests.map((r) => r.status)).toContain(404);
    expect(call.attributes['http.response.status_code']).toBe(404);
    expect(call.attributes['stripe.request_id']).toBe(stripeRequests.find((r) => r.status === 404)?.requestId);
    expect(call.attributes['error.type']).toBe('404');
    expect(call.status.code).toBe(2);
    const resolver = one(spans, 'Query.customer');
    expect(call.parentSpanId).toBe(resolver.spanId);
    expect(resolver.attributes['error.type']).toBe('NOT_FOUND');
    expect(resolver.status.code).toBe(2);
    // The operation span records the error by its code and path only: the message quoted the caller's id.
    const operation = one(spans, 'query.CustomerWithInvoices');
    expect(operation.status.code).toBe(2);
    expect(JSON.parse(String(operation.events[0]?.attributes['exception.message']))).toEqual([{ message: 'NOT_FOUND', path: ['customer'] }]);
    // The gateway answers a missing customer as null (or NOT_FOUND): either way the request itself succeeded.
    const request = one(spans, 'POST /graphql');
    expect(request.status.code).toBe(0);
    expect(body.data?.customer ?? null).toBeNull();
    expect(JSON.stringify(spans)).not.toContain('cus_NoSuchCustomer01');
  });

  it('exports OTLP/protobuf by default, and starts a trace of its own without a traceparent', async () => {
    const { receiver, gateway } = await tracedApp({ OTEL_EXPORTER_OTLP_PROTOCOL: '' });
    const { response } = await post(gateway, CUSTOMER_WITH_INVOICES, { id: DEMO.customer });
    const traceresponse = response.headers.get('traceresponse');
    expect(traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await gateway.app.stop();

    const traceId = traceresponse!.split('-')[1]!;
    const protobuf = receiver.exports.filter((sent) => sent.path === '/v1/traces' && sent.contentType === 'application/x-protobuf');
    expect(protobuf.length).toBeGreaterThan(0);
    // The trace id travels as its 16 raw bytes in the protobuf encoding.
    expect(protobuf.some((sent) => sent.body.includes(Buffer.from(traceId, 'hex')))).toBe(true);
  });

  it('records nothing when the sampler says so, yet still answers', async () => {
    const { receiver, gateway } = await tracedApp({ OTEL_TRACES_SAMPLER: 'always_off' });
    const { body, response } = await post(gateway, CUSTOMER_WITH_INVOICES, { id: DEMO.customer }, { traceparent: `00-${hex(16)}-${hex(8)}-01` });
    expect(body.data.customer.id).toBe(DEMO.customer);
    expect(response.headers.get('traceresponse')).toMatch(/-00$/);
    await gateway.app.stop();
    expect(receiver.spans).toEqual([]);
  });

  it('keeps subscriptions working: a stream opens, hears an event, and its span ends with it', async () => {
    const { receiver, gateway } = await tracedApp();
    const ada = listen(gateway.app.graphqlUrl, CustomerUpdatedDocument, {}, { customer: DEMO.customer });
    try {
      await until(() => ada.opens > 0 && gateway.app.events.stats().streams > 0, 'the stream to open');
      gateway.app.events.publish(change('customer', DEMO.customer, DEMO.customer));
      await until(() => ada.events.length === 1, 'the event');
      expectAllData(ada.events);
      expect(ada.events[0]!.data?.customerUpdated.id).toBe(DEMO.customer);
    } finally {
      await ada.close();
    }
    await gateway.app.stop();
    const stream = receiver.spans.find((span) => span.name === 'subscription.CustomerUpdated');
    expect(stream?.attributes['graphql.execute.operationType']).toBe('subscription');
    const request = receiver.spans.find((span) => span.spanId === stream?.parentSpanId);
    expect(request?.name).toBe('POST /graphql');
  });
});
