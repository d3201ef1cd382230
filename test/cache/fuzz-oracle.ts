/**
 * What the randomized cache run knows for sure, and when: the local Stripe's events in the order they were made,
 * and the moment the gateway acknowledged each one (the first 2xx it answered that event's delivery with, read
 * from the gateway's own `webhook` log line, which is written right after the answer is handed to the socket).
 *
 * From each acknowledged event it keeps a floor per field of the object the event carries (`data.object`): every
 * field the run changes only moves forward — names and emails end in `v<counter>`, an invoice's state is its status
 * rank and then its total — so "a read that started after the ack of the event carrying state S returns S or
 * newer" is "the value read is at least the floor taken when the read started". Invoices whose creation was
 * acknowledged must appear in their customer's list from then on.
 */
import type Stripe from 'stripe';
import type { Store } from '../../src/local-stripe/index.js';
import type { LogSink } from '../../src/observability/log.js';

/** `… v12` → 12; anything without a counter (null, the seed's own values) → 0. */
export function counterOf(text: string | null | undefined): number {
  const match = /\bv(\d+)\b/.exec(text ?? '');
  return match === null ? 0 : Number(match[1]);
}

/** Invoices only move this way: draft → open → uncollectible → paid or void (a draft's total only grows). */
const RANK: Record<string, number> = { draft: 0, open: 1, uncollectible: 2, paid: 3, void: 3 };

export function invoiceVersion(status: string | null | undefined, total: number): number {
  const rank = RANK[(status ?? '').toLowerCase()];
  if (rank === undefined) throw new Error(`an invoice status the run does not know: ${String(status)}`);
  return rank * 1e12 + total;
}

/** A version as people read it: a counter, or an invoice's `open/850` (status and total). */
export function describeVersion(key: string, version: number): string {
  if (!key.endsWith('.state')) return `v${version}`;
  const rank = Math.floor(version / 1e12);
  const names = Object.entries(RANK).filter(([, r]) => r === rank).map(([name]) => name).join('|');
  return `${names}/${version % 1e12}`;
}

/** The versioned fields of one Stripe object (customer: name, email; invoice: state), by `${id}.${field}`. */
export function versionsOf(object: { id?: unknown; object?: unknown; [key: string]: unknown }): Array<[string, number]> {
  if (typeof object.id !== 'string') return [];
  if (object.object === 'customer') {
    return [
      [`${object.id}.name`, counterOf(object['name'] as string | null)],
      [`${object.id}.email`, counterOf(object['email'] as string | null)],
    ];
  }
  if (object.object === 'invoice') return [[`${object.id}.state`, invoiceVersion(object['status'] as string, object['total'] as number)]];
  return [];
}

const idOf = (ref: string | { id: string } | null | undefined): string | undefined => (typeof ref === 'string' ? ref : ref?.id);

/** The version of `key` in the local Stripe now; undefined when the object is gone. */
export function truthOf(store: Store, key: string): number | undefined {
  const [id, field] = key.split('.') as [string, string];
  if (id.startsWith('cus_')) {
    const customer = store.customers.get(id);
    return customer === undefined ? undefined : counterOf(field === 'name' ? customer.name : customer.email);
  }
  const invoice = store.invoices.get(id);
  return invoice === undefined ? undefined : invoiceVersion(invoice.status, invoice.total);
}

