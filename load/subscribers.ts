/**
 * The event stream's subscribers: GraphQL subscriptions over SSE through the typed client's `subscribe()`, as any
 * app would open them — one per (customer, field) with that customer's token, and the admin's unfiltered one per
 * field. Each message is handed on as a `Receipt` (`event-ledger.ts`): its event id, the payload's object id and
 * load marker (`description`), or its first error code, and when it was parsed.
 *
 * The documents select only what the books read; they are sent as text (the load run's gateway does not enforce
 * trusted documents), so they stay the load run's own and out of the product's manifest.
 */
import { parse } from 'graphql';
import { performance } from 'node:perf_hooks';
import { createBillingClient, type LiveSubscription, type TypedDocumentNode } from '../src/client/index.js';
import type { DemoCustomer } from './fixture.js';
import { markerOf, FIELD_OF, type LiveKind, type Receipt, type StreamSpec } from './event-ledger.js';
import type { GatewayReady } from './gateway.js';

interface Marked {
  id: string;
  description: string | null;
}

type LiveData = Partial<Record<string, Marked>>;

const documents: Readonly<Record<LiveKind, TypedDocumentNode<LiveData, { customerId?: string }>>> = {
  customer: parse('subscription LoadCustomerUpdated($customerId: ID) { customerUpdated(customerId: $customerId) { id description } }'),
  invoice: parse('subscription LoadInvoiceUpdated($customerId: ID) { invoiceUpdated(customerId: $customerId) { id description } }'),
  subscription: parse('subscription LoadSubscriptionUpdated($customerId: ID) { subscriptionUpdated(customerId: $customerId) { id description } }'),
};

export interface Subscribers {
  /** Connections opened after the first, over every subscriber (each a resumption with `Last-Event-ID`). */
  reconnects(): number;
  /** Subscribers the gateway refused for good, with why. */
  refused(): string[];
  close(): void;
}

export function openSubscribers(
  ready: GatewayReady,
  specs: readonly StreamSpec[],
  customers: readonly DemoCustomer[],
  received: (receipt: Receipt) => void,
): Subscribers {
  const tokens = new Map(customers.map((c) => [c.id, c.token]));
  let opens = 0;
  const refusals: string[] = [];
  const live: LiveSubscription[] = specs.map((spec) => {
    const token = spec.customerId === undefined ? ready.adminKey : tokens.get(spec.customerId);
    if (token === undefined) throw new Error(`no token for ${spec.customerId}`);
    const client = createBillingClient({ url: ready.graphqlUrl, token });
    const field = FIELD_OF[spec.kind];
    // No `customerId`: a customer hears its own objects, the admin every customer's.
    return client.subscribe(documents[spec.kind], {}, {
      open: () => {
        opens++;
      },
      next: ({ data, errors, eventId }) => {
        const object = data?.[field];
        received({
          stream: spec.index,
          eventId,
          objectId: object?.id,
          seq: markerOf(object?.description),
          atMs: performance.timeOrigin + performance.now(),
          errorCode: object === undefined || object === null ? String(errors[0]?.extensions?.code ?? 'NO_DATA') : undefined,
        });
      },
      error: (error) => {
        refusals.push(`${field} as ${spec.customerId ?? 'admin'}: ${error.message}`);
      },
    });
  });
  return {
    reconnects: () => Math.max(0, opens - specs.length),
    refused: () => [...refusals],
    close: () => {
      for (const subscription of live) subscription.close();
    },
  };
}
