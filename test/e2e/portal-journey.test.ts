/**
 * The demo billing page and the billing portal, in a real browser (Debian's Chromium through playwright-core),
 * against the whole app started in-process in demo mode on port 0 — the way a customer goes round: sign in, see
 * the plan, the card on file and the next invoice; open the portal (the local Stripe's hosted page), switch plan
 * there, come back and see the new plan and its prorations on the next invoice; open it again, cancel at period
 * end, come back and see the plan canceling. What the page shows is checked against the local Stripe's state,
 * read through the real `stripe` SDK after every step. Screenshots: `test-results/e2e/portal-journey-*.png`.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { formatMoney } from '../../src/stripe-facts/money.js';
import { demoJourney, JOURNEY_TIMEOUT_MS } from './browser.js';

const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const day = (unix: number) => dateFormat.format(unix * 1000);
const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express' };

// Trusted documents on, as in production: all the page may send is the manifest's documents, by id.
const journey = demoJourney('portal-journey', { TRUSTED_DOCUMENTS: 'true' });

// --- what the page should show, from Stripe's state -------------------------------------------------------------

interface ShownPlan {
  id: string;
  status: string;
  name: string;
  badge: string;
  prices: string[];
  dates: string[];
}

function priceText(price: Stripe.Price): string {
  const amount = price.unit_amount === null ? 'Custom price' : formatMoney(price.unit_amount, price.currency);
  const recurring = price.recurring;
  if (recurring === null) return amount;
  return recurring.interval_count > 1 ? `${amount} every ${recurring.interval_count} ${recurring.interval}s` : `${amount} / ${recurring.interval}`;
}

async function productName(price: Stripe.Price): Promise<string> {
  const product = typeof price.product === 'string' ? await journey.stripe.products.retrieve(price.product) : price.product;
  if ('deleted' in product && product.deleted) throw new Error(`product ${product.id} is deleted`);
  return (product as Stripe.Product).name;
}

/** The customer's current subscriptions (Stripe's default list: all but canceled), as the plan section shows them. */
async function expectedPlans(customerId: string): Promise<ShownPlan[]> {
  const list = await journey.stripe.subscriptions.list({ customer: customerId });
  const plans: ShownPlan[] = [];
  for (const sub of list.data) {
    const names = [...new Set(await Promise.all(sub.items.data.map((item) => productName(item.price))))];
    const periodEnd = Math.min(...sub.items.data.map((item) => item.current_period_end));
    const endsAt = sub.cancel_at ?? (sub.cancel_at_period_end ? periodEnd : null);
    const dates: string[] = [];
    if (sub.status === 'trialing' && sub.trial_end !== null) dates.push(`Trial ends on ${day(sub.trial_end)}`);
    if (sub.status === 'past_due') dates.push('The last payment failed; it will be retried. Check your card.');
    if (endsAt !== null) dates.push(`Ends on ${day(endsAt)}; it will not renew`);
    else if (sub.status !== 'paused' && sub.status !== 'unpaid') dates.push(`Renews on ${day(periodEnd)}`);
    const badge =
      endsAt !== null && sub.status !== 'past_due' && sub.status !== 'unpaid'
        ? `Canceling on ${day(endsAt)}`
        : ({ active: 'Active', trialing: 'Trialing', past_due: 'Past due', unpaid: 'Unpaid', paused: 'Paused', incomplete: 'Incomplete' } as Record<string, string>)[sub.status]!;
    plans.push({
      id: sub.id,
      status: sub.status.toUpperCase(),
      name: names.join(' + '),
      badge,
      prices: sub.items.data.map((item) => [item.price.id, priceText(item.price), item.quantity !== undefined && item.quantity !== 1 ? `× ${item.quantity}` : ''].join('|')),
      dates,
    });
  }
  return plans;
}

function shownPlans(): Promise<ShownPlan[]> {
  return journey.page.$$eval('#plan .plan[data-subscription-id]', (blocks) =>
    blocks.map((block) => {
      const text = (el: Element | null) => el?.textContent?.trim() ?? '';
      return {
        id: (block as HTMLElement).dataset['subscriptionId'] ?? '',
        status: (block as HTMLElement).dataset['status'] ?? '',
        name: text(block.querySelector('.plan-name')),
        badge: text(block.querySelector('.badge')),
        prices: [...block.querySelectorAll('.plan-item')].map((item) =>
          [(item as HTMLElement).dataset['priceId'], text(item.querySelector('.plan-price')), text(item.querySelector('.plan-quantity'))].join('|'),
        ),
        dates: [...block.querySelectorAll('.plan-date')].map((p) => text(p)),
      };
    }),
  );
}

