/** Every `/v1` route the local Stripe serves, one list per resource module. */
import type { Route } from './api.js';
import { customerRoutes } from './resources/customers.js';
import { eventRoutes } from './resources/events.js';
import { invoiceItemRoutes } from './resources/invoice-items.js';
import { invoiceRoutes } from './resources/invoices.js';
import { paymentMethodRoutes } from './resources/payment-methods.js';
import { portalConfigurationRoutes } from './resources/portal-configurations.js';
import { portalSessionRoutes } from './resources/portal-sessions.js';
import { priceRoutes } from './resources/prices.js';
import { productRoutes } from './resources/products.js';
import { previewRoutes } from './resources/subscription-preview.js';
import { subscriptionRoutes } from './resources/subscriptions.js';
import { webhookEndpointRoutes } from './resources/webhook-endpoints.js';

export const routes: readonly Route[] = [
  ...customerRoutes,
  ...invoiceRoutes,
  ...invoiceItemRoutes,
  ...paymentMethodRoutes,
  ...portalConfigurationRoutes,
  ...portalSessionRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...subscriptionRoutes,
  ...previewRoutes,
  ...eventRoutes,
  ...webhookEndpointRoutes,
];
