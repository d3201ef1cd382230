/** Every `/v1` route the local Stripe serves, one list per resource module. */
import type { Route } from './api.js';
import { customerRoutes } from './resources/customers.js';

export const routes: readonly Route[] = [...customerRoutes];
