/**
 * The portal home, per the configuration's `features`: the customer's current plans, the card on file, billing
 * information, invoice history, with the notice of what was just done (Post/Redirect/Get lands here).
 */
import type { PageResponse } from '../../server.js';
import { customerNotices, customerSection, retrieveCustomer } from './customer-details.js';
import { invoicesSection } from './invoices.js';
import { noticeSection } from './layout.js';
import { paymentMethodNotices, paymentMethodSection } from './payment-methods.js';
import { planChangeNotices } from './plan-change.js';
import { screen, type Portal } from './session.js';
import { subscriptionNotices, subscriptionsSection } from './subscriptions.js';

/** Every notice an action may leave, by key: `?notice=` only ever selects one of these, never prints itself. */
const NOTICES: Record<string, string> = {
  ...customerNotices,
  ...paymentMethodNotices,
  ...planChangeNotices,
  ...subscriptionNotices,
};

export function noticeText(key: string | null | undefined): string | undefined {
  return key === null || key === undefined ? undefined : NOTICES[key];
}

export function homeScreen(portal: Portal): PageResponse {
  const customer = retrieveCustomer(portal);
  const notice = noticeText(portal.request.query.get('notice'));
  const body =
    (notice !== undefined ? noticeSection(notice) : '') +
    (customer !== undefined ? subscriptionsSection(portal) : '') +
    paymentMethodSection(portal, customer) +
    customerSection(portal, customer) +
    (portal.features.invoice_history.enabled ? invoicesSection(portal) : '');
  return screen(portal, portal.configuration?.business_profile.headline ?? 'Billing portal', body);
}
