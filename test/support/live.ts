/**
 * Helpers for the subscription tests: a subscriber (the typed client's `subscribe`) that records what it hears, a
 * raw SSE reader for what the client hides (headers, `id:` lines, heartbeats), the changes the webhook route would
 * publish, and a bounded wait that fails with a message instead of hanging.
 */
import { expect } from 'vitest';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createBillingClient, type BillingClientError, type SubscriptionEvent, type TokenSource } from '../../src/client/index.js';
import type { ChangedKind, StripeChange } from '../../src/events/changes.js';
import { ADMIN_KEY, signCustomerToken } from './gateway.js';

/** Polls `check` until it is true, for up to `ms` (default 10 s); fails the test with `what` otherwise. */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let sequence = 0;
/** A fresh event id (`evt_…`), unique within the test run. */
export const eventId = () => `evt_test${String(++sequence).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;

/** What the webhook route publishes for one event about one object. */
export function change(kind: ChangedKind, id: string, customerId: string | null, options: { type?: string; deleted?: boolean; id?: string } = {}): StripeChange {
  return {
    eventId: options.id ?? eventId(),
    type: options.type ?? `${kind === 'subscription' ? 'customer.subscription' : kind}.updated`,
    created: Math.floor(Date.now() / 1000),
    account: null,
    livemode: false,
    changes: [{ kind, id, customerId, deleted: options.deleted ?? false }],
  };
}

export interface Listener<TData> {
  events: SubscriptionEvent<TData>[];
  errors: BillingClientError[];
  resyncs: number;
  opens: number;
  /** Resolves once the subscription has ended. */
  closed: Promise<void>;
  lastEventId(): string | undefined;
  close(): Promise<void>;
}

/** Subscribes with the typed client as `as` (an admin, a customer's token, or a token source) and records everything. */
export function listen<TData, TVariables extends Record<string, unknown>>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  as: 'admin' | { customer: string } | { token: TokenSource },
  options: { lastEventId?: string; retryDelayMs?: number } = {},
): Listener<TData> {
  const token: TokenSource =
    as === 'admin' ? ADMIN_KEY : 'customer' in as ? () => signCustomerToken(as.customer) : as.token;
  const client = createBillingClient({ url, token, persisted: true });
  const recorded = { events: [] as SubscriptionEvent<TData>[], errors: [] as BillingClientError[], resyncs: 0, opens: 0 };
  const live = client.subscribe(
    document,
    variables,
    {
      next: (event) => void recorded.events.push(event),
      error: (error) => void recorded.errors.push(error),
      resync: () => void recorded.resyncs++,
      open: () => void recorded.opens++,
    },
    { retryDelayMs: options.retryDelayMs ?? 50, lastEventId: options.lastEventId },
  );
  return Object.assign(recorded, {
    closed: live.closed,
    lastEventId: () => live.lastEventId,
    async close() {
      live.close();
      await live.closed;
    },
  });
}

/** The raw text of an SSE response as it arrives, readable at any moment; `stop()` cancels it. */
export async function readRaw(url: string, init: RequestInit): Promise<{ response: Response; text(): string; done: Promise<void>; stop(): void }> {
  const controller = new AbortController();
  const response = await fetch(url, { ...init, signal: controller.signal });
  let text = '';
  const decoder = new TextDecoder();
  const done = (async () => {
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  return { response, text: () => text, done, stop: () => controller.abort() };
}

/** Every `data:` payload of `event: next` in raw SSE text, parsed. */
export function payloadsOf(text: string): Array<{ id: string | undefined; body: Record<string, any> }> {
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: next'))
    .map((block) => {
      const lines = block.split('\n');
      const id = lines.find((l) => l.startsWith('id: '))?.slice(4);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
      return { id, body: JSON.parse(data) as Record<string, any> };
    });
}

/** The ids the events carried, in order. */
export const idsOf = (events: ReadonlyArray<{ eventId: string | undefined }>) => events.map((e) => e.eventId);

/** Fails unless every event's data is non-null (an unexpected error would otherwise pass unnoticed). */
export function expectAllData(events: ReadonlyArray<SubscriptionEvent<unknown>>): void {
  for (const event of events) expect(event.errors, JSON.stringify(event.errors)).toEqual([]);
}
