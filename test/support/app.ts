/**
 * `startApp` configured as production runs it. `NODE_ENV=production` refuses demo mode, so the app talks to a local
 * Stripe started beside it on port 0 (plain http to a loopback host, which production allows), with the support's
 * admin key and JWT secret (random enough for production's checks).
 */
import { startApp, type App, type StartOptions } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { ADMIN_KEY, JWT_SECRET } from './gateway.js';

export interface ProductionApp {
  app: App;
  /** The Stripe the app talks to (its request log counts the app's calls). */
  stripe: LocalStripe;
  /** Stops the app, then its Stripe. */
  stop(): Promise<void>;
}

/**
 * `env` over: production, port 0 on 127.0.0.1, the local Stripe, `ADMIN_KEY`, `JWT_SECRET`, silent logs; `options`
 * as `startApp` takes them.
 */
export async function startProductionApp(
  env: Record<string, string> = {},
  options: StartOptions = {},
  /** A local Stripe several apps share (stopped by its owner, not by `stop`); default: one of the app's own. */
  shared?: LocalStripe,
): Promise<ProductionApp> {
  const stripe = shared ?? (await startLocalStripe({ port: 0, seed: 'demo' }));
  const stopStripe = () => (shared === undefined ? stripe.stop() : Promise.resolve());
  try {
    const app = await startApp(
      loadGatewayConfig({
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_API_BASE: stripe.url,
        GATEWAY_API_KEYS: ADMIN_KEY,
        AUTH_JWT_SECRET: JWT_SECRET,
        LOG_LEVEL: 'silent',
        ...env,
      }),
      options,
    );
    return {
      app,
      stripe,
      async stop() {
        await app.stop();
        await stopStripe();
      },
    };
  } catch (error) {
    await stopStripe();
    throw error;
  }
}
