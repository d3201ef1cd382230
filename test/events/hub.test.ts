/**
 * The event hub on its own (`src/events/hub.ts`): filters, coalescing per stream in event order, retention by count
 * and by time for replay, duplicates, caps, close. The end-to-end behaviour over HTTP is in
 * `test/gateway/live-updates.test.ts` and `live-limits.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { EventHub, HubClosed, QueueOverflow, ReplayUnavailable, StreamLimitReached, type ChangeStream, type Delivery } from '../../src/events/hub.js';
import { change } from '../support/live.js';

const invoices = (customerId: string | undefined) => ({ kinds: new Set(['invoice'] as const), customerId });

/** Everything the stream has waiting, without waiting for more. */
async function drain(stream: ChangeStream): Promise<Delivery[]> {
  const out: Delivery[] = [];
  while (stream.pending > 0) {
    const next = await stream.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

describe('EventHub', () => {
  it("delivers each stream only the kinds and the customer it asked for; an admin's filter hears every customer", async () => {
    const hub = new EventHub();
    const ada = hub.open({ filter: invoices('cus_ada'), caller: 'customer:cus_ada' });
    const all = hub.open({ filter: invoices(undefined), caller: 'admin:k' });
    hub.publish(change('invoice', 'in_1', 'cus_ada'));
    hub.publish(change('invoice', 'in_2', 'cus_bob'));
    hub.publish(change('customer', 'cus_ada', 'cus_ada'));
    expect((await drain(ada)).map((d) => d.object.id)).toEqual(['in_1']);
    expect((await drain(all)).map((d) => d.object.id)).toEqual(['in_1', 'in_2']);
  });

  it('coalesces by object, moving it behind later events, so the ids a stream hears only move forward', async () => {
    const hub = new EventHub();
    const stream = hub.open({ filter: invoices(undefined), caller: 'admin:k' });
    const a1 = change('invoice', 'in_a', 'cus_x');
    const b = change('invoice', 'in_b', 'cus_x');
    const a2 = change('invoice', 'in_a', 'cus_x');
    for (const c of [a1, b, a2]) hub.publish(c);
    expect(stream.pending).toBe(2);
    const heard = await drain(stream);
    expect(heard.map((d) => [d.object.id, d.eventId])).toEqual([
      ['in_b', b.eventId],
      ['in_a', a2.eventId],
    ]);
    expect(heard[0]!.seq).toBeLessThan(heard[1]!.seq);
  });

  it('ends a stream past maxPending objects with QueueOverflow and releases its place', async () => {
    const hub = new EventHub({ maxPending: 2, maxStreamsPerCaller: 1 });
    const stream = hub.open({ filter: invoices(undefined), caller: 'admin:k' });
    for (const id of ['in_1', 'in_2', 'in_3']) hub.publish(change('invoice', id, 'cus_x'));
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(stream.error).toBeInstanceOf(QueueOverflow);
    expect(hub.stats().streams).toBe(0);
    hub.open({ filter: invoices(undefined), caller: 'admin:k' });
  });

  it('replays what is retained after an id (matching the filter), and refuses an id not retained', async () => {
    let now = 1_000_000;
    const hub = new EventHub({ retainCount: 3, retainMs: 60_000, now: () => now });
    const events = ['in_1', 'in_2', 'in_3', 'in_4'].map((id) => change('invoice', id, id === 'in_3' ? 'cus_other' : 'cus_ada'));
    for (const c of events) hub.publish(c);
    // in_1 fell out by count.
    expect(() => hub.open({ filter: invoices('cus_ada'), caller: 'c', after: events[0]!.eventId })).toThrow(ReplayUnavailable);
    const replay = hub.open({ filter: invoices('cus_ada'), caller: 'c', after: events[1]!.eventId });
    expect((await drain(replay)).map((d) => d.object.id)).toEqual(['in_4']);
    await replay.return();
    // And by time.
    now += 60_001;
    expect(() => hub.open({ filter: invoices('cus_ada'), caller: 'c', after: events[3]!.eventId })).toThrow(ReplayUnavailable);
    expect(hub.stats().retained).toBe(0);
  });

  it('publishes an event id once however often it is published', async () => {
    const hub = new EventHub();
    const stream = hub.open({ filter: invoices(undefined), caller: 'admin:k' });
    const c = change('invoice', 'in_1', 'cus_x');
    hub.publish(c);
    await stream.next();
    hub.publish(c);
    expect(stream.pending).toBe(0);
  });

  it('caps streams per caller and in all; close() ends every stream and refuses new ones', async () => {
    const hub = new EventHub({ maxStreamsPerCaller: 1, maxStreams: 2 });
    const a = hub.open({ filter: invoices(undefined), caller: 'a' });
    expect(() => hub.open({ filter: invoices(undefined), caller: 'a' })).toThrow(StreamLimitReached);
    hub.open({ filter: invoices(undefined), caller: 'b' });
    try {
      hub.open({ filter: invoices(undefined), caller: 'c' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ scope: 'process', max: 2 });
    }
    const waiting = a.next();
    hub.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(a.error).toBeInstanceOf(HubClosed);
    expect(() => hub.open({ filter: invoices(undefined), caller: 'd' })).toThrow(HubClosed);
  });
});
