/**
 * Seeds: `empty` (a new account: only its default portal configuration) and `demo` (fixed ids and data for
 * `npm start`, demos and tests).
 */
import { createDefaultConfiguration } from './resources/portal-configurations.js';
import type { Store } from './store.js';

/** A new Stripe account: nothing but the default billing portal configuration. */
export function seedEmpty(store: Store): void {
  createDefaultConfiguration(store);
}

/** Fixed names of demo objects that tests and docs refer to. */
export const DEMO = {} as const;

export function seedDemo(store: Store): void {
  seedEmpty(store);
}
