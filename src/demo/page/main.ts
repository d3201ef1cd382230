/**
 * The demo billing page, in the browser: sign in as a demo customer, see that customer's invoices a page at a
 * time, and open the billing portal. Plain DOM, no framework; bundled by `src/demo/bundle.ts`.
 *
 * Every value from the server reaches the page as text (`dom.ts`): no `innerHTML`, and links only to http(s).
 * Hooks for tests and assistive technology: `#invoices[data-state=loading|ready|empty|error][data-page=N]`,
 * `tr[data-invoice-id]`, `#prev-page`, `#next-page`, `#manage-billing`, `#sign-out`, `[data-customer-id]`.
 */
import {
  billingApi,
  demoCustomers,
  describeError,
  PageError,
  signIn,
  type BillingCustomer,
  type Invoice,
  type InvoicePage,
  type PageRequest,
} from './api.js';
import { externalLink, h, replace, safeHttpUrl, type Child } from './dom.js';
import { describeBalance, formatDate, initials, statusClass, statusLabel } from './format.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';

/** Invoices per page: small enough that the demo customers' histories span a few pages. */
const PAGE_SIZE = 5;
/** Where the billing portal sends the customer back to: this page. */
const PAGE_PATH = '/demo';

const app = document.getElementById('app') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;

function alertBox(kind: 'error' | 'info', title: string, detail?: string, action?: { label: string; run: () => void }): HTMLElement {
  return h(
    'div',
    { class: `alert ${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
    h('div', { class: 'text' }, h('strong', {}, title), detail),
    action !== undefined ? h('button', { attrs: { type: 'button' }, onClick: action.run }, action.label) : null,
  );
}

function svgIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '24');
  svg.setAttribute('height', '24');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.8');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.setAttribute('aria-hidden', 'true');
  for (const d of ['M6 2h9l5 5v15H6z', 'M14 2v6h6', 'M9 13h6', 'M9 17h4']) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

// ---------------------------------------------------------------------------------------------------------------
// Signing in

function showSignIn(notice?: string): void {
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
  void fillCustomerList(list, status);
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

async function fillCustomerList(list: HTMLElement, status: HTMLElement): Promise<void> {
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
          onClick: () => void choose(customer.id, note, buttons, status),
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
        run: () => void fillCustomerList(list, status),
      }),
    );
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

async function choose(customerId: string, note: HTMLElement, buttons: HTMLButtonElement[], status: HTMLElement): Promise<void> {
  for (const button of buttons) button.disabled = true;
  const before = note.textContent;
  note.textContent = 'Signing in…';
  replace(status);
  try {
    const session = await signIn(customerId);
    saveSession(session);
    showBilling(session);
  } catch (error) {
    note.textContent = before;
    for (const button of buttons) button.disabled = false;
    replace(status, alertBox('error', 'Could not sign in.', describeError(error).message));
  }
}

function signOut(notice?: string): void {
  clearSession();
  showSignIn(notice);
}

// ---------------------------------------------------------------------------------------------------------------
// The billing page

function stat(label: string, value: Child, note?: string, id?: string): HTMLElement {
  return h(
    'div',
    { class: 'stat', ...(id !== undefined ? { id } : {}) },
    h('span', { class: 'label' }, label),
    value,
    note !== undefined ? h('span', { class: 'note' }, note) : null,
  );
}

function summary(customer: BillingCustomer): HTMLElement[] {
  const balance = describeBalance(customer.balance);
  return [
    stat('Account balance', h('span', { class: 'value' }, balance.value), balance.note, 'balance'),
    stat(
      'Billing contact',
      h('span', { class: 'value small' }, customer.name ?? 'Customer'),
      customer.email ?? 'No email on file',
      'contact',
    ),
  ];
}

function summarySkeleton(): HTMLElement[] {
  const placeholder = () =>
    h('div', { class: 'stat' }, h('span', { class: 'skeleton w-m' }), h('span', { class: 'label' }, ' '), h('span', { class: 'skeleton w-l' }));
  return [placeholder(), placeholder()];
}

function paymentCell(invoice: Invoice): Child {
  if (invoice.status === 'PAID') {
    const paid = formatDate(invoice.paidAt);
    return paid !== undefined ? `Paid ${paid}` : 'Paid';
  }
  if (invoice.status === 'OPEN' || invoice.status === 'UNCOLLECTIBLE') {
    const due = formatDate(invoice.dueDate);
    return due !== undefined ? `Due ${due}` : 'Awaiting payment';
  }
  return h('span', { class: 'muted' }, '—');
}

function invoiceRow(invoice: Invoice): HTMLElement {
  const owing =
    (invoice.status === 'OPEN' || invoice.status === 'UNCOLLECTIBLE') &&
    invoice.amountRemaining.amount > 0 &&
    invoice.amountRemaining.amount !== invoice.total.amount;
  return h(
    'tr',
    { data: { invoiceId: invoice.id } },
    h('td', { class: 'nowrap' }, formatDate(invoice.createdAt) ?? '—'),
    // A draft has no number until it is finalized (and sent): it is the customer's upcoming invoice.
    h('td', {}, invoice.number !== null ? h('span', { class: 'invoice-number' }, invoice.number) : h('span', { class: 'invoice-number pending' }, 'Not yet issued')),
    h('td', {}, h('span', { class: statusClass(invoice.status), data: { status: invoice.status ?? 'UNKNOWN' } }, statusLabel(invoice.status))),
    h('td', { class: 'nowrap col-due' }, paymentCell(invoice)),
    h(
      'td',
      { class: 'num' },
      h('span', { class: 'amount' }, invoice.total.formatted),
      owing ? h('span', { class: 'sub' }, `${invoice.amountRemaining.formatted} due`) : null,
    ),
    h(
      'td',
      { class: 'links' },
      externalLink('View', invoice.hostedInvoiceUrl, { class: 'invoice-link', attrs: { 'aria-label': `View invoice ${invoice.number ?? invoice.id}` } }),
      externalLink('PDF', invoice.invoicePdf, { class: 'pdf-link', attrs: { 'aria-label': `Download invoice ${invoice.number ?? invoice.id} as PDF` } }),
    ),
  );
}

function skeletonRow(): HTMLElement {
  const cell = (size: string, cls = '') => h('td', { class: cls }, h('span', { class: `skeleton ${size}` }));
  return h(
    'tr',
    { attrs: { 'aria-hidden': 'true' } },
    cell('w-m'),
    cell('w-l'),
    cell('w-s'),
    cell('w-m', 'col-due'),
    cell('w-s', 'num'),
    cell('w-s', 'links'),
  );
}

function showBilling(session: Session): void {
  document.title = 'Billing · Northwind Cloud';
  const api = billingApi(() => loadSession()?.token);

  replace(
    account,
    h('span', {}, 'Signed in as ', h('strong', { id: 'signed-in-as' }, session.customer.name)),
    h('button', { class: 'link', id: 'sign-out', attrs: { type: 'button' }, onClick: () => signOut() }, 'Sign out'),
  );
  account.hidden = false;

  const manage = h('button', { class: 'primary', id: 'manage-billing', attrs: { type: 'button' } }, 'Manage billing');
  const pageAlert = h('div', { id: 'page-alert' });
  const subtitle = h('p', { class: 'muted', id: 'customer-line' }, `Invoices and billing details for ${session.customer.name}`);
  const summaryCard = h('section', { class: 'card summary', id: 'summary', attrs: { 'aria-label': 'Account summary' } }, ...summarySkeleton());

  const tbody = h('tbody');
  const table = h(
    'table',
    {},
    h('caption', { class: 'sr-only' }, 'Invoices, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { attrs: { scope: 'col' } }, 'Date'),
        h('th', { attrs: { scope: 'col' } }, 'Invoice'),
        h('th', { attrs: { scope: 'col' } }, 'Status'),
        h('th', { class: 'col-due', attrs: { scope: 'col' } }, 'Payment'),
        h('th', { class: 'num', attrs: { scope: 'col' } }, 'Amount'),
        h('th', { class: 'links', attrs: { scope: 'col' } }, h('span', { class: 'sr-only' }, 'Documents')),
      ),
    ),
    tbody,
  );
  const tableWrap = h('div', { class: 'table-wrap' }, table);
  const listAlert = h('div', { id: 'invoices-alert' });
  const where = h('span', { class: 'where', id: 'page-label', attrs: { 'aria-live': 'polite' } });
  const prev = h('button', { id: 'prev-page', attrs: { type: 'button' }, disabled: true }, '← Previous');
  const next = h('button', { id: 'next-page', attrs: { type: 'button' }, disabled: true }, 'Next →');
  const pager = h('div', { class: 'pager', attrs: { role: 'navigation', 'aria-label': 'Invoice pages' } }, prev, where, next);
  const invoicesCard = h(
    'section',
    { class: 'card', id: 'invoices', attrs: { 'aria-labelledby': 'invoices-title' }, data: { state: 'loading', page: '1' } },
    h('div', { class: 'card-head' }, h('h2', { id: 'invoices-title' }, 'Invoice history'), h('span', { class: 'muted' }, 'Newest first')),
    listAlert,
    tableWrap,
    pager,
  );

  replace(
    app,
    h(
      'div',
      { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Billing'), subtitle),
      manage,
    ),
    pageAlert,
    summaryCard,
    invoicesCard,
  );

  let pageNumber = 1;
  let current: InvoicePage | undefined;
  /** Answers to earlier requests are dropped once a newer one is under way. */
  let latest = 0;

  const setState = (state: 'loading' | 'ready' | 'empty' | 'error') => {
    invoicesCard.dataset['state'] = state;
    invoicesCard.setAttribute('aria-busy', String(state === 'loading'));
  };

  const renderPage = (customer: BillingCustomer) => {
    const page = customer.invoices;
    current = page;
    replace(summaryCard, ...summary(customer));
    subtitle.textContent = customer.email !== null ? `${customer.name ?? 'Customer'} · ${customer.email}` : (customer.name ?? 'Customer');
    table.classList.remove('is-loading');
    replace(listAlert);
    if (!page.pageInfo.hasPreviousPage) pageNumber = 1;
    invoicesCard.dataset['page'] = String(pageNumber);
    if (page.edges.length === 0 && pageNumber === 1) {
      tableWrap.hidden = true;
      pager.hidden = true;
      replace(
        listAlert,
        h(
          'div',
          { class: 'empty', id: 'no-invoices' },
          h('div', { class: 'icon' }, svgIcon()),
          h('h3', {}, 'No invoices yet'),
          h('p', {}, 'Invoices appear here as soon as you are billed.'),
        ),
      );
      setState('empty');
      return;
    }
    tableWrap.hidden = false;
    pager.hidden = !page.pageInfo.hasNextPage && !page.pageInfo.hasPreviousPage;
    replace(tbody, ...page.edges.map((edge) => invoiceRow(edge.node)));
    where.textContent = `Page ${pageNumber}`;
    prev.disabled = !page.pageInfo.hasPreviousPage;
    next.disabled = !page.pageInfo.hasNextPage;
    setState('ready');
  };

  const load = async (request: PageRequest, target: number) => {
    const mine = ++latest;
    setState('loading');
    prev.disabled = true;
    next.disabled = true;
    replace(listAlert);
    if (current === undefined) {
      tableWrap.hidden = false;
      pager.hidden = true;
      replace(tbody, ...Array.from({ length: PAGE_SIZE }, skeletonRow));
    } else {
      table.classList.add('is-loading');
    }
    try {
      const viewer = await api.billingPage(request);
      if (mine !== latest) return;
      if (viewer.customer === null) throw new PageError('This page is for customers. Sign in as a customer to see invoices.');
      pageNumber = target;
      renderPage(viewer.customer);
    } catch (error) {
      if (mine !== latest) return;
      const problem = describeError(error);
      if (problem.code === 'UNAUTHENTICATED') return signOut(problem.message);
      table.classList.remove('is-loading');
      if (current === undefined) {
        tableWrap.hidden = true;
        pager.hidden = true;
      } else {
        prev.disabled = !current.pageInfo.hasPreviousPage;
        next.disabled = !current.pageInfo.hasNextPage;
      }
      replace(
        listAlert,
        alertBox('error', 'Your invoices could not be loaded.', problem.message, {
          label: 'Try again',
          run: () => void load(request, target),
        }),
      );
      setState('error');
    }
  };

  next.addEventListener('click', () => {
    const cursor = current?.pageInfo.endCursor;
    if (cursor) void load({ first: PAGE_SIZE, after: cursor }, pageNumber + 1);
  });
  prev.addEventListener('click', () => {
    const cursor = current?.pageInfo.startCursor;
    if (cursor) void load({ last: PAGE_SIZE, before: cursor }, Math.max(1, pageNumber - 1));
  });

  manage.addEventListener('click', () => {
    manage.disabled = true;
    manage.textContent = 'Opening portal…';
    replace(pageAlert);
    void (async () => {
      try {
        const url = safeHttpUrl(await api.portalUrl(new URL(PAGE_PATH, location.origin).href));
        if (url === undefined) throw new PageError('The billing portal could not be opened.');
        // The button stays disabled while the browser leaves (see `pageshow` below for a return through Back).
        location.assign(url);
      } catch (error) {
        const problem = describeError(error);
        if (problem.code === 'UNAUTHENTICATED') return signOut(problem.message);
        manage.disabled = false;
        manage.textContent = 'Manage billing';
        replace(pageAlert, h('div', { class: 'page-alert' }, alertBox('error', 'The billing portal could not be opened.', problem.message)));
      }
    })();
  });
  void load({ first: PAGE_SIZE }, 1);
}

// ---------------------------------------------------------------------------------------------------------------

function start(): void {
  const session = loadSession();
  if (session !== undefined) showBilling(session);
  else showSignIn();
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
