/**
 * The limits of GraphQL subscriptions, through a started app over real HTTP: a consumer that never reads keeps its
 * queue bounded (coalesced per object) and is ended past `STREAM_MAX_PENDING`; streams per caller are capped; idle
 * streams carry a heartbeat; a customer token's expiry ends its stream (and the typed client reconnects with a fresh
 * token, missing nothing); `app.stop()` ends every stream at once.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentIdOf, InvoiceUpdatedDocument } from '../../src/client/index.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY, signCustomerToken } from '../support/gateway.js';
import { change, expectAllData, idsOf, listen, payloadsOf, readRaw, until } from '../support/live.js';

const MAX_PENDING = 5;
let p: ProductionApp;
let invoices: string[];

beforeAll(async () => {
  p = await startProductionApp({ SSE_HEARTBEAT_MS: '200', MAX_STREAMS_PER_CALLER: '2', STREAM_MAX_PENDING: String(MAX_PENDING) });
  invoices = [...p.stripe.store.invoices.newestFirst()].filter((i) => i.customer === DEMO.customer).map((i) => i.id);
});
afterAll(() => p?.stop());

const subscribeBody = JSON.stringify({ query: 'subscription { invoiceUpdated { id status total { formatted } } }' });

/** An SSE request on a raw socket that is never read from (until `drain`). */
function slowConsumer(port: number): Promise<{ socket: Socket; drain(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        [
          'POST /graphql HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Content-Type: application/json',
          'Accept: text/event-stream',
          `Authorization: Bearer ${ADMIN_KEY}`,
          `Content-Length: ${Buffer.byteLength(subscribeBody)}`,
          '',
          subscribeBody,
        ].join('\r\n'),
      );
      socket.pause();
      resolve({
        socket,
        drain: () =>
          new Promise((done) => {
            let text = '';
            socket.on('data', (chunk: Buffer) => {
              text += chunk.toString('utf8');
              if (text.includes('event: complete')) done(text);
            });
            socket.resume();
          }),
      });
    });
    socket.once('error', reject);
  });
}

describe('a slow consumer', () => {
  it('costs at most one queue entry per object however many events arrive, and is ended past STREAM_MAX_PENDING', async () => {
    const consumer = await slowConsumer(p.app.port);
    try {
      await until(() => p.app.events.stats().streams === 1, 'the stream to open');
      // 3,000 events about three invoices: the queue never holds more than the three.
      for (let i = 0; i < 3_000; i++) {
        p.app.events.publish(change('invoice', invoices[i % 3]!, DEMO.customer));
        expect(p.app.events.stats().maxPending).toBeLessThanOrEqual(3);
      }
      // Then more distinct objects than the stream may have waiting: it is ended, and released from the caps.
      for (let i = 0; i < MAX_PENDING * 2; i++) p.app.events.publish(change('invoice', `in_slowConsumer${String(i).padStart(4, '0')}`, DEMO.customer));
      expect(p.app.events.stats()).toMatchObject({ streams: 0, pending: 0 });
      // What the socket gets once read: the payloads it had taken, then why it ended.
      const text = await consumer.drain();
      const payloads = payloadsOf(text);
      expect(payloads.at(-1)!.body['errors'][0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'queue', max: MAX_PENDING });
      expect(payloads.length).toBeLessThan(3_000);
    } finally {
      consumer.socket.destroy();
    }
  });
});

