import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Stripe SDK prints Stripe-Notice headers as warnings; the local Stripe sends none, but keep CI quiet.
    env: { STRIPE_SUPPRESS_NOTICES: 'true' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
