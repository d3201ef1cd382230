/**
 * The start-up banner `npm start` prints: where the gateway listens, its health, readiness and webhook paths, where
 * Prometheus scrapes its metrics (never the key), the Redis it shares with other replicas (never its password), where
 * traces go (never the OTLP headers), and in demo mode how to call it (the generated admin key and customer token:
 * secrets are only ever printed in demo mode).
 */
import type { App, AppWebhooks } from './app.js';
import { tracingLocation } from './config-tracing.js';
import { HEALTH_PATH, READY_PATH } from './http/paths.js';
import { redisLocation } from './redis/connection.js';

/** `86400` → `24h`, `5400` → `90m`, `45` → `45s`. */
const lifetimeText = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;

/**
 * The banner's example request. It asks for `application/graphql-response+json`, so that the HTTP status is the
 * GraphQL-over-HTTP spec's (401 without credentials, 400 for a bad document) rather than `application/json`'s 200.
 */
function tryIt(graphqlUrl: string, credential: string, query: string): string[] {
  return [
    '  Try:',
    `    curl -s ${graphqlUrl} -H 'content-type: application/json' \\`,
    `      -H 'accept: application/graphql-response+json' \\`,
    `      -H 'authorization: Bearer ${credential}' \\`,
    `      -d '${JSON.stringify({ query })}'`,
  ];
}

const WEBHOOK_SECRETS_NOTE: Record<AppWebhooks['secrets'], string> = {
  configured: 'verified with STRIPE_WEBHOOK_SECRET',
  demo: 'demo: the embedded local Stripe delivers its events here',
  none: 'off: set STRIPE_WEBHOOK_SECRET to accept Stripe deliveries',
};

/** How the logs are set, and how a developer gets the other kind. */
function logsNote(level: string, format: 'json' | 'pretty'): string {
  const how = format === 'json' ? 'JSON lines (LOG_FORMAT=pretty for readable ones' : 'readable lines (LOG_FORMAT=json for log shippers';
  return `LOG_LEVEL=${level}, ${how}; LOG_LEVEL=debug adds every Stripe request)`;
}

/** The start-up banner: where to go, and in demo mode how to call (secrets only ever printed in demo mode). */
export function banner(app: App): string {
  const { config } = app;
  const lines = [
    `billing-gateway listening on ${app.url}`,
    `  GraphQL:        ${app.graphqlUrl}${config.graphiql ? '  (open it in a browser for GraphiQL)' : ''}`,
    `  Health:         ${app.url}${HEALTH_PATH}  (ready: ${app.url}${READY_PATH})`,
    ...(config.replicas.redisUrl !== undefined
      ? [`  Redis:          ${redisLocation(config.replicas.redisUrl)}  (${app.redis?.up === true ? 'connected' : 'unreachable for now: retrying'}; shared by every replica)`]
      : []),
    `  Webhooks:       ${app.webhooks.url}  (${WEBHOOK_SECRETS_NOTE[app.webhooks.secrets]})`,
    ...(app.metricsUrl !== undefined
      ? [`  Metrics:        ${app.metricsUrl}  (Prometheus; ${config.observability.metrics?.key !== undefined ? 'needs Authorization: Bearer <METRICS_KEY>' : 'no key: keep the port private'})`]
      : []),
    ...(config.observability.tracing !== undefined
      ? [`  Traces:         ${tracingLocation(config.observability.tracing)}  (OTLP ${config.observability.tracing.protocol}, service ${config.observability.tracing.serviceName})`]
      : []),
    `  Logs:           ${logsNote(config.logLevel, config.observability.logFormat)}`,
    ...(app.demoPageUrl !== undefined ? [`  Billing page:   ${app.demoPageUrl}  (demo: sign in as a demo customer)`] : []),
  ];
  const demo = app.demo;
  if (demo !== undefined) {
    lines.push(
      `  Stripe:         the embedded local Stripe at ${app.stripeBase} (demo mode: demo data, nothing leaves this machine)`,
      demo.adminKeyGenerated
        ? `  Admin key:      ${demo.adminKey}`
        : '  Admin key:      the first of GATEWAY_API_KEYS (pre-filled in GraphiQL)',
      `  Customer:       ${demo.customerId}${demo.customerName !== null ? ` (${demo.customerName})` : ''}`,
      `  Customer token: ${demo.customerToken}`,
      `                  role CUSTOMER, expires in ${lifetimeText(demo.customerTokenSeconds)}; claim ${config.jwt.customerClaim}`,
      demo.jwtSecret !== undefined
        ? `  JWT secret:     ${demo.jwtSecret}  (HS256; sign tokens for other demo customers with it)`
        : '  JWT secret:     AUTH_JWT_SECRET (as configured)',
      ...(config.graphiql
        ? [
            '',
            '  GraphiQL opens with example operations and the admin key; to act as the customer, set the header',
            '  {"Authorization": "Bearer <customer token>"} and run the Viewer tab.',
          ]
        : []),
      '',
      ...tryIt(app.graphqlUrl, demo.adminKeyGenerated ? demo.adminKey : '<one of GATEWAY_API_KEYS>', '{ customers(first: 3) { edges { node { id name balance { formatted } } } } }'),
    );
  } else {
    const callers = [
      config.apiKeys.length > 0 ? `${config.apiKeys.length} API key(s) (GATEWAY_API_KEYS)` : undefined,
      config.jwt.secret !== undefined ? 'HS256 customer tokens (AUTH_JWT_SECRET)' : undefined,
      config.jwt.jwksUrl !== undefined ? `customer tokens from ${config.jwt.jwksUrl.origin} (AUTH_JWKS_URL)` : undefined,
    ].filter((c) => c !== undefined);
    lines.push(
      `  Stripe:         ${app.stripeBase}`,
      `  Callers:        ${callers.join(', ')}`,
      `  Portal return:  ${config.portalReturnUrl ?? '(none: pass returnUrl)'}; allowed origins: ${config.allowedReturnUrlOrigins.join(', ') || 'none'}`,
      `  Portal:         configuration ${config.portalConfigurationId ?? '(Stripe’s default)'}; on behalf of ${config.portalOnBehalfOf ?? '(none)'}`,
      `  Customer actions: ${config.customerActions.join(', ') || '(none: only admins act)'}`,
      '',
      // GATEWAY_API_KEYS is a list: the placeholder names it, rather than a variable that does not exist.
      ...tryIt(app.graphqlUrl, config.apiKeys.length > 0 ? '<one of GATEWAY_API_KEYS>' : '<a customer token>', '{ viewer { role } }'),
    );
  }
  return lines.join('\n');
}
