/**
 * The demo billing page, in the browser: sign in as a demo customer, see that customer's plans, card on file and
 * next invoice and their invoices a page at a time — kept up to date live, as they change elsewhere — and open the
 * billing portal. Plain DOM, no framework; bundled by `src/demo/bundle.ts`.
 *
 * Every value from the server reaches the page as text (`dom.ts`): no `innerHTML`, and links only to http(s).
 * Hooks for tests and assistive technology: `#invoices[data-state=loading|ready|empty|error][data-page=N]`,
 * `tr[data-invoice-id]`, `#overview[data-state=loading|ready|error]`, `#plan .plan[data-subscription-id][data-status]`,
 * `#card-on-file`, `#upcoming tr[data-line-id]`, `#prev-page`, `#next-page`, `#manage-billing`, `#sign-out`,
 * `[data-customer-id]`, `#live[data-state=connecting|live|off]` (the live updates' streams).
 *
 * The views: `sign-in.ts` (choosing a customer) and `billing.ts` (their billing page, with `invoice-table.ts`,
 * `plan-section.ts`, `card-section.ts` and `upcoming-section.ts`); this file moves between them, so neither view
 * imports the other.
 */
import { showBilling, type BillingView } from './billing.js';
import { clearSession, loadSession, type Session } from './session.js';
import { showSignIn } from './sign-in.js';

/** The billing page while it is shown (undefined on the sign-in screen). */
let billing: BillingView | undefined;

function signedIn(session: Session): void {
  billing = showBilling(session, signOut);
}

function signOut(notice?: string): void {
  billing?.close();
  billing = undefined;
  clearSession();
  showSignIn(signedIn, notice);
}

function start(): void {
  const session = loadSession();
  if (session !== undefined) signedIn(session);
  else showSignIn(signedIn);
}

// The portal's return link loads this page afresh (the session is in sessionStorage), so it shows what the customer
// just changed there. Back with the browser's own button instead, the page may come from the back/forward cache as
// it was before the portal — "Manage billing" still opening, the plan before the change: load it all again.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) billing?.refresh();
});

start();
