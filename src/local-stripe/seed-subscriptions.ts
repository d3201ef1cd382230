/**
 * The demo's subscriptions in the states a billing page meets, on the system clock.
 *
 * The demo's invoice history is fixed in the past (it ends in January 2026; tests pin it), while the demo runs on
 * the system clock. So the subscriptions are brought to "today" at the end of the seed: each one's current period is
 * the one that contains the start of the current UTC day (and so now), and its latest invoice bills that period.
 * Every time is derived from that day (00:00 UTC), never from the second the seed runs, so two starts on the same day
 * build the same objects; ids come from this module's own seeded source, so nothing else in the demo moves.
 *
 * - The six subscriptions of the history (Ada Lovelace and Grace Hopper on Pro, Acme on 12 Team seats, Hooli on
 *   Enterprise, Katherine Johnson and Margaret Hamilton on Basic) bill monthly on the day their history's last period
 *   ended (the 5th or 6th, at 00:00 UTC); their current period's `subscription_cycle` invoice is charged to the card
 *   on file (businesses: open, due in 30 days). Between January and the current period they have no invoices.
 * - Margaret Hamilton's card declines (see `seed-cards.ts`): her subscription is `past_due`, the next retry tomorrow.
 * - Grace Hopper asked two days ago to cancel at the end of the period.
 * - Frances Allen started a 14-day trial of Pro four days ago.
 * - Donald Knuth subscribed to Basic 40 days ago and canceled 12 days ago ("switched service").
 * - Other US-dollar customers subscribed in the last weeks (businesses on Team seats or Enterprise, invoiced).
 *
 * Joan Clarke keeps no subscription: she is the demo's customer with no invoices at all (a trial would give her a
 * zero invoice), and has no card.
 */
import { seededRandom } from './ids.js';
import { createSubscription, type SubscriptionCreate } from './resources/subscription-create.js';
import { periodLines, subscriptionInvoice } from './resources/subscription-billing.js';
import { cancelNow, finalizeAndCollect } from './resources/subscription-lifecycle.js';
import { periodEnd, periodStartBefore, recurringOf, setPeriod, type Subscription } from './resources/subscription-shape.js';
import { updateSubscription } from './resources/subscription-update.js';
import { PLANS } from './seed-catalog.js';
import type { Store } from './store.js';

const SUBSCRIPTION_IDS = 20261201;
const DAY = 86_400;
const HOUR = 3600;

/** A subscription of the history, and when its last billed period ended. */
export interface HistorySubscription {
  subscription: Subscription;
  historyEnd: number;
}

/** Who subscribes at the end of the seed: email, plan, quantity, days before today, invoiced (send_invoice). */
const NEWCOMERS: ReadonlyArray<[string, keyof typeof PLANS, number, number, boolean]> = [
  ['ap@globex.example', 'team', 5, 12, true],
  ['accounts@initech.example', 'team', 8, 20, true],
  ['billing@stark.example', 'enterprise', 1, 9, true],
  ['ap@wayne.example', 'team', 20, 3, true],
  ['claude@example.com', 'pro', 1, 18, false],
  ['johnny@example.com', 'basic', 1, 7, false],
  ['annie@example.com', 'basic', 1, 22, false],
  ['dmr@example.com', 'pro', 1, 15, false],
  ['hedy@example.com', 'basic', 1, 11, false],
];

function customerByEmail(store: Store, email: string): string {
  const customer = [...store.customers.newestFirst()].find((c) => c.email === email);
  if (customer === undefined) throw new Error(`demo seed: no customer ${email}`);
  return customer.id;
}

/** The current period (containing `today`) of a history subscription, billed as its renewal would have been. */
function bringToToday(store: Store, entry: HistorySubscription, today: number, now: number): void {
  const { subscription } = entry;
  const recurring = recurringOf(subscription);
  const anchor = Math.floor(entry.historyEnd / DAY) * DAY;
  let start = anchor;
  while (periodEnd(start, recurring, anchor) <= today) start = periodEnd(start, recurring, anchor);
  const end = periodEnd(start, recurring, anchor);
  subscription.billing_cycle_anchor = anchor;
  setPeriod(subscription, start, end);
  const invoice = store.at(start, () =>
    subscriptionInvoice(store, subscription, {
      reason: 'subscription_cycle',
      window: { start: periodStartBefore(start, recurring), end: start },
      lines: periodLines(store, subscription, { start, end }),
    }),
  );
  // Finalized an hour after the renewal (or now, on the renewal's first hour: the same ids are drawn either way).
  store.at(Math.min(start + HOUR, now), () => finalizeAndCollect(store, invoice));
  // A declined renewal: keep it past due whatever today's date, with the next retry tomorrow.
  if (subscription.status === 'past_due' && invoice.next_payment_attempt !== null) {
    invoice.next_payment_attempt = Math.max(invoice.next_payment_attempt, today + DAY + 9 * HOUR);
  }
}

function subscribeAt(store: Store, at: number, params: SubscriptionCreate): Subscription {
  return store.at(at, () => createSubscription(store, params));
}

export function seedSubscriptionStates(store: Store, history: readonly HistorySubscription[]): void {
  const now = store.nowSeconds();
  const today = Math.floor(now / DAY) * DAY;
  store.ids.using(seededRandom(SUBSCRIPTION_IDS), () => {
    for (const entry of history) bringToToday(store, entry, today, now);
    const grace = history.find((entry) => entry.subscription.customer === customerByEmail(store, 'grace@example.com'));
    if (grace !== undefined) {
      store.at(today - 2 * DAY + 14 * HOUR, () =>
        updateSubscription(store, grace.subscription, {
          cancel_at_period_end: true,
          cancellation_details: { feedback: 'too_expensive', comment: 'Pro is more than I need right now.' },
        }),
      );
    }
    subscribeAt(store, today - 4 * DAY + 10 * HOUR, {
      customer: customerByEmail(store, 'frances@example.com'),
      items: [{ price: PLANS.pro.price }],
      trial_period_days: 14,
    });
    const donald = subscribeAt(store, today - 40 * DAY + 9 * HOUR, {
      customer: customerByEmail(store, 'don@example.com'),
      items: [{ price: PLANS.basic.price }],
    });
    store.at(today - 12 * DAY + 16 * HOUR, () =>
      cancelNow(store, donald, {
        reason: 'cancellation_requested',
        details: { feedback: 'switched_service', comment: 'Moved to our university’s own servers.' },
      }),
    );
    NEWCOMERS.forEach(([email, plan, quantity, daysAgo, invoiced], i) => {
      subscribeAt(store, today - daysAgo * DAY + (8 + i) * HOUR, {
        customer: customerByEmail(store, email),
        items: [{ price: PLANS[plan].price, quantity }],
        ...(invoiced ? { collection_method: 'send_invoice' as const, days_until_due: 30 } : {}),
      });
    });
  });
}
