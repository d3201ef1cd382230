/**
 * The load run's event books (`load/event-ledger.ts`), with made-up events and messages: who should hear what, what
 * counts as heard (its own message, or a later payload of the same object), lost, duplicated, told with an error,
 * and the latency percentiles over what was heard. No clock, no I/O: times are given.
 */
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createdEventOf, EventLedger, marker, markerOf, type CreatedEvent, type StreamSpec } from '../../load/event-ledger.js';

const ADA = 'cus_ada';
const BOB = 'cus_bob';

const streams: StreamSpec[] = [
  { index: 0, kind: 'customer', customerId: ADA },
  { index: 1, kind: 'invoice', customerId: ADA },
  { index: 2, kind: 'invoice', customerId: undefined },
  { index: 3, kind: 'customer', customerId: BOB },
];

function event(id: string, kind: CreatedEvent['kind'], objectId: string, customerId: string, seq: number | null, atMs: number): CreatedEvent {
  return { id, type: kind === 'customer' ? 'customer.updated' : 'invoice.updated', kind, objectId, customerId, seq, atMs };
}

describe('the event ledger', () => {
  it('expects each event on the streams of its kind and customer (an admin stream: every customer)', () => {
    const e = event('evt_1', 'invoice', 'in_1', ADA, 1, 0);
    expect(streams.map((s) => EventLedger.expects(s, e))).toEqual([false, true, true, false]);
    const other = event('evt_2', 'invoice', 'in_2', BOB, 2, 0);
    expect(streams.map((s) => EventLedger.expects(s, other))).toEqual([false, false, true, false]);
    expect(EventLedger.expects(streams[0]!, { ...e, kind: null })).toBe(false);
  });

  it('counts heard, coalesced, lost, duplicates and errors, and the latency of what was heard', () => {
    const ledger = new EventLedger(streams);
    ledger.created([
      // before the window: not counted
      event('evt_0', 'customer', ADA, ADA, 0, 50),
      event('evt_a', 'customer', ADA, ADA, 1, 100),
      event('evt_b', 'customer', ADA, ADA, 2, 110),
      event('evt_c', 'invoice', 'in_1', ADA, 3, 120),
      event('evt_d', 'invoice', 'in_2', BOB, 4, 130),
      event('evt_e', 'customer', BOB, BOB, 5, 140),
      { id: 'evt_p', type: 'billing_portal.session.created', kind: null, objectId: 'bps_1', customerId: ADA, seq: null, atMs: 150 },
    ]);
    // A repeat from the gateway's process changes nothing.
    ledger.created([event('evt_a', 'customer', ADA, ADA, 1, 999)]);
    // Ada's customer stream: evt_b's payload (showing marker 2) covers evt_a too, coalesced; then evt_b again: a duplicate.
    ledger.received({ stream: 0, eventId: 'evt_0', objectId: ADA, seq: 0, atMs: 60 });
    ledger.received({ stream: 0, eventId: 'evt_b', objectId: ADA, seq: 2, atMs: 125 });
    ledger.received({ stream: 0, eventId: 'evt_b', objectId: ADA, seq: 2, atMs: 126 });
    // Ada's invoice stream: evt_c told with an error only.
    ledger.received({ stream: 1, eventId: 'evt_c', objectId: undefined, seq: null, atMs: 130, errorCode: 'UPSTREAM_UNAVAILABLE' });
    // The admin's invoice stream: evt_c heard; evt_d lost.
    ledger.received({ stream: 2, eventId: 'evt_c', objectId: 'in_1', seq: 3, atMs: 150 });
    // Bob's customer stream: evt_e heard, and an invoice event that named Bob too (unexpected, not a duplicate).
    ledger.received({ stream: 3, eventId: 'evt_e', objectId: BOB, seq: 5, atMs: 145 });
    ledger.received({ stream: 3, eventId: 'evt_d', objectId: BOB, seq: 5, atMs: 146 });

    const figures = ledger.figures(100);
    expect(figures).toMatchObject({
      events: 5,
      // Ada's customer stream: a, b; Ada's invoices: c; admin invoices: c, d; Bob's customer stream: e.
      expected: 6,
      heard: 4,
      coalesced: 1,
      lost: 1,
      duplicates: 1,
      errors: 1,
      errorsByCode: { UPSTREAM_UNAVAILABLE: 1 },
      messages: 7,
      // evt_0 (before the window) on stream 0, evt_d on Bob's customer stream.
      unexpected: 2,
    });
    expect(figures.lostExamples).toEqual([{ stream: 2, eventId: 'evt_d', type: 'invoice.updated', objectId: 'in_2' }]);
    // Latencies heard: a 25 (covered by b's payload at 125), b 15, c 30 (admin), e 5 → sorted 5, 15, 25, 30.
    expect(figures.latencyP50Ms).toBe(15);
    expect(figures.latencyP99Ms).toBe(30);
    expect(figures.latencyMaxMs).toBe(30);
    expect(ledger.unheard(100)).toBe(1);
    expect(ledger.messagesOf(0)).toBe(3);
  });

  it('a payload showing an older marker covers nothing newer; the earliest covering message counts', () => {
    const ledger = new EventLedger([streams[0]!]);
    ledger.created([event('evt_1', 'customer', ADA, ADA, 1, 0), event('evt_2', 'customer', ADA, ADA, 2, 10)]);
    // Another event's message, showing marker 1: covers evt_1, not evt_2.
    ledger.received({ stream: 0, eventId: 'evt_other', objectId: ADA, seq: 1, atMs: 12 });
    expect(ledger.figures(0)).toMatchObject({ expected: 2, heard: 1, coalesced: 1, lost: 1 });
    // Then a payload showing marker 2 (at 40), and evt_2's own message (at 50): the earlier one counts.
    ledger.received({ stream: 0, eventId: 'evt_later', objectId: ADA, seq: 2, atMs: 40 });
    ledger.received({ stream: 0, eventId: 'evt_2', objectId: ADA, seq: 2, atMs: 50 });
    const figures = ledger.figures(0);
    expect(figures).toMatchObject({ expected: 2, heard: 2, lost: 0, coalesced: 2, duplicates: 0 });
    // evt_1: 12 − 0; evt_2: 40 − 10.
    expect([figures.latencyP50Ms, figures.latencyMaxMs]).toEqual([12, 30]);
  });

  it('reads events as the local Stripe renders them: kind, object, customer, marker', () => {
    const at = 1234.5;
    const of = (type: string, object: Record<string, unknown>) => createdEventOf({ id: 'evt_x', type, data: { object } } as unknown as Stripe.Event, at);
    expect(of('customer.updated', { object: 'customer', id: ADA, description: marker(7) })).toEqual({
      id: 'evt_x', type: 'customer.updated', kind: 'customer', objectId: ADA, customerId: ADA, seq: 7, atMs: at,
    });
    expect(of('invoice.updated', { object: 'invoice', id: 'in_1', customer: ADA, description: null })).toMatchObject({ kind: 'invoice', customerId: ADA, seq: null });
    expect(of('customer.subscription.updated', { object: 'subscription', id: 'sub_1', customer: { id: BOB } })).toMatchObject({ kind: 'subscription', customerId: BOB });
    expect(of('billing_portal.session.created', { object: 'billing_portal.session', id: 'bps_1', customer: ADA })).toMatchObject({ kind: null });
    expect([markerOf('load 12'), markerOf('load 12 '), markerOf('Pro plan'), markerOf(null)]).toEqual([12, null, null, null]);
  });
});
