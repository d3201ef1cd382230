/**
 * Test helpers: a local Stripe on port 0 and a real `stripe` SDK client pointed at it.
 */
import Stripe from 'stripe';
import { startLocalStripe, type LocalStripe, type LocalStripeOptions } from '../../src/local-stripe/index.js';

export interface Harness {
  local: LocalStripe;
  stripe: Stripe;
  /** A client with other options (another key, retries, timeout, account). */
  client(config?: Partial<Stripe.StripeConfig>, key?: string): Stripe;
}

export async function startHarness(options: LocalStripeOptions = {}): Promise<Harness> {
  const local = await startLocalStripe({ port: 0, ...options });
  const client = (config: Partial<Stripe.StripeConfig> = {}, key = local.secretKey) =>
    new Stripe(key, { ...local.stripeConfig, maxNetworkRetries: 0, telemetry: false, ...config });
  return { local, stripe: client(), client };
}

/** The Stripe error a call throws (fails the test if it resolves). */
export async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the Stripe call to fail, but it succeeded');
}
