/**
 * The local Stripe's configuration, and the only reader of `process.env` for it. The local Stripe is a program of
 * its own (`npm run local-stripe`) and imports nothing of the gateway, so it does not share the gateway's
 * `src/config.ts`; it follows the same rules: parse once, at start-up, into a typed object, or fail with one line
 * per problem.
 */
import { isWebhookSecret } from './events/signature.js';

export class LocalStripeConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'LocalStripeConfigError';
  }
}

export interface LocalStripeConfig {
  /** `LOCAL_STRIPE_PORT`, default 12111 (stripe-mock's port, so SDK examples work unchanged). */
  port: number;
  /** `LOCAL_STRIPE_HOST`, default 127.0.0.1. */
  host: string;
  /**
   * `LOCAL_STRIPE_WEBHOOK_URL` (and `LOCAL_STRIPE_WEBHOOK_SECRET`, a `whsec_…`): forward every event there, signed
   * with that secret (generated when unset). Undefined when no URL is set.
   */
  forwardWebhooks?: { url: string; secret?: string };
}

export const DEFAULT_PORT = 12111;
export const DEFAULT_HOST = '127.0.0.1';

type Env = Readonly<Record<string, string | undefined>>;

/** A TCP port (0 = any free one) written as a whole number, or undefined. Shared by the variable and `--port`. */
export function parsePort(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw.trim())) return undefined;
  const value = Number(raw);
  return value <= 65535 ? value : undefined;
}

export function portProblem(name: string, raw: string): string {
  return `${name} must be a port number between 0 and 65535, got '${raw}'`;
}

/** Whether `raw` is an absolute http or https URL (the forwarding URL's rule, for the variable and `--forward-to`). */
export function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The problem with a forwarding secret, if any; never quotes the value (it is a secret). */
export function webhookSecretProblem(name: string, raw: string): string | undefined {
  return isWebhookSecret(raw) ? undefined : `${name} must be a webhook signing secret starting with whsec_`;
}

/** Configuration of `npm run local-stripe`; unset and empty variables take the defaults. */
export function loadLocalStripeConfig(env: Env = process.env): LocalStripeConfig {
  const problems: string[] = [];
  const rawPort = env['LOCAL_STRIPE_PORT'] ?? '';
  let port = DEFAULT_PORT;
  if (rawPort !== '') {
    const parsed = parsePort(rawPort);
    if (parsed === undefined) problems.push(portProblem('LOCAL_STRIPE_PORT', rawPort));
    else port = parsed;
  }
  const url = env['LOCAL_STRIPE_WEBHOOK_URL'] ?? '';
  const secret = env['LOCAL_STRIPE_WEBHOOK_SECRET'] ?? '';
  if (url !== '' && !isHttpUrl(url)) problems.push(`LOCAL_STRIPE_WEBHOOK_URL must be an http or https URL, got '${url}'`);
  if (secret !== '') {
    const problem = webhookSecretProblem('LOCAL_STRIPE_WEBHOOK_SECRET', secret);
    if (problem !== undefined) problems.push(problem);
    if (url === '') problems.push('LOCAL_STRIPE_WEBHOOK_SECRET is set but LOCAL_STRIPE_WEBHOOK_URL is not: set the URL to forward events to');
  }
  if (problems.length > 0) throw new LocalStripeConfigError(problems);
  const config: LocalStripeConfig = { port, host: env['LOCAL_STRIPE_HOST'] || DEFAULT_HOST };
  if (url !== '') config.forwardWebhooks = secret === '' ? { url } : { url, secret };
  return config;
}
