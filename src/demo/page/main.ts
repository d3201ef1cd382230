/**
 * The demo billing page, in the browser: sign in as a demo customer, see that customer's invoices a page at a
 * time, and open the billing portal. Plain DOM, no framework; bundled by `src/demo/bundle.ts`.
 *
 * Every value from the server reaches the page as text (`dom.ts`): no `innerHTML`, and links only to http(s).
 * Hooks for tests and assistive technology: `#invoices[data-state=loading|ready|empty|error][data-page=N]`,
 * `tr[data-invoice-id]`, `#prev-page`, `#next-page`, `#manage-billing`, `#sign-out`, `[data-customer-id]`.
 *
 * The views: `sign-in.ts` (choosing a customer) and `billing.ts` (their billing page, with `invoice-table.ts`);
 * this file moves between them, so neither view imports the other.
 */
import { showBilling } from './billing.js';
import { clearSession, loadSession, type Session } from './session.js';
import { showSignIn } from './sign-in.js';

function signedIn(session: Session): void {
  showBilling(session, signOut);
}

function signOut(notice?: string): void {
  clearSession();
  showSignIn(signedIn, notice);
}

function start(): void {
  const session = loadSession();
  if (session !== undefined) signedIn(session);
  else showSignIn(signedIn);
}

// Back from the portal with the browser's own back button, the page may come from the back/forward cache with
// "Manage billing" still saying it is opening the portal.
window.addEventListener('pageshow', (event) => {
  const manage = document.getElementById('manage-billing');
  if (event.persisted && manage instanceof HTMLButtonElement) {
    manage.disabled = false;
    manage.textContent = 'Manage billing';
  }
});

start();
