/**
 * One account's events, as Stripe keeps them: every state change the local Stripe makes is appended here as a
 * `Stripe.Event` (`id`, `type`, `created`, `data.object` — a copy of the object as the API renders it at that moment —
 * `data.previous_attributes` on updates, `request { id, idempotency_key }`, `api_version`, `livemode: false`,
 * `pending_webhooks`). `/v1/events` lists and retrieves them (30 days, like Stripe); listeners (webhook deliveries)
 * hear each one as it is appended, synchronously, and set `pending_webhooks` to the deliveries they owe.
 *
 * What appends: the change journal (`events/journal.ts`) at the end of each state-changing request, page action or
 * clock step — never a resource module directly, so that every change is seen in one place.
 */
import type Stripe from 'stripe';
import { Collection } from '../collection.js';
import type { IdGenerator } from '../ids.js';
import { API_VERSION } from '../version.js';

/** Stripe keeps events for 30 days (`/v1/events` answers nothing older). */
export const EVENT_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/** The request that caused an event: an API request's id and `Idempotency-Key`; nulls for automatic changes. */
export interface EventRequest {
  id: string | null;
  idempotency_key: string | null;
}

export interface NewEvent {
  type: Stripe.Event.Type;
  /** The object as the API renders it now; the log keeps a deep copy. */
  object: object;
  /** On `*.updated` (and other change events): the changed fields' previous values. */
  previousAttributes?: Record<string, unknown> | undefined;
  request?: EventRequest | null | undefined;
  /** Unix seconds; default the account's now. */
  created?: number | undefined;
  /** A connected account's id, for events of a connected account (Stripe's `account` field). */
  account?: string | undefined;
}

/** Told of each event as it is appended (in append order), with the log it belongs to. */
export type EventListener = (event: Stripe.Event, log: EventLog) => void;

export class EventLog {
  /** Newest first, like every Stripe list; `events.page(…)` serves `/v1/events`. */
  readonly events = new Collection<Stripe.Event>('event');
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly ids: IdGenerator,
    private readonly nowSeconds: () => number,
  ) {}

  /** Appends one event and tells every listener; returns the stored event. */
  append(input: NewEvent): Stripe.Event {
    const data: Stripe.Event.Data = { object: structuredClone(input.object) as Stripe.Event.Data.Object };
    if (input.previousAttributes !== undefined) {
      data.previous_attributes = structuredClone(input.previousAttributes) as Stripe.Event.Data.PreviousAttributes;
    }
    const event = {
      id: this.ids.id('evt', 24),
      object: 'event',
      ...(input.account !== undefined ? { account: input.account } : {}),
      api_version: API_VERSION,
      created: input.created ?? this.nowSeconds(),
      data,
      livemode: false,
      pending_webhooks: 0,
      request: input.request === undefined ? { id: null, idempotency_key: null } : input.request,
      type: input.type,
    } as Stripe.Event;
    this.events.insert(event);
    for (const listener of this.listeners) listener(event, this);
    return event;
  }

  /** Adds a listener; returns its removal. */
  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The event, unless it is older than the retention (then it is gone, as on Stripe). */
  get(id: string): Stripe.Event | undefined {
    const event = this.events.get(id);
    if (event === undefined) return undefined;
    return event.created >= this.nowSeconds() - EVENT_RETENTION_SECONDS ? event : undefined;
  }

  /** Drops events past the retention (call now and then; `/v1/events` never shows them either way). */
  prune(): void {
    const oldest = this.nowSeconds() - EVENT_RETENTION_SECONDS;
    const expired: string[] = [];
    for (const event of this.events.newestFirst()) if (event.created < oldest) expired.push(event.id);
    for (const id of expired) this.events.remove(id);
  }
}
