/**
 * The demo billing page's live updates in a real browser (Debian's Chromium): signed in, the page holds its GraphQL
 * subscriptions open (`#live[data-state="live"]`); in a second tab the customer pays an open invoice on the hosted
 * invoice page, then cancels the plan at period end in the portal page. The local Stripe's events reach the gateway's
 * `/webhooks/stripe`, the gateway's streams carry them to the page, and the page shows each change without a reload
 * (a marker set on `window` before the change is still there after it). Screenshots before and after each change go to
 * `test-results/e2e/live-updates-*.png`; the time from the action to the change on screen is printed (the page's
 * promise is "within a second"; the test bounds the wait generously and never depends on the figure).
 */
import { expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { demoJourney, JOURNEY_TIMEOUT_MS } from './browser.js';

/** How long a change may take to show before the test fails (generous: a loaded CI machine, not the promise). */
const SHOWN_WITHIN_MS = 15_000;

const journey = demoJourney('live-updates', { TRUSTED_DOCUMENTS: 'true' });

/** Marks the page's window; `stillSamePage()` is true only if the page was never reloaded or navigated since. */
async function markPage(): Promise<void> {
  await journey.page.evaluate(() => {
    (window as unknown as { liveTestMarker: boolean }).liveTestMarker = true;
  });
}
function stillSamePage(): Promise<boolean> {
  return journey.page.evaluate(() => (window as unknown as { liveTestMarker?: boolean }).liveTestMarker === true);
}

it(
  'shows an invoice paid on the hosted invoice page, and a plan canceled in the portal page, without a reload',
  async () => {
    const { page } = journey;
    const customerId = DEMO.customer;
    // An open invoice the customer can pay with a card on file.
    const card = await journey.stripe.paymentMethods.attach('pm_card_visa', { customer: customerId });
    await journey.stripe.customers.update(customerId, { invoice_settings: { default_payment_method: card.id } });
    const draft = await journey.stripe.invoices.create({ customer: customerId, collection_method: 'send_invoice', days_until_due: 30 });
    await journey.stripe.invoiceItems.create({ customer: customerId, invoice: draft.id, amount: 4_200, currency: 'usd', description: 'Live update check' });
    const open = await journey.stripe.invoices.finalizeInvoice(draft.id);

    await page.goto(journey.app.demoPageUrl!);
    await page.waitForSelector(`#sign-in [data-customer-id="${customerId}"]:not([disabled])`);
    await page.click(`[data-customer-id="${customerId}"]`);
    await page.waitForSelector('#invoices[data-state="ready"]');
    await page.waitForSelector('#overview[data-state="ready"]');
    await page.waitForSelector('#live[data-state="live"]', { timeout: SHOWN_WITHIN_MS });
    const row = `#invoices tr[data-invoice-id="${open.id}"]`;
    expect(await page.textContent(`${row} .badge`)).toBe('Open');
    await markPage();
    await journey.shot('invoice-before');

    // The customer pays in another tab, on the hosted invoice page.
    const other = await journey.browser.context.newPage();
    await other.goto(open.hosted_invoice_url!);
    await Promise.all([other.waitForNavigation(), other.click('#pay-button')]);
    const paidAt = Date.now();
    expect((await journey.stripe.invoices.retrieve(open.id)).status).toBe('paid');

    await page.waitForFunction((selector) => document.querySelector(selector)?.textContent?.trim() === 'Paid', `${row} .badge`, {
      timeout: SHOWN_WITHIN_MS,
    });
    console.log(`live update: invoice paid → shown on the billing page in ${Date.now() - paidAt} ms`);
    expect(await stillSamePage()).toBe(true);
    await page.bringToFront();
    await journey.shot('invoice-after');

    // The plan, canceled at period end in the portal page (in the other tab).
    const plan = await page.waitForSelector('#plan .plan[data-subscription-id]');
    const subscriptionId = (await plan.getAttribute('data-subscription-id'))!;
    expect(await page.textContent('#plan .badge')).not.toMatch(/^Canceling/);
    await journey.shot('plan-before');
    const session = await journey.stripe.billingPortal.sessions.create({ customer: customerId, return_url: journey.app.demoPageUrl! });
    await other.goto(session.url);
    await other.click(`#cancel-${subscriptionId}`);
    await other.waitForSelector('#cancel');
    await other.click('#confirm-cancel');
    await other.waitForSelector('#notice');
    const canceledAt = Date.now();
    expect((await journey.stripe.subscriptions.retrieve(subscriptionId)).cancel_at_period_end).toBe(true);

    await page.waitForFunction(() => /^Canceling on /.test(document.querySelector('#plan .badge')?.textContent?.trim() ?? ''), undefined, {
      timeout: SHOWN_WITHIN_MS,
    });
    console.log(`live update: plan canceled in the portal → shown on the billing page in ${Date.now() - canceledAt} ms`);
    expect(await stillSamePage()).toBe(true);
    await page.bringToFront();
    await journey.shot('plan-after');
    await other.close();

    expect(journey.problems).toEqual([]);
    // Put the demo customer back as the other journeys expect it.
    await journey.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: false });
  },
  JOURNEY_TIMEOUT_MS,
);