/** The customer that owns a Stripe object, by its id; undefined for shared objects (prices, products) or unknown ids. */
export function ownerOf(store: Store, id: string): string | undefined {
  const prefix = id.slice(0, id.indexOf('_'));
  switch (prefix) {
    case 'cus':
      return store.customers.get(id) !== undefined ? id : undefined;
    case 'in':
      return idOf(store.invoices.get(id)?.customer);
    case 'ii':
      return idOf(store.invoiceItems.get(id)?.customer);
    case 'sub':
      return idOf(store.subscriptions.get(id)?.customer);
    case 'pm':
      return idOf(store.paymentMethods.get(id)?.customer);
    case 'il':
      for (const invoice of store.invoices.newestFirst()) {
        if (invoice.lines.data.some((line) => line.id === id)) return idOf(invoice.customer);
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The floors at one moment: what any read started from then on must return at least. */
export interface Snapshot {
  floors: ReadonlyMap<string, number>;
  /** Per customer: the invoices whose creation was acknowledged (and deletion not). */
  listed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Objects whose deletion was acknowledged. */
  deleted: ReadonlySet<string>;
  acks: number;
}

export class Oracle {
  /** Event ids in the order the local Stripe made them. */
  readonly made: string[] = [];
  private readonly madeIndex = new Map<string, number>();
  /** Event id → its place in the order of acknowledgements. */
  readonly acked = new Map<string, number>();
  /** Acknowledgements of an event older than one acknowledged before it. */
  outOfOrder = 0;
  /** Deliveries the gateway answered as duplicates, and answered with something other than 2xx. */
  duplicateAnswers = 0;
  refusedAnswers = 0;
  /** The gateway's error-level log lines (a hook that failed, …): none expected. */
  readonly errorLines: string[] = [];
  private newestAcked = -1;
  private floors = new Map<string, number>();
  private listed = new Map<string, Set<string>>();
  private deleted = new Set<string>();
  /** Objects the local Stripe deleted (their deletion acknowledged or not). */
  readonly everDeleted = new Set<string>();

  constructor(private readonly store: Store) {
    store.events.listen((event) => {
      this.madeIndex.set(event.id, this.made.length);
      this.made.push(event.id);
      if (event.type.endsWith('.deleted')) this.everDeleted.add((event.data.object as { id: string }).id);
    });
  }

  /** The `logSink` for `startApp`: hears every `webhook` line (every other line is dropped). */
  readonly sink: LogSink = (line, level) => {
    if (level === 'error') this.errorLines.push(line);
    if (!line.includes('"msg":"webhook"')) return;
    const record = JSON.parse(line) as { eventId: string | null; outcome: string; status: number };
    if (record.eventId === null) return;
    if (record.outcome === 'duplicate') this.duplicateAnswers++;
    if (record.status < 200 || record.status >= 300) {
      this.refusedAnswers++;
      return;
    }
    if (!this.acked.has(record.eventId)) this.ack(record.eventId);
  };

  private ack(eventId: string): void {
    this.acked.set(eventId, this.acked.size);
    const index = this.madeIndex.get(eventId) ?? -1;
    if (index < this.newestAcked) this.outOfOrder++;
    this.newestAcked = Math.max(this.newestAcked, index);
    const event: Stripe.Event | undefined = this.store.events.get(eventId);
    if (event === undefined) throw new Error(`the gateway acknowledged ${eventId}, which the local Stripe never made`);
    const object = event.data.object as unknown as { id?: unknown; object?: unknown; customer?: unknown; [key: string]: unknown };
    for (const [key, version] of versionsOf(object)) {
      if (version > (this.floors.get(key) ?? -1)) this.floors.set(key, version);
    }
    const id = object.id as string;
    if (event.type.endsWith('.deleted')) {
      this.deleted.add(id);
      for (const set of this.listed.values()) set.delete(id);
    } else if (object.object === 'invoice' && !this.deleted.has(id)) {
      const customer = idOf(object.customer as string | { id: string } | null);
      if (customer !== undefined) {
        let set = this.listed.get(customer);
        if (set === undefined) this.listed.set(customer, (set = new Set()));
        set.add(id);
      }
    }
  }

  /** The floor of one field now (-1: nothing acknowledged about it yet). */
  floor(key: string): number {
    return this.floors.get(key) ?? -1;
  }

  /** The floors now (copied: later acknowledgements do not change it). */
  snapshot(): Snapshot {
    return {
      floors: new Map(this.floors),
      listed: new Map([...this.listed].map(([customer, ids]) => [customer, new Set(ids)])),
      deleted: new Set(this.deleted),
      acks: this.acked.size,
    };
  }

  /** Whether every event made from `index` on (a place in `made`) has been acknowledged. */
  acknowledgedFrom(index: number): boolean {
    return this.made.slice(index).every((id) => this.acked.has(id));
  }

  /** Whether every event made so far has been acknowledged. */
  allAcknowledged(): boolean {
    return this.made.every((id) => this.acked.has(id));
  }

  /** Keys whose floor differs from the local Stripe's state (none once everything is acknowledged). */
  floorsBehindTruth(): string[] {
    return [...this.floors]
      .filter(([key, floor]) => !this.deleted.has(key.split('.')[0] as string) && truthOf(this.store, key) !== floor)
      .map(([key]) => key);
  }
}
