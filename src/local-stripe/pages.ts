/**
 * The hosted pages the local Stripe serves beside its API, as Stripe serves them on its own domains:
 * the billing portal a session `url` opens, and an invoice's `hosted_invoice_url` / `invoice_pdf`.
 */
import { invoicePages } from './pages/invoice-page.js';
import { portalPages } from './pages/portal/index.js';
import type { Accounts, PageHandler, PageRequest, PageResponse } from './server.js';

/** One hosted page module: answers for its paths, undefined otherwise. */
export type PageModule = (accounts: Accounts, request: PageRequest, baseUrl: string) => PageResponse | undefined;

const modules: PageModule[] = [portalPages, invoicePages];

export function handlePage(accounts: Accounts, request: PageRequest, baseUrl: () => string): ReturnType<PageHandler> {
  for (const module of modules) {
    const response = module(accounts, request, baseUrl());
    if (response !== undefined) return response;
  }
  return undefined;
}

/** Escapes text for HTML. */
export function html(text: string | number | null | undefined): string {
  return String(text ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
