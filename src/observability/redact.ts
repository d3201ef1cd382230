/**
 * What keeps secrets out of the logs: every record the logger writes (its fields, its message, a child logger's
 * bindings) passes through `redact` first. pino's own `redact` option takes fixed paths; a gateway logs errors,
 * Yoga's arguments and nested Stripe objects whose secret-bearing keys can sit at any depth, so the rule here is by
 * key name at every depth, plus patterns inside every string.
 *
 * Values under keys like `authorization`, `token`, `secret`, `password`, `cookie` are replaced; in every string,
 * Stripe keys (`sk_…`, `rk_…`, `whsec_…`), JWTs, `Bearer …`/`Basic …` credentials, the password of a URL
 * (`redis://user:…@host`) and the configured secrets themselves (gateway API keys, the JWT secret, the Stripe key, webhook secrets, Redis passwords) become `[REDACTED]`.
 */

export const REDACTED = '[REDACTED]';

const SECRET_KEY = /authorization|cookie|secret|password|passwd|token|api[-_]?key|credential/i;
/** Each pattern with what replaces a match (`$1`: the part kept, a scheme or a URL's user). */
const PATTERNS: Array<[RegExp, string]> = [
  // Stripe secret, restricted and webhook keys.
  [/\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+/g, REDACTED],
  [/\bwhsec_[A-Za-z0-9]+/g, REDACTED],
  // JWTs (header.payload.signature, base64url; the header always starts `eyJ`).
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, REDACTED],
  // Whatever follows an auth scheme.
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  // The password in a URL (`redis://user:password@host`), whatever the URL is of.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
];

/** Replaces secrets inside one string. */
export function redactString(value: string, secrets: readonly string[] = []): string {
  let out = value;
  for (const secret of secrets) if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** An error as a plain, redactable object (Stripe's errors keep their code, type, status and `Request-Id`). */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack !== undefined) out['stack'] = error.stack;
  const extra = error as Error & { code?: unknown; type?: unknown; requestId?: unknown; statusCode?: unknown; extensions?: unknown };
  if (typeof extra.code === 'string') out['code'] = extra.code;
  if (typeof extra.type === 'string') out['type'] = extra.type;
  if (typeof extra.requestId === 'string') out['stripeRequestId'] = extra.requestId;
  if (typeof extra.statusCode === 'number') out['statusCode'] = extra.statusCode;
  if (extra.extensions !== undefined && typeof extra.extensions === 'object') out['extensions'] = extra.extensions;
  if (error.cause !== undefined) out['cause'] = error.cause instanceof Error ? serializeError(error.cause) : String(error.cause);
  return out;
}

/** A deep copy of `value` with every secret replaced (see the module comment); cycles end at a depth of 8. */
export function redact(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return redactString(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (value instanceof Error) return redact(serializeError(value), secrets, depth + 1);
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && typeof item !== 'boolean' ? REDACTED : redact(item, secrets, depth + 1);
  }
  return out;
}
