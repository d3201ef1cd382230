/**
 * Structured logs: one JSON object per line. At `info`, one line per GraphQL request (method, path, operation,
 * status, duration, the caller's role, error codes, and the `Request-Id`s of the Stripe calls it made, so support
 * can find a request in Stripe's dashboard); at `error`, every unexpected (masked) error with its stack.
 *
 * Nothing secret is ever written: values under keys like `authorization`, `token`, `secret`, `password`, `cookie`
 * are replaced; in every string, Stripe keys (`sk_…`, `rk_…`), JWTs, `Bearer …` credentials and the configured
 * secrets themselves (gateway API keys, the JWT secret, the Stripe key) are replaced by `[REDACTED]`.
 */

export type LogLevel = 'info' | 'error' | 'silent';

/** Where lines go: default stdout (info) and stderr (error). */
export type LogSink = (line: string, level: 'info' | 'error') => void;

export interface Logger {
  readonly level: LogLevel;
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  /** Exact strings never to write (API keys, the JWT secret, the Stripe key); shorter than 8 characters ignored. */
  secrets?: readonly string[];
}

export const REDACTED = '[REDACTED]';

const SECRET_KEY = /authorization|cookie|secret|password|passwd|token|api[-_]?key|credential/i;
const PATTERNS: RegExp[] = [
  // Stripe secret, restricted and webhook keys.
  /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+/g,
  /\bwhsec_[A-Za-z0-9]+/g,
  // JWTs (header.payload.signature, base64url; the header always starts `eyJ`).
  /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g,
  // Whatever follows an auth scheme.
  /\b(Bearer|Basic)\s+[^\s"',;]+/gi,
];

/** Replaces secrets inside one string. */
export function redactString(value: string, secrets: readonly string[] = []): string {
  let out = value;
  for (const secret of secrets) if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const pattern of PATTERNS) {
    out = out.replace(pattern, (_match: string, scheme: unknown) => (typeof scheme === 'string' ? `${scheme} ${REDACTED}` : REDACTED));
  }
  return out;
}

/** An error as a plain, redactable object. */
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

/** A deep copy of `value` with every secret replaced (see the module comment). */
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

/** stdout for info, stderr for errors (through `console`, so test runners capture it). */
export const consoleSink: LogSink = (line, level) => {
  if (level === 'error') console.error(line);
  else console.log(line);
};
const defaultSink = consoleSink;

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const sink = options.sink ?? defaultSink;
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const write = (lineLevel: 'info' | 'error', msg: string, fields: Record<string, unknown>) => {
    const record = redact({ time: new Date().toISOString(), level: lineLevel, msg, ...fields }, secrets);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: new Date().toISOString(), level: lineLevel, msg, note: 'fields could not be serialised' });
    }
    sink(line, lineLevel);
  };
  return {
    level,
    info(msg, fields = {}) {
      if (level === 'info') write('info', msg, fields);
    },
    error(msg, fields = {}) {
      if (level !== 'silent') write('error', msg, fields);
    },
  };
}

/** A logger that writes nothing. */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/** Errors only, to stderr: what a gateway built without a logger writes (masked errors are never lost). */
export const errorLogger: Logger = createLogger({ level: 'error' });
