/**
 * Signing in: the demo customers to choose from, and the token the gateway signs for the one chosen (kept in session
 * storage). Hands the new session to `signedIn`.
 */
import { demoCustomers, describeError, signIn } from './api.js';
import { h, replace } from './dom.js';
import { initials } from './format.js';
import { saveSession, type Session } from './session.js';
import { account, alertBox, app } from './widgets.js';

export type SignedIn = (session: Session) => void;

export function showSignIn(signedIn: SignedIn, notice?: string): void {
  document.title = 'Sign in · Northwind Cloud';
  account.hidden = true;
  replace(account);
  const status = h('div', { id: 'sign-in-status' });
  const list = h('ul', { class: 'customer-list', id: 'customer-list', attrs: { 'aria-busy': 'true' } });
  replace(
    app,
    h(
      'section',
      { class: 'card signin', id: 'sign-in', attrs: { 'aria-labelledby': 'sign-in-title' } },
      h('h1', { id: 'sign-in-title' }, 'Sign in to billing'),
      h('p', { class: 'lead' }, 'Choose a Northwind Cloud customer to see their invoices and manage their billing.'),
      notice !== undefined ? h('div', { class: 'page-alert' }, alertBox('info', notice)) : null,
      status,
      list,
      h(
        'p',
        { class: 'fineprint' },
        'Demo mode: the gateway signs a one-hour customer token for the customer you choose, and this tab keeps it ' +
          'in session storage. A real app gets that token from its own sign-in.',
      ),
    ),
  );
  void fillCustomerList(list, status, signedIn);
}

function customerSkeleton(): HTMLElement {
  return h(
    'li',
    {},
    h(
      'div',
      { class: 'customer card', attrs: { 'aria-hidden': 'true' } },
      h('span', { class: 'avatar' }),
      h('span', { class: 'who' }, h('span', { class: 'skeleton w-l' }), h('span', { class: 'skeleton w-m' })),
    ),
  );
}

async function fillCustomerList(list: HTMLElement, status: HTMLElement, signedIn: SignedIn): Promise<void> {
  replace(list, customerSkeleton(), customerSkeleton(), customerSkeleton());
  replace(status);
  try {
    const customers = await demoCustomers();
    const buttons: HTMLButtonElement[] = [];
    const items = customers.map((customer) => {
      const note = h('span', { class: 'sub' }, customer.summary);
      const button = h(
        'button',
        {
          class: 'customer',
          attrs: { type: 'button' },
          data: { customerId: customer.id },
          onClick: () => void choose(customer.id, note, buttons, status, signedIn),
        },
        h('span', { class: 'avatar', attrs: { 'aria-hidden': 'true' } }, initials(customer.name)),
        h('span', { class: 'who' }, h('strong', {}, customer.name), h('span', { class: 'sub' }, customer.email ?? 'No email on file'), note),
        h('span', { class: 'chev', attrs: { 'aria-hidden': 'true' } }, '›'),
      );
      buttons.push(button);
      return h('li', {}, button);
    });
    replace(list, ...items);
    if (items.length === 0) replace(status, alertBox('info', 'No demo customers to sign in as.'));
  } catch (error) {
    replace(list);
    replace(
      status,
      alertBox('error', 'Could not load the customers.', describeError(error).message, {
        label: 'Try again',
        run: () => void fillCustomerList(list, status, signedIn),
      }),
    );
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

async function choose(
  customerId: string,
  note: HTMLElement,
  buttons: HTMLButtonElement[],
  status: HTMLElement,
  signedIn: SignedIn,
): Promise<void> {
  for (const button of buttons) button.disabled = true;
  const before = note.textContent;
  note.textContent = 'Signing in…';
  replace(status);
  try {
    const session = await signIn(customerId);
    saveSession(session);
    signedIn(session);
  } catch (error) {
    note.textContent = before;
    for (const button of buttons) button.disabled = false;
    replace(status, alertBox('error', 'Could not sign in.', describeError(error).message));
  }
}