/** The customer's default card as the card section shows it. */
async function expectedCard(customerId: string): Promise<{ number: string; expiry: string } | null> {
  const customer = (await journey.stripe.customers.retrieve(customerId, { expand: ['invoice_settings.default_payment_method'] })) as Stripe.Customer;
  const method = customer.invoice_settings.default_payment_method;
  if (method === null || typeof method === 'string' || method.card === undefined) return null;
  const card = method.card;
  return { number: `${BRANDS[card.brand] ?? 'Card'} •••• ${card.last4}`, expiry: `${String(card.exp_month).padStart(2, '0')}/${card.exp_year}` };
}

interface ShownUpcoming {
  amount: string;
  date: string;
  lines: Array<{ description: string; amount: string; proration: boolean }>;
}

/**
 * The preview of the customer's next invoice, as the next-invoice section shows it; null when Stripe says nothing
 * is due next (`invoice_upcoming_none`: no subscription, or the only one ends at period end).
 */
async function expectedUpcoming(customerId: string): Promise<ShownUpcoming | null> {
  let preview: Stripe.Invoice;
  try {
    preview = await journey.stripe.invoices.createPreview({ customer: customerId });
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'invoice_upcoming_none') return null;
    throw error;
  }
  const when = preview.next_payment_attempt ?? preview.period_end;
  return {
    amount: formatMoney(preview.amount_due, preview.currency),
    date: `Billed on ${day(when)}`,
    lines: preview.lines.data.map((line) => ({
      description: line.description ?? 'Item',
      amount: formatMoney(line.amount, line.currency),
      proration: line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration ?? false,
    })),
  };
}

async function shownUpcoming(): Promise<ShownUpcoming | null> {
  const { page } = journey;
  if ((await page.$('#upcoming #no-upcoming')) !== null) return null;
  return {
    amount: (await page.textContent('#upcoming-amount'))?.trim() ?? '',
    date: (await page.textContent('#upcoming-date'))?.trim() ?? '',
    lines: await page.$$eval('#upcoming tr[data-line-id]', (rows) =>
      rows.map((row) => ({
        description: row.querySelector('.line-description')?.textContent?.trim() ?? '',
        amount: row.querySelector('.line-amount')?.textContent?.trim() ?? '',
        proration: (row as HTMLElement).dataset['proration'] === 'true',
      })),
    ),
  };
}

async function overviewReady(): Promise<void> {
  await journey.page.waitForSelector('#overview[data-state="ready"]');
}

/** What the page shows of plan, card and next invoice is what Stripe holds now. */
async function expectPageToMatchStripe(customerId: string): Promise<void> {
  const { page } = journey;
  expect(await shownPlans()).toEqual(await expectedPlans(customerId));
  const card = await expectedCard(customerId);
  if (card === null) {
    expect((await page.textContent('#card-on-file .card-number'))?.trim()).toBe('No card on file');
  } else {
    expect((await page.textContent('#card-on-file .card-number'))?.trim()).toBe(card.number);
    expect((await page.textContent('#card-on-file .card-expiry'))?.trim()).toMatch(new RegExp(`^Expire[sd] ${card.expiry}$`));
  }
  expect(await shownUpcoming()).toEqual(await expectedUpcoming(customerId));
}

/** The billing page, loaded afresh (still signed in: the session is in sessionStorage). */
async function onBillingPage(): Promise<void> {
  await journey.page.goto(journey.app.demoPageUrl!);
  await overviewReady();
}

/** From the billing page through "Manage billing" to the portal's home screen for the signed-in customer. */
async function openPortal(): Promise<void> {
  const { page } = journey;
  await onBillingPage();
  await page.click('#manage-billing');
  await page.waitForURL((url) => url.href.startsWith(`${journey.app.localStripe!.url}/p/session/`));
  await page.waitForSelector('#subscriptions');
}

/** The portal's return link, back to the billing page, which loads afresh. */
async function returnFromPortal(): Promise<void> {
  const { page } = journey;
  await page.click('#return-link');
  await page.waitForURL(journey.app.demoPageUrl!);
  await overviewReady();
}

