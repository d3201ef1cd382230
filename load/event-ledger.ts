/**
 * The event stream's books: which events the local Stripe created (`CreatedEvent`, reported by the gateway's
 * process as each is appended to its event log), which of them each subscriber should hear (its field's kind of
 * object; its customer's, or every customer's for an admin), and what each subscriber did hear (`Receipt`, one per
 * SSE message). From these: event → subscriber latency p50/p99/max, events lost, duplicates delivered.
 *
 * Heard: a subscriber heard event E of object O when it received a message with E's id (`id:` of the SSE message),
 * or a payload of O whose load marker (`description: "load <seq>"`, written by `event-stream.ts`) is E's or a later
 * one's — the gateway re-reads the object for every payload and may coalesce a pending change with a newer one, so a
 * payload showing a later state covers the earlier events too. Its latency is from E's creation to the first
 * message that covers it (both clocks are this machine's wall clock, read with `performance.timeOrigin + now()`).
 * Lost: an expected (subscriber, event) pair that nothing covered. A duplicate: a message whose event id that
 * subscriber had already received. An error: a message with errors and no data for that event (its re-read failed).
 * Pure bookkeeping, no I/O and no clock of its own: `test/load/event-ledger.test.ts` drives it with made-up events.
 */
import type Stripe from 'stripe';
import { percentile } from './health.js';

/** The kinds of object the three subscription fields carry. */
export type LiveKind = 'customer' | 'invoice' | 'subscription';

export const FIELD_OF: Readonly<Record<LiveKind, string>> = {
  customer: 'customerUpdated',
  invoice: 'invoiceUpdated',
  subscription: 'subscriptionUpdated',
};

/** One event the local Stripe created, as its process reports it. */
export interface CreatedEvent {
  id: string;
  type: string;
  /** `data.object.object` when it is one of the live kinds; null for every other event (portal sessions…). */
  kind: LiveKind | null;
  objectId: string;
  /** The customer the object belongs to (its own id for a customer). */
  customerId: string | null;
  /** The load marker the object carried in this event (`load <seq>` in its description), if any. */
  seq: number | null;
  /** Wall-clock milliseconds when it was appended. */
  atMs: number;
}

/** One subscriber: one SSE stream of one field, for one customer, or unfiltered (an admin). */
export interface StreamSpec {
  index: number;
  kind: LiveKind;
  /** Undefined: an admin's stream of every customer's objects. */
  customerId: string | undefined;
}

/** One message a subscriber received. */
export interface Receipt {
  stream: number;
  /** The SSE message's `id:` (the event's id), when it had one. */
  eventId: string | undefined;
  /** The payload's object id; undefined for a message without data. */
  objectId: string | undefined;
  /** The load marker in the payload's description, if any. */
  seq: number | null;
  /** Wall-clock milliseconds when it was parsed. */
  atMs: number;
  /** The first error code of a message with errors (and no data). */
  errorCode?: string | undefined;
}

export interface LedgerFigures {
  /** Events created in the window of a live kind. */
  events: number;
  /** (subscriber, event) pairs that should have been heard. */
  expected: number;
  heard: number;
  /** …of which covered by a later payload of the same object rather than a message of their own. */
  coalesced: number;
  /** Expected pairs nothing covered. */
  lost: number;
  /** Messages repeating an event id the same subscriber already had. */
  duplicates: number;
  /** Expected pairs told only with an error (no data covering them). */
  errors: number;
  errorsByCode: Record<string, number>;
  /** Messages received, and of those not about an expected event (another kind's event naming this object, priming). */
  messages: number;
  unexpected: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** A few lost pairs, to look into. */
  lostExamples: Array<{ stream: number; eventId: string; type: string; objectId: string }>;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The books of one run: the subscribers, the events created, and what each subscriber received. */
export class EventLedger {
  private readonly events = new Map<string, CreatedEvent>();
  private readonly receipts: Receipt[][];

  constructor(readonly streams: readonly StreamSpec[]) {
    this.receipts = streams.map(() => []);
  }

  /** Events as the gateway's process reports them (any order; a repeat of an id is ignored). */
  created(events: Iterable<CreatedEvent>): void {
    for (const event of events) if (!this.events.has(event.id)) this.events.set(event.id, event);
  }

  received(receipt: Receipt): void {
    const list = this.receipts[receipt.stream];
    if (list === undefined) throw new Error(`no subscriber #${receipt.stream}`);
    list.push(receipt);
  }

  /** How many messages subscriber `stream` has received so far. */
  messagesOf(stream: number): number {
    return this.receipts[stream]?.length ?? 0;
  }

  /** Whether subscriber `stream` should hear `event`. */
  static expects(stream: StreamSpec, event: CreatedEvent): boolean {
    return event.kind === stream.kind && (stream.customerId === undefined || event.customerId === stream.customerId);
  }

