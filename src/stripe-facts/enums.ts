/**
 * Closed sets of Stripe values that both the gateway (GraphQL enums, input checks) and the local Stripe
 * (parameter validation) rely on, from stripe@23.1.0's types. In `src/stripe-facts/`, which imports nothing of
 * either: one list each, so the two cannot drift apart.
 */
import type Stripe from 'stripe';

/** The 47 locales of the billing portal (`Stripe.BillingPortal.SessionCreateParams.Locale`). */
export const PORTAL_LOCALES = [
  'auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-AU', 'en-CA', 'en-GB', 'en-IE', 'en-IN', 'en-NZ', 'en-SG',
  'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt',
  'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW',
] as const satisfies readonly Stripe.BillingPortal.SessionCreateParams.Locale[];

/** Portal flow types (`flow_data[type]`). */
export const PORTAL_FLOW_TYPES = [
  'customer_update',
  'payment_method_update',
  'subscription_cancel',
  'subscription_pause',
  'subscription_update',
  'subscription_update_confirm',
] as const satisfies readonly Stripe.BillingPortal.SessionCreateParams.FlowData.Type[];

/** Where a portal flow sends the customer when done (`flow_data[after_completion][type]`). */
export const PORTAL_AFTER_COMPLETION_TYPES = ['hosted_confirmation', 'portal_homepage', 'redirect'] as const;