describe('streams per caller (MAX_STREAMS_PER_CALLER)', () => {
  it('refuses a third stream of one caller with RATE_LIMITED, limit "streams", HTTP 429; another caller is not affected', async () => {
    const a = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer });
    const b = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer });
    try {
      await until(() => p.app.events.stats().streams === 2, 'two streams');
      const token = await signCustomerToken(DEMO.customer);
      const third = await readRaw(p.app.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ documentId: documentIdOf(InvoiceUpdatedDocument) }),
      });
      await third.done;
      expect(third.response.status).toBe(429);
      expect(third.response.headers.get('retry-after')).toBe('5');
      expect(payloadsOf(third.text())[0]!.body['errors'][0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'streams', scope: 'caller', max: 2 });
      // Another caller's stream opens.
      const other = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.businessCustomer });
      await until(() => p.app.events.stats().streams === 3, "another caller's stream");
      await other.close();
      // A stream closed frees its place.
      await a.close();
      await until(() => p.app.events.stats().streams === 1, 'the closed streams to be released');
      const c = listen(p.app.graphqlUrl, InvoiceUpdatedDocument, {}, { customer: DEMO.customer });
      await until(() => p.app.events.stats().streams === 2, 'a new stream in the freed place');
      await c.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('heartbeat and ends', () => {
  it('writes a heartbeat comment on an idle stream (SSE_HEARTBEAT_MS), with the SSE headers proxies need', async () => {
    const raw = await readRaw(p.app.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN_KEY}` },
      body: subscribeBody,
    });
    try {
      expect(raw.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(raw.response.headers.get('cache-control')).toBe('no-cache');
      expect(raw.response.headers.get('x-accel-buffering')).toBe('no');
      await until(() => raw.text().split(': heartbeat\n\n').length > 2, 'two heartbeats');
    } finally {
      raw.stop();
    }
  });

  it("ends a customer's stream when its token expires; the typed client reconnects with a fresh token and misses nothing", async () => {
    const expiresIn = 2;
    let tokens = 0;
    const client = listen(
      p.app.graphqlUrl,
      InvoiceUpdatedDocument,
      {},
      {
        token: () => {
          tokens++;
          return signCustomerToken(DEMO.customer, { expiresIn: `${expiresIn}s` });
        },
      },
    );
    try {
      await until(() => client.opens === 1 && p.app.events.stats().streams === 1, 'the stream to open');
      const first = change('invoice', invoices[0]!, DEMO.customer);
      p.app.events.publish(first);
      await until(() => client.events.length === 1, 'the first payload');
      // The stream ends at the token's expiry; the client reconnects with a new token and Last-Event-ID.
      await until(() => client.opens === 2, 'the reconnection after the expiry');
      const second = change('invoice', invoices[1]!, DEMO.customer);
      p.app.events.publish(second);
      await until(() => client.events.length === 2, 'the payload after the reconnection');
      expectAllData(client.events);
      expect(idsOf(client.events)).toEqual([first.eventId, second.eventId]);
      expect(tokens).toBeGreaterThanOrEqual(2);
      expect(client.errors).toEqual([]);
    } finally {
      await client.close();
    }
    // Seen on the wire: the expiry as the stream's last payload.
    const token = await signCustomerToken(DEMO.customer, { expiresIn: '1s' });
    const raw = await readRaw(p.app.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documentId: documentIdOf(InvoiceUpdatedDocument) }),
    });
    await raw.done;
    expect(payloadsOf(raw.text()).at(-1)!.body['errors'][0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired_token' });
    expect(raw.text()).toContain('event: complete');
  });
});

describe('app.stop()', () => {
  it('ends every stream first, telling each why, without waiting out the drain', async () => {
    const own = await startProductionApp();
    const raws = await Promise.all(
      [0, 1, 2].map(() =>
        readRaw(own.app.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN_KEY}` },
          body: subscribeBody,
        }),
      ),
    );
    await until(() => own.app.events.stats().streams === 3, 'three streams');
    const started = Date.now();
    await own.stop();
    // The drain waits up to 5 s for requests in flight; streams are not left to hold it.
    expect(Date.now() - started).toBeLessThan(4_000);
    for (const raw of raws) {
      await raw.done;
      expect(payloadsOf(raw.text()).at(-1)!.body['errors'][0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 1 });
      expect(raw.text()).toContain('event: complete');
    }
  });
});