describe('the billing page and the portal, round trip', () => {
  const customerId = DEMO.customer;
  let subscriptionId: string;

  it('signs in and shows the plan, the card on file and the next invoice as Stripe has them', async () => {
    const { page } = journey;
    await page.goto(journey.app.demoPageUrl!);
    await page.waitForSelector(`#sign-in [data-customer-id="${customerId}"]:not([disabled])`);
    await page.click(`[data-customer-id="${customerId}"]`);
    await overviewReady();

    const plans = await expectedPlans(customerId);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.status).toBe('ACTIVE');
    subscriptionId = plans[0]!.id;
    await expectPageToMatchStripe(customerId);
    expect(await page.textContent('#card-on-file .card-number')).toContain('•••• 4242');
    expect(await page.textContent('#plan .badge')).toBe('Active');
    await journey.shot('signed-in-plan-card-next-invoice');
  }, JOURNEY_TIMEOUT_MS);

  it('switches plan in the portal; back on the billing page, the new plan and its prorations show', async () => {
    const { page } = journey;
    const before = await journey.stripe.subscriptions.retrieve(subscriptionId);
    const oldPrice = before.items.data[0]!.price.id;
    await openPortal();
    await journey.shot('portal-home');

    await page.click(`#update-${subscriptionId}`);
    await page.waitForSelector('#update input[name="price"]');
    // Another price than the current one, among those the portal offers.
    const choice = await page.$$eval('#update input[name="price"]', (inputs, current) => inputs.map((i) => (i as HTMLInputElement).value).find((v) => v !== current), oldPrice);
    expect(choice, 'the portal offers another price to switch to').toBeDefined();
    await page.check(`#update input[name="price"][value="${choice}"]`);
    await journey.shot('portal-choose-plan');
    await page.click('#continue-update');
    await page.waitForSelector('#confirm-update');
    await journey.shot('portal-confirm-plan');
    await page.click('#confirm-update-button');
    await page.waitForSelector('#notice');

    const after = await journey.stripe.subscriptions.retrieve(subscriptionId);
    expect(after.items.data[0]!.price.id).toBe(choice);

    await returnFromPortal();
    await expectPageToMatchStripe(customerId);
    const plan = (await shownPlans())[0]!;
    expect(plan.prices[0]).toMatch(new RegExp(`^${choice}\\|`));
    // A mid-period switch with create_prorations: the next invoice carries the credit and the charge.
    const upcoming = await shownUpcoming();
    expect(upcoming?.lines.some((line) => line.proration)).toBe(true);
    expect(await page.$$('#upcoming tr[data-proration="true"] .tag')).not.toHaveLength(0);
    await journey.shot('returned-new-plan');
  }, JOURNEY_TIMEOUT_MS);

  it('cancels at period end in the portal; back on the billing page, the plan says when it ends', async () => {
    const { page } = journey;
    await openPortal();
    await page.click(`#cancel-${subscriptionId}`);
    await page.waitForSelector('#cancel');
    await journey.shot('portal-cancel');
    await page.click('#confirm-cancel');
    await page.waitForSelector('#notice');

    const sub = await journey.stripe.subscriptions.retrieve(subscriptionId);
    expect(sub.cancel_at_period_end).toBe(true);
    expect(sub.status).toBe('active');

    await returnFromPortal();
    await expectPageToMatchStripe(customerId);
    const periodEnd = Math.min(...sub.items.data.map((item) => item.current_period_end));
    expect(await page.textContent('#plan .badge')).toBe(`Canceling on ${day(sub.cancel_at ?? periodEnd)}`);
    expect(await page.textContent('#plan .plan-ends')).toContain(day(sub.cancel_at ?? periodEnd));
    await journey.shot('returned-canceling');

    // Only the manifest's documents went to the gateway, by id; nothing went wrong in either page.
    expect(journey.graphqlBodies.length).toBeGreaterThan(0);
    expect(journey.graphqlBodies.every((body) => typeof body['documentId'] === 'string' && !('query' in body))).toBe(true);
    expect(journey.problems).toEqual([]);
  }, JOURNEY_TIMEOUT_MS);

  it('restored from the back/forward cache (Back from the portal), the page loads its data again', async () => {
    const { page } = journey;
    // Renewed elsewhere (as the portal's "Renew plan" would): what the page shows is now out of date.
    await journey.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: false });
    expect(await page.textContent('#plan .badge')).toMatch(/^Canceling on /);
    // What the browser fires when it brings the page back from the back/forward cache (headless Chromium under
    // playwright keeps no such cache, so the event is fired here as the browser would).
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
    await page.waitForFunction(() => document.querySelector('#plan .badge')?.textContent === 'Active');
    await overviewReady();
    await expectPageToMatchStripe(customerId);
    expect(await page.isEnabled('#manage-billing')).toBe(true);
    await journey.shot('restored-and-reloaded');
  }, JOURNEY_TIMEOUT_MS);
});

