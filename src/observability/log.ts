/**
 * Structured logs, on pino: one JSON object per line (`LOG_FORMAT=json`, the default, for log shippers), or
 * pino-pretty's readable lines for a developer at a terminal (`LOG_FORMAT=pretty`). At `info`, one line per GraphQL
 * request and per webhook delivery; at `warn`, what degrades service without failing it (Redis away, a wrong
 * Stripe-call estimate); at `error`, every unexpected (masked) error with its stack; at `debug`, every HTTP request
 * to Stripe. Lines at `warn` and above go to stderr, the rest to stdout.
 *
 * The gateway's modules see only the small `Logger` interface below (`info(msg, fields)`), never pino itself: tests
 * give a `LogSink`, and every record passes through `./redact.ts` first, so that nothing secret is ever written
 * (fields at any depth, the message, child bindings — at every level, in both formats).
 */
import { createRequire } from 'node:module';
import pino, { type DestinationStream } from 'pino';
import { redact, redactString } from './redact.js';

export { REDACTED, redact, redactString, serializeError } from './redact.js';

/** pino's levels, lowest first; `silent` writes nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The level of one written line. */
export type LineLevel = Exclude<LogLevel, 'silent'>;
export type LogFields = Record<string, unknown>;

/** Where lines go (without their newline): by default stdout below `warn`, stderr from `warn` up. */
export type LogSink = (line: string, level: LineLevel) => void;

export interface Logger {
  readonly level: LogLevel;
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `bindings` (a request's id, say). */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** `json` (default) or `pretty` (pino-pretty, no colours unless stdout is a terminal). */
  format?: 'json' | 'pretty';
  sink?: LogSink;
  /** Exact strings never to write (API keys, the JWT secret, the Stripe key); shorter than 8 characters ignored. */
  secrets?: readonly string[];
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** Does a logger at `level` write lines at `lineLevel`? */
export function logsAt(level: LogLevel, lineLevel: LineLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(lineLevel);
}

/**
 * stdout below `warn`, stderr from `warn` up. Through `console`, whose writes to files and pipes are synchronous on
 * Linux (no line lost on `process.exit`), and which test runners capture (tests assert what a gateway built without
 * a logger writes).
 */
export const stdioSink: LogSink = (line, level) => {
  if (level === 'warn' || level === 'error' || level === 'fatal') console.error(line);
  else console.log(line);
};

type Prettify = (line: string) => string;

/** pino-pretty, loaded only when asked for (a production gateway never loads it). */
function prettifier(): Prettify {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', singleLine: false });
}

/**
 * pino's destination: it hands over each finished line, and (through pino's metadata flag) its numeric level, so
 * that the sink knows where the line belongs without parsing it.
 */
function destination(sink: LogSink, prettify: Prettify | undefined): DestinationStream {
  const labels = pino.levels.labels as Record<number, LineLevel>;
  return {
    [pino.symbols.needsMetadataGsym]: true,
    lastLevel: 30,
    write(this: { lastLevel: number }, line: string) {
      sink((prettify !== undefined ? prettify(line) : line).trimEnd(), labels[this.lastLevel] ?? 'info');
    },
  } as DestinationStream;
}

function wrap(instance: pino.Logger, level: LogLevel, secrets: readonly string[]): Logger {
  // A level below the logger's costs one comparison: nothing is redacted for a line that is not written.
  const at = (lineLevel: LineLevel) => (msg: string, fields: LogFields = {}) => {
    if (instance.isLevelEnabled(lineLevel)) instance[lineLevel](fields, redactString(msg, secrets));
  };
  return {
    level,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    // Redacted here: pino's `bindings` formatter sees the root logger's bindings, not a child's.
    child: (bindings) => wrap(instance.child(redact(bindings, secrets) as LogFields), level, secrets),
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const prettify = options.format === 'pretty' && level !== 'silent' ? prettifier() : undefined;
  const instance = pino(
    {
      level,
      // No pid or hostname on every line: the platform's log collector knows which replica wrote it.
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redact(fields, secrets) as LogFields,
      },
    },
    destination(options.sink ?? stdioSink, prettify),
  );
  return wrap(instance, level, secrets);
}

/** A logger that writes nothing. */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/** Errors only, to stderr: what a gateway built without a logger writes (masked errors are never lost). */
export const errorLogger: Logger = createLogger({ level: 'error' });
