import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node — and so Yoga, Pothos and `tsx` in production —
    // loads the CJS one, while Vite would hand our sources the ESM one: two `GraphQLError` classes, and Yoga would
    // mask every coded error as INTERNAL_SERVER_ERROR in tests only. Resolve both to the file Node uses.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The Stripe SDK prints Stripe-Notice headers as warnings; the local Stripe sends none, but keep CI quiet.
    env: { STRIPE_SUPPRESS_NOTICES: 'true' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
