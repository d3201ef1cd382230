/**
 * `npm start`: read the configuration (stop with one line per problem), start the gateway (on the embedded local
 * Stripe when no Stripe is configured), print where it is, and shut down cleanly on SIGTERM / SIGINT: not ready at
 * once, still serving for `DRAIN_DELAY_SECONDS` while load balancers notice, then stopped (`App.drain`).
 */
import { banner, startApp } from './app.js';
import { ConfigError, loadGatewayConfig, type GatewayConfig } from './config.js';

function fail(error: unknown): never {
  console.error(error instanceof ConfigError ? error.message : `billing-gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let config: GatewayConfig;
try {
  config = loadGatewayConfig();
} catch (error) {
  fail(error);
}

const app = await startApp(config).catch(fail);
console.log(banner(app));

let stopping = false;
const shutdown = (signal: NodeJS.Signals): void => {
  // Ctrl-C under `npm start` delivers SIGINT twice (the terminal's, and npm's forwarded copy): stop once.
  if (stopping) return;
  stopping = true;
  // Not ready from this very moment (drain's first step), before anything else is said or done.
  const drained = app.drain();
  const delayMs = config.observability.drainDelayMs;
  console.log(
    delayMs > 0
      ? `${signal}: stopping: /ready answers 503 now; still serving for ${delayMs / 1000} s (DRAIN_DELAY_SECONDS), then closing`
      : `${signal}: stopping`,
  );
  // After the drain delay, a stop waits at most 5 s for requests in flight; if something still holds on, do not
  // hang forever.
  setTimeout(() => {
    console.error(`billing-gateway: did not stop within ${(delayMs + 15_000) / 1000} s; exiting`);
    process.exit(1);
  }, delayMs + 15_000).unref();
  drained.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`billing-gateway: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
