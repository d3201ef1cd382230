/**
 * `createGateway(config, deps)`: the Yoga instance, built but not listening (tests call `yoga.fetch` with no
 * port; `main.ts` puts it on a socket). Expected errors carry a code; everything else is masked.
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type Context, type GatewayDeps } from './context.js';
import { schema } from './graphql/schema.js';

export interface GatewayOptions {
  /** GraphiQL and introspection (off in production unless enabled). */
  graphiql: boolean;
  /** Browser origins allowed by CORS; empty: same-origin only. */
  corsOrigins: readonly string[];
  /** Example operations GraphiQL opens with, and headers it pre-fills (demo mode). */
  graphiqlDefaults?: { query?: string; headers?: Record<string, string> };
}

export type Gateway = YogaServerInstance<Record<string, never>, Context>;

export function createGateway(options: GatewayOptions, deps: GatewayDeps): Gateway {
  return createYoga<Record<string, never>, Context>({
    schema,
    context: ({ request }) => createContext(deps, request),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: true,
    cors:
      options.corsOrigins.length > 0
        ? { origin: [...options.corsOrigins], credentials: true, methods: ['GET', 'POST'] }
        : false,
    graphiql: options.graphiql
      ? {
          title: 'billing-gateway',
          ...(options.graphiqlDefaults?.query !== undefined ? { defaultQuery: options.graphiqlDefaults.query } : {}),
          ...(options.graphiqlDefaults?.headers !== undefined
            ? { headers: JSON.stringify(options.graphiqlDefaults.headers, null, 2) }
            : {}),
        }
      : false,
    healthCheckEndpoint: '/health',
  });
}
