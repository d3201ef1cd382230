/**
 * The local Stripe's configuration, and the only reader of `process.env` for it. The local Stripe is a program of
 * its own (`npm run local-stripe`) and imports nothing of the gateway, so it does not share the gateway's
 * `src/config.ts`; it follows the same rules: parse once, at start-up, into a typed object, or fail with one line
 * per problem.
 */

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
  if (problems.length > 0) throw new LocalStripeConfigError(problems);
  return { port, host: env['LOCAL_STRIPE_HOST'] || DEFAULT_HOST };
}