  /** The events of a live kind created at or after `fromMs` (the window), oldest first. */
  private windowEvents(fromMs: number): CreatedEvent[] {
    return [...this.events.values()].filter((e) => e.kind !== null && e.atMs >= fromMs).sort((a, b) => a.atMs - b.atMs);
  }

  /** Expected pairs still unheard (for waiting until the stream has settled). */
  unheard(fromMs: number): number {
    return this.figures(fromMs).lost;
  }

  figures(fromMs: number): LedgerFigures {
    const events = this.windowEvents(fromMs);
    const latencies: number[] = [];
    const errorsByCode = new Map<string, number>();
    const lostExamples: LedgerFigures['lostExamples'] = [];
    let expected = 0;
    let coalesced = 0;
    let lost = 0;
    let errors = 0;
    let duplicates = 0;
    let messages = 0;
    let unexpected = 0;

    for (const stream of this.streams) {
      const receipts = this.receipts[stream.index] ?? [];
      messages += receipts.length;
      // First receipt of each event id (a later one is a duplicate), and every payload per object, in arrival order.
      const byEventId = new Map<string, Receipt>();
      const payloads = new Map<string, Receipt[]>();
      for (const receipt of receipts) {
        if (receipt.eventId !== undefined) {
          if (byEventId.has(receipt.eventId)) duplicates++;
          else byEventId.set(receipt.eventId, receipt);
        }
        if (receipt.objectId !== undefined && receipt.errorCode === undefined) {
          let list = payloads.get(receipt.objectId);
          if (list === undefined) payloads.set(receipt.objectId, (list = []));
          list.push(receipt);
        }
      }
      const expectedIds = new Set<string>();
      for (const event of events) {
        if (!EventLedger.expects(stream, event)) continue;
        expected++;
        expectedIds.add(event.id);
        const own = byEventId.get(event.id);
        const ownData = own !== undefined && own.errorCode === undefined ? own : undefined;
        const later = event.seq === null ? undefined : payloads.get(event.objectId)?.find((r) => r.seq !== null && r.seq >= event.seq!);
        const covering = [ownData, later].filter((r) => r !== undefined).sort((a, b) => a.atMs - b.atMs)[0];
        if (covering !== undefined) {
          latencies.push(Math.max(0, covering.atMs - event.atMs));
          if (covering !== ownData) coalesced++;
        } else if (own !== undefined) {
          errors++;
          const code = own.errorCode ?? 'NO_CODE';
          errorsByCode.set(code, (errorsByCode.get(code) ?? 0) + 1);
        } else {
          lost++;
          if (lostExamples.length < 5) lostExamples.push({ stream: stream.index, eventId: event.id, type: event.type, objectId: event.objectId });
        }
      }
      for (const receipt of byEventId.values()) if (!expectedIds.has(receipt.eventId!)) unexpected++;
    }

    latencies.sort((a, b) => a - b);
    return {
      events: events.length,
      expected,
      heard: expected - lost - errors,
      coalesced,
      lost,
      duplicates,
      errors,
      errorsByCode: Object.fromEntries(errorsByCode),
      messages,
      unexpected,
      latencyP50Ms: round(percentile(latencies, 0.5)),
      latencyP99Ms: round(percentile(latencies, 0.99)),
      latencyMaxMs: round(latencies[latencies.length - 1] ?? 0),
      lostExamples,
    };
  }
}

const LIVE_KINDS: Readonly<Record<string, LiveKind>> = { customer: 'customer', invoice: 'invoice', subscription: 'subscription' };

/** A local Stripe event as the books keep it: its kind of object, the object's id, customer and load marker. */
export function createdEventOf(event: Stripe.Event, atMs: number): CreatedEvent {
  const object = event.data.object as unknown as { object?: unknown; id?: unknown; customer?: unknown; description?: unknown };
  const kind = typeof object.object === 'string' ? (LIVE_KINDS[object.object] ?? null) : null;
  const objectId = typeof object.id === 'string' ? object.id : '';
  const customer = object.customer;
  const customerId =
    kind === 'customer' ? objectId : typeof customer === 'string' ? customer : typeof (customer as { id?: unknown } | null)?.id === 'string' ? (customer as { id: string }).id : null;
  return { id: event.id, type: event.type, kind, objectId, customerId, seq: markerOf(object.description), atMs };
}

/** The load marker in a description (`load 42` → 42), or null. */
export function markerOf(description: unknown): number | null {
  if (typeof description !== 'string') return null;
  const match = /^load (\d+)$/.exec(description);
  return match === null ? null : Number(match[1]);
}

export const marker = (seq: number): string => `load ${seq}`;
