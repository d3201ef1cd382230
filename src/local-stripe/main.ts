/**
 * `npm run local-stripe`: the local Stripe on its own, seeded with the demo data, for any Stripe SDK.
 *
 *   npm run local-stripe -- [--port N] [--seed demo|empty] [--latency MS] [--jitter MS]
 *                           [--fault KIND[:PROBABILITY][:PATH]]… [--rate-limit N] [--read-limit N]
 *                           [--write-limit N] [--search-limit N] [--session-ttl SECONDS]
 *                           [--forward-to URL [--forward-secret whsec_…]]
 *
 * Port and host come from `LOCAL_STRIPE_PORT` / `LOCAL_STRIPE_HOST` (default 127.0.0.1:12111); `--port` wins.
 * `--forward-to` (or `LOCAL_STRIPE_WEBHOOK_URL`) forwards every event to that URL, signed with `--forward-secret`
 * (or `LOCAL_STRIPE_WEBHOOK_SECRET`), like `stripe listen --forward-to`; without a secret one is generated and
 * printed, as the Stripe CLI prints "Your webhook signing secret is …". A secret that was given is never printed.
 */
import { parseArgs } from 'node:util';
import {
  isHttpUrl,
  loadLocalStripeConfig,
  LocalStripeConfigError,
  parsePort,
  portProblem,
  webhookSecretProblem,
  type LocalStripeConfig,
} from './config.js';
import type { ForwardTarget } from './events/deliveries.js';
import { parseFaultRule, type FaultOptions } from './faults.js';
import { startLocalStripe } from './index.js';

const USAGE = `usage: npm run local-stripe -- [--port N] [--seed demo|empty] [--latency MS] [--jitter MS]
                            [--fault KIND[:PROBABILITY][:PATH]]... [--rate-limit PER_SECOND] [--read-limit PER_SECOND]
                            [--write-limit PER_SECOND] [--search-limit PER_SECOND] [--session-ttl SECONDS]
                            [--forward-to URL [--forward-secret whsec_...]]
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

/** `--forward-to` / `--forward-secret` over `LOCAL_STRIPE_WEBHOOK_URL` / `LOCAL_STRIPE_WEBHOOK_SECRET`. */
function forwarding(config: LocalStripeConfig, url: string | undefined, secret: string | undefined): ForwardTarget | undefined {
  if (url !== undefined && !isHttpUrl(url)) throw new Error(`--forward-to must be an http or https URL, got '${url}'`);
  if (secret !== undefined) {
    const problem = webhookSecretProblem('--forward-secret', secret);
    if (problem !== undefined) throw new Error(problem);
    if (url === undefined && config.forwardWebhooks === undefined) throw new Error('--forward-secret needs --forward-to URL');
  }
  const target = url !== undefined ? { url, secret: config.forwardWebhooks?.secret } : config.forwardWebhooks;
  if (target === undefined) return undefined;
  return secret !== undefined ? { ...target, secret } : target;
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
      'read-limit': { type: 'string' },
      'write-limit': { type: 'string' },
      'search-limit': { type: 'string' },
      'session-ttl': { type: 'string' },
      'forward-to': { type: 'string' },
      'forward-secret': { type: 'string' },
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
  // Stripe's separate limits (test mode: 25 reads, 25 writes, 20 searches a second); --rate-limit is all together.
  const separate = {
    readsPerSecond: number('read-limit', values['read-limit']),
    writesPerSecond: number('write-limit', values['write-limit']),
    searchesPerSecond: number('search-limit', values['search-limit']),
  };
  const limits = Object.fromEntries(Object.entries(separate).filter(([, value]) => value !== undefined));
  const sessionTtl = number('session-ttl', values['session-ttl']);
  const forward = forwarding(config, values['forward-to'], values['forward-secret']);
  const local = await startLocalStripe({
    port: portFlag(values.port) ?? config.port,
    host: config.host,
    seed: values.seed,
    faults,
    ...(rateLimit !== undefined ? { rateLimitPerSecond: rateLimit } : {}),
    ...(Object.keys(limits).length > 0 ? { rateLimit: limits } : {}),
    ...(sessionTtl !== undefined ? { sessionTtlMs: sessionTtl * 1000 } : {}),
    ...(forward !== undefined ? { forwardWebhooks: forward } : {}),
  });
  console.log(`Local Stripe listening on ${local.url} (seed: ${values.seed})`);
  console.log(`  use it:   new Stripe('${local.secretKey}', { host: '${local.host}', port: ${local.port}, protocol: 'http' })`);
  console.log(`  or curl:  curl ${local.url}/v1/customers -u ${local.secretKey}:`);
  console.log(`  control:  ${local.url}/_local/requests, PUT ${local.url}/_local/faults, POST ${local.url}/_local/reset`);
  const forwarded = local.webhooks.forwarding;
  if (forwarded !== undefined) {
    console.log(`  webhooks: forwarding every event to ${forwarded.url} (deliveries: GET ${local.url}/_local/webhooks/deliveries)`);
    console.log(
      forward?.secret === undefined
        ? `  Your webhook signing secret is ${forwarded.secret}`
        : '  Your webhook signing secret is the one you gave (not printed)',
    );
  }
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
