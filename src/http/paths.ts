/** The gateway's public paths (`CONTRACT.md`). */
export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
/** Stripe's webhook deliveries (`src/http/webhooks.ts`). */
export const WEBHOOK_PATH = '/webhooks/stripe';
/** Readiness: 503 while draining or when a configured Redis is unreachable (`src/http/health.ts`). */
export const READY_PATH = '/ready';
