/**
 * How the gateway's settings are read and judged, one variable at a time, from the environment object
 * `src/config.ts` hands over (only that module reads `process.env`): whole numbers, ports, flags, lists, URLs,
 * origins, Stripe ids, each adding a one-line problem when it is wrong; and what production refuses to start with.
 */
import { CUSTOMER_ACTIONS, isCustomerAction, type CustomerAction } from './auth/actions.js';
import { MAKE_A_SECRET, MIN_SECRET_BITS, strongEnough } from './auth/secret-strength.js';
import { stripeId } from './stripe/ids.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function port(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    problems.push(`${name} must be a port number between 0 and 65535, got '${raw}'`);
    return fallback;
  }
  return value;
}

/** A whole number ≥ `min`; unset or empty: `fallback`. */
export function count(env: Env, name: string, fallback: number, problems: string[], min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    problems.push(`${name} must be a whole number${min > 0 ? ` of at least ${min}` : ' (0 or more)'}, got '${raw}'`);
    return fallback;
  }
  return value;
}

/** `true` or `false`; unset or empty: `fallback`. */
export function flag(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  problems.push(`${name} must be true or false, got '${raw}'`);
  return fallback;
}

export function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function url(env: Env, name: string, problems: string[]): URL | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    return parsed;
  } catch {
    problems.push(`${name} must be an http(s) URL, got '${raw}'`);
    return undefined;
  }
}

/** A Stripe id with this prefix (`bpc` → `bpc_…`); unset or empty: undefined. */
export function stripeIdOf(env: Env, name: string, prefix: string, what: string, problems: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!stripeId(prefix).test(raw)) {
    problems.push(`${name} must be a Stripe ${what} id (${prefix}_…), got '${raw}'`);
    return undefined;
  }
  return raw;
}

/** What Stripe's endpoint signing secrets look like: `whsec_` and a base64-ish tail. */
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=_-]{8,}$/;

/**
 * `STRIPE_WEBHOOK_SECRET`: comma-separated `whsec_…` secrets (several while rotating); unset or empty: none. A bad
 * one is named by its place in the list, never shown (it is a secret).
 */
export function webhookSecrets(env: Env, name: string, problems: string[]): string[] {
  const secrets = list(env[name]);
  const bad = secrets.flatMap((secret, i) => (WEBHOOK_SECRET.test(secret) ? [] : [i + 1]));
  if (bad.length === 1) {
    const which = secrets.length === 1 ? 'the secret' : `secret ${bad[0]} of ${secrets.length}`;
    problems.push(`${name}: ${which} is not a webhook signing secret (whsec_…, as the Stripe dashboard or \`stripe listen\` shows it)`);
  } else if (bad.length > 1) {
    problems.push(`${name}: secrets ${bad.join(', ')} of ${secrets.length} are not webhook signing secrets (whsec_…, as the Stripe dashboard or \`stripe listen\` shows them)`);
  }
  return [...new Set(secrets.filter((secret) => WEBHOOK_SECRET.test(secret)))];
}

/** `CUSTOMER_ACTIONS`: mutation names from `CUSTOMER_ACTIONS` (`src/auth/actions.ts`); unset or empty: none. */
export function customerActions(env: Env, name: string, problems: string[]): CustomerAction[] {
  const out: CustomerAction[] = [];
  for (const item of list(env[name])) {
    if (isCustomerAction(item)) {
      if (!out.includes(item)) out.push(item);
    } else {
      problems.push(`${name}: '${item}' is not an action customers can be allowed (one of ${CUSTOMER_ACTIONS.join(', ')})`);
    }
  }
  return out;
}

export function origins(env: Env, name: string, problems: string[]): string[] {
  const out: string[] = [];
  for (const item of list(env[name])) {
    try {
      const parsed = new URL(item);
      // Exact origins only: a wildcard (`https://*.example.com`) would parse, yet never match anything.
      if (
        (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
        parsed.origin !== item.replace(/\/$/, '') ||
        parsed.hostname.includes('*')
      ) {
        throw new Error('not an origin');
      }
      out.push(parsed.origin);
    } catch {
      problems.push(`${name}: '${item}' is not an origin like https://app.example.com (scheme, host and optional port only)`);
    }
  }
  return out;
}

/** 127.0.0.0/8, ::1 and `localhost`: plain http to them never leaves the machine. (URL has normalised the host.) */
export function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** Plain http to another machine: readable, and replaceable, by anyone on the way. */
export const overHttp = (url: URL) => url.protocol === 'http:' && !isLoopback(url);

const HTTPS_ONLY = 'must use https in production (plain http only to a loopback host)';

export interface SafetyInputs {
  demo: boolean;
  apiKeys: readonly string[];
  secret: string | undefined;
  jwksUrl: URL | undefined;
  portalReturnUrl: string | undefined;
  allowedOrigins: readonly string[];
}

/**
 * What production refuses to start with, one line each: settings that are fine on a laptop and dangerous on the
 * internet. Secrets are judged, never printed.
 */
export function productionProblems(settings: SafetyInputs): string[] {
  const problems: string[] = [];
  if (settings.demo) {
    problems.push('NODE_ENV=production needs a Stripe: set STRIPE_SECRET_KEY (demo mode prints an admin key and mints customer tokens)');
  }
  const weak = `looks too predictable for production (under ${MIN_SECRET_BITS} bits of entropy, judged by its length and mix of characters)`;
  // Secrets already refused as too short are not reported twice.
  const { secret } = settings;
  if (secret !== undefined && secret.length >= 32 && !strongEnough(secret)) {
    problems.push(`AUTH_JWT_SECRET ${weak}: make one with ${MAKE_A_SECRET}`);
  }
  const weakKeys = settings.apiKeys.flatMap((key, i) => (key.length >= 16 && !strongEnough(key) ? [i + 1] : []));
  if (weakKeys.length > 0) {
    const which = `${weakKeys.length === 1 ? 'key' : 'keys'} ${weakKeys.join(', ')} of ${settings.apiKeys.length}`;
    problems.push(`GATEWAY_API_KEYS: ${which} ${weak.replace('looks', weakKeys.length === 1 ? 'looks' : 'look')}: make each with ${MAKE_A_SECRET}`);
  }
  if (settings.jwksUrl !== undefined && overHttp(settings.jwksUrl)) {
    problems.push(`AUTH_JWKS_URL ${HTTPS_ONLY}: keys fetched over http can be swapped on the way, and with them who may sign in`);
  }
  if (settings.portalReturnUrl !== undefined && overHttp(new URL(settings.portalReturnUrl))) {
    problems.push(`PORTAL_RETURN_URL ${HTTPS_ONLY}`);
  }
  const httpOrigins = settings.allowedOrigins.filter((origin) => overHttp(new URL(origin)));
  if (httpOrigins.length > 0) problems.push(`ALLOWED_RETURN_URL_ORIGINS ${HTTPS_ONLY}: ${httpOrigins.join(', ')}`);
  return problems;
}

