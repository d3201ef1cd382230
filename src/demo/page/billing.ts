/**
 * The billing page: the signed-in customer's plans, card on file and next invoice, their summary, their invoices a
 * page at a time (answers to a superseded request dropped), and the button that opens the billing portal. A token
 * the gateway no longer accepts signs out. Every answer re-renders all of it, so whatever the customer changed in
 * the portal shows as soon as the page has data again (a return link reloads it; `refresh` for the Back button).
 *
 * Live: while shown, the page subscribes to its customer's invoice, plan and account changes (`live.ts`), and each
 * payload updates what it shows in place (`live-state.ts`), without a reload — an invoice paid on the hosted page, a
 * plan canceled in the portal in another tab. A payload that arrives while a load is under way loads once more after
 * it (the answer under way may predate the change). `#live[data-state=connecting|live|off]` says
 * whether the streams are open.
 */
import { billingApi, describeError, overviewOf, PageError, type BillingCustomer, type InvoicePage, type OptionalPart, type PageRequest } from './api.js';
import { cardSection, cardSkeleton } from './card-section.js';
import { h, replace, safeHttpUrl } from './dom.js';
import { invoiceRow, invoiceTable, skeletonRow, summary, summarySkeleton } from './invoice-table.js';
import { planSection, planSkeleton } from './plan-section.js';
import { upcomingSection, upcomingSkeleton } from './upcoming-section.js';
import { startLiveUpdates, type LiveState, type LiveUpdate } from './live.js';
import type { LiveOutcome, ShownBilling } from './live-state.js';
import { loadSession, type Session } from './session.js';
import { account, alertBox, app, svgIcon, unavailableSection } from './widgets.js';

/** Invoices per page: small enough that the demo customers' histories span a few pages. */
const PAGE_SIZE = 5;
/** Where the billing portal sends the customer back to: this page. */
const PAGE_PATH = '/demo';

/** Back to signing in, with a notice saying why (or none, when the customer signed out). */
export type SignOut = (notice?: string) => void;

/** What the shown billing page offers its surroundings: load its data again (page 1), as after a return from the portal. */
export interface BillingView {
  refresh(): void;
  /** Closes the live streams (on sign-out). */
  close(): void;
}

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  off: 'Not updating: reload the page',
};

export function showBilling(session: Session, signOut: SignOut): BillingView {
  document.title = 'Billing · Northwind Cloud';
  const api = billingApi(() => loadSession()?.token);

  replace(
    account,
    h('span', {}, 'Signed in as ', h('strong', { id: 'signed-in-as' }, session.customer.name)),
    h('button', { class: 'link', id: 'sign-out', attrs: { type: 'button' }, onClick: () => signOut() }, 'Sign out'),
  );
  account.hidden = false;

  const manage = h('button', { class: 'primary', id: 'manage-billing', attrs: { type: 'button' } }, 'Manage billing');
  const liveBadge = h('span', { class: 'live', id: 'live', data: { state: 'connecting' }, attrs: { role: 'status', title: 'Changes show here as they happen' } }, LIVE_TEXT.connecting);
  const pageAlert = h('div', { id: 'page-alert' });
  const subtitle = h('p', { class: 'muted', id: 'customer-line' }, `Invoices and billing details for ${session.customer.name}`);
  const summaryCard = h('section', { class: 'card summary', id: 'summary', attrs: { 'aria-label': 'Account summary' } }, ...summarySkeleton());
  const planCard = h('section', { class: 'card plan-card', id: 'plan', attrs: { 'aria-labelledby': 'plan-title' } }, ...planSkeleton());
  const cardPanel = h('section', { class: 'card', id: 'card-on-file', attrs: { 'aria-labelledby': 'card-title' } }, ...cardSkeleton());
  const upcomingPanel = h('section', { class: 'card', id: 'upcoming', attrs: { 'aria-labelledby': 'upcoming-title' } }, ...upcomingSkeleton());
  // One state for the plan, card and next invoice, as they arrive together: `#overview[data-state=loading|ready|error]`.
  const overview = h('div', { id: 'overview', data: { state: 'loading' } }, planCard, h('div', { class: 'overview' }, cardPanel, upcomingPanel), summaryCard);

  const tbody = h('tbody');
  const table = invoiceTable(tbody);
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
      h('div', { class: 'head-actions' }, liveBadge, manage),
    ),
    pageAlert,
    overview,
    invoicesCard,
  );

  let pageNumber = 1;
  let current: InvoicePage | undefined;
  /** What the page shows, for live payloads to update (undefined until the first answer). */
  let shown: ShownBilling | undefined;
  /** Answers to earlier requests are dropped once a newer one is under way. */
  let latest = 0;
  /** A load is under way; a live payload meanwhile makes the page load once more after it. */
  let loading = false;
  let changedWhileLoading = false;

  const setState = (state: 'loading' | 'ready' | 'empty' | 'error') => {
    invoicesCard.dataset['state'] = state;
    invoicesCard.setAttribute('aria-busy', String(state === 'loading'));
  };

  const renderPage = (customer: BillingCustomer, unavailable: ReadonlySet<OptionalPart>) => {
    const page = customer.invoices;
    current = page;
    shown = { customer, unavailable };
    const parts = overviewOf(customer, unavailable);
    replace(planCard, ...planSection(parts.subscriptions));
    replace(cardPanel, ...(parts.unavailable.has('defaultPaymentMethod') ? unavailableSection('card', 'Payment method') : cardSection(parts.defaultPaymentMethod)));
    replace(upcomingPanel, ...(parts.unavailable.has('upcomingInvoice') ? unavailableSection('upcoming', 'Next invoice') : upcomingSection(parts.upcomingInvoice)));
    replace(summaryCard, ...summary(customer));
    overview.hidden = false;
    overview.dataset['state'] = 'ready';
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
    loading = true;
    changedWhileLoading = false;
    setState('loading');
    overview.dataset['state'] = 'loading';
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
      renderPage(viewer.customer, viewer.unavailable);
      loading = false;
      if (changedWhileLoading) void load(request, target);
    } catch (error) {
      if (mine !== latest) return;
      loading = false;
      const problem = describeError(error);
      if (problem.code === 'UNAUTHENTICATED') return signOut(problem.message);
      table.classList.remove('is-loading');
      if (current === undefined) {
        tableWrap.hidden = true;
        pager.hidden = true;
        // Nothing to show yet: no placeholders that never fill; "Try again" below loads it all.
        overview.hidden = true;
        overview.dataset['state'] = 'error';
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
  const firstPage = () => void load({ first: PAGE_SIZE }, 1);

  /** A live payload: applied to what is shown, or (during a load) remembered for one more load after it. */
  const onLive = (update: LiveUpdate) => {
    if (loading || shown === undefined) {
      changedWhileLoading = true;
      return;
    }
    const outcome: LiveOutcome = update(shown);
    if (outcome.changed) renderPage(outcome.shown.customer, outcome.shown.unavailable);
    if (outcome.reload && pageNumber === 1) firstPage();
  };
  const live = startLiveUpdates(api.client, {
    update: onLive,
    state: (state) => {
      liveBadge.dataset['state'] = state;
      liveBadge.textContent = LIVE_TEXT[state];
    },
    signedOut: (message) => signOut(message),
  });

  firstPage();
  return {
    refresh: () => {
      manage.disabled = false;
      manage.textContent = 'Manage billing';
      replace(pageAlert);
      firstPage();
    },
    close: () => live.stop(),
  };
}
