/**
 * The only reader of `process.env`. Each entry point parses what it needs once, at start-up, and gets a typed
 * object back — or every problem at once, so a misconfigured process stops with one line per problem.
 */

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function port(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    problems.push(`${name} must be a port number between 0 and 65535, got '${raw}'`);
    return fallback;
  }
  return value;
}

export interface LocalStripeConfig {
  /** `LOCAL_STRIPE_PORT`, default 12111 (stripe-mock's port, so SDK examples work unchanged). */
  port: number;
  /** `LOCAL_STRIPE_HOST`, default 127.0.0.1. */
  host: string;
}

/** Configuration of `npm run local-stripe`. */
export function loadLocalStripeConfig(env: Env = process.env): LocalStripeConfig {
  const problems: string[] = [];
  const config: LocalStripeConfig = {
    port: port(env, 'LOCAL_STRIPE_PORT', 12111, problems),
    host: env['LOCAL_STRIPE_HOST'] || '127.0.0.1',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
