/**
 * `npm run local-stripe`: the local Stripe on its own, seeded with the demo data, for any Stripe SDK.
 *
 *   npm run local-stripe -- [--port N] [--seed demo|empty] [--latency MS] [--jitter MS]
 *                           [--fault KIND[:PROBABILITY][:PATH]]… [--rate-limit N] [--session-ttl SECONDS]
 *
 * Port and host come from `LOCAL_STRIPE_PORT` / `LOCAL_STRIPE_HOST` (default 127.0.0.1:12111); `--port` wins.
 */
import { parseArgs } from 'node:util';
import { loadLocalStripeConfig, LocalStripeConfigError, parsePort, portProblem } from './config.js';
import { parseFaultRule, type FaultOptions } from './faults.js';
import { startLocalStripe } from './index.js';

const USAGE = `usage: npm run local-stripe -- [--port N] [--seed demo|empty] [--latency MS] [--jitter MS]
                            [--fault KIND[:PROBABILITY][:PATH]]... [--rate-limit PER_SECOND] [--session-ttl SECONDS]
  fault kinds: rate_limit, rate_limit_retry, server_error (500), 502, 503, 504, reset, hang`;

function number(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got '${raw}'`);
  return value;
}

/** `--port`: the same rule as `LOCAL_STRIPE_PORT` (a whole number 0–65535), so that `--port 1.5` is refused too. */
function portFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = parsePort(raw);
  if (value === undefined) throw new Error(portProblem('--port', raw));
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string', default: 'demo' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      fault: { type: 'string', multiple: true },
      'rate-limit': { type: 'string' },
      'session-ttl': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const config = loadLocalStripeConfig();
  if (values.seed !== 'demo' && values.seed !== 'empty') throw new Error(`--seed must be demo or empty, got '${values.seed}'`);
  const faults: FaultOptions = {
    latencyMs: number('latency', values.latency) ?? 0,
    jitterMs: number('jitter', values.jitter) ?? 0,
    rules: (values.fault ?? []).map(parseFaultRule),
  };
  const rateLimit = number('rate-limit', values['rate-limit']);
  const sessionTtl = number('session-ttl', values['session-ttl']);
  const local = await startLocalStripe({
    port: portFlag(values.port) ?? config.port,
    host: config.host,
    seed: values.seed,
    faults,
    ...(rateLimit !== undefined ? { rateLimitPerSecond: rateLimit } : {}),
    ...(sessionTtl !== undefined ? { sessionTtlMs: sessionTtl * 1000 } : {}),
  });
  console.log(`Local Stripe listening on ${local.url} (seed: ${values.seed})`);
  console.log(`  use it:   new Stripe('${local.secretKey}', { host: '${local.host}', port: ${local.port}, protocol: 'http' })`);
  console.log(`  or curl:  curl ${local.url}/v1/customers -u ${local.secretKey}:`);
  console.log(`  control:  ${local.url}/_local/requests, PUT ${local.url}/_local/faults, POST ${local.url}/_local/reset`);
  if (faults.latencyMs || faults.jitterMs || faults.rules?.length) {
    console.log(`  faults:   ${JSON.stringify(faults)}`);
  }
  const shutdown = (): void => {
    local.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof LocalStripeConfigError) console.error(error.message);
  else console.error(`local-stripe: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(1);
});