describe('the plan, card and next invoice in other cases', () => {
  it('a new customer: no plan, no card, nothing due', async () => {
    const { page } = journey;
    await onBillingPage();
    await page.click('#sign-out');
    await page.waitForSelector(`#sign-in [data-customer-id="${DEMO.newCustomer}"]:not([disabled])`);
    await page.click(`[data-customer-id="${DEMO.newCustomer}"]`);
    await overviewReady();
    expect(await expectedPlans(DEMO.newCustomer)).toEqual([]);
    expect(await shownPlans()).toEqual([]);
    expect(await page.textContent('#no-plan h3')).toBe('No current plan');
    expect(await expectedCard(DEMO.newCustomer)).toBeNull();
    expect((await page.textContent('#card-on-file .card-number'))?.trim()).toBe('No card on file');
    expect(await expectedUpcoming(DEMO.newCustomer)).toBeNull();
    expect(await page.textContent('#no-upcoming .upcoming-amount')).toBe('Nothing due');
    await journey.shot('new-customer');
  }, JOURNEY_TIMEOUT_MS);

  it('the seed’s other subscription states: trialing, canceling, past due, canceled — each as Stripe has it', async () => {
    const { page } = journey;
    const byEmail = (email: string) => [...journey.app.localStripe!.store.customers.newestFirst()].find((c) => c.email === email)!.id;
    const cases = [
      { email: 'frances@example.com', badge: /^Trialing$/ },
      { email: 'grace@example.com', badge: /^Canceling on / },
      { email: 'margaret@example.com', badge: /^Past due$/ },
      { email: 'don@example.com', badge: null },
    ];
    for (const { email, badge } of cases) {
      const id = byEmail(email);
      await onBillingPage();
      await page.click('#sign-out');
      await page.waitForSelector(`#sign-in [data-customer-id="${id}"]:not([disabled])`);
      await page.click(`[data-customer-id="${id}"]`);
      await overviewReady();
      await expectPageToMatchStripe(id);
      // A canceled subscription is not among a customer's current ones (Stripe's default list): no current plan.
      if (badge === null) expect(await page.textContent('#no-plan h3')).toBe('No current plan');
      else expect(await page.textContent('#plan .badge')).toMatch(badge);
      await journey.shot(`state-${email.split('@')[0]}`);
    }
  }, JOURNEY_TIMEOUT_MS);

  it('when Stripe cannot preview the next invoice, that box says so and the rest of the page stands', async () => {
    const { page } = journey;
    const local = journey.app.localStripe!;
    await onBillingPage();
    await page.click('#sign-out');
    // The page just showed this customer's next invoice, and the shared cache holds it until Stripe reports a change
    // of the customer's objects: make one, and wait for its event to be accepted, so that the preview is asked again.
    const accepted = journey.app.webhooks.stats().accepted;
    await journey.stripe.customers.update(DEMO.customer, { metadata: { preview_outage: String(Date.now()) } });
    const deadline = Date.now() + 10_000;
    while (journey.app.webhooks.stats().accepted <= accepted) {
      if (Date.now() > deadline) throw new Error('the customer.updated event was not accepted by the gateway within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      local.setFaults({ rules: [{ kind: 'server_error', status: 503, path: '/v1/invoices/create_preview' }] });
      await page.waitForSelector(`#sign-in [data-customer-id="${DEMO.customer}"]:not([disabled])`);
      await page.click(`[data-customer-id="${DEMO.customer}"]`);
      await overviewReady();
      await page.waitForSelector('#invoices[data-state="ready"]');
      expect(await page.textContent('#upcoming [data-unavailable] p')).toBe('This could not be loaded just now. Reload the page to try again.');
      expect(await shownPlans()).toEqual(await expectedPlans(DEMO.customer));
      expect((await page.textContent('#card-on-file .card-number'))?.trim()).toBe((await expectedCard(DEMO.customer))?.number);
      await journey.shot('next-invoice-unavailable');
    } finally {
      local.setFaults(undefined);
    }
  }, JOURNEY_TIMEOUT_MS);
});
