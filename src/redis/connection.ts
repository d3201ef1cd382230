/**
 * The gateway's link to Redis (`REDIS_URL`), through ioredis: what every replica shares lives there (the cache, the
 * Stripe budget, callers' rate limits, webhook event ids, the event stream that fans changes out to every replica's
 * subscribers).
 *
 * Redis being down must never stop the gateway answering, so commands fail fast instead of queueing: no offline
 * queue, one attempt per command, a command timeout. Whoever uses Redis catches the failure and falls back (straight
 * to Stripe, a local budget, an in-memory limiter) and `up` says which way things go now. ioredis reconnects by
 * itself, forever, with a capped backoff; every change of state is logged once and told to `onChange` listeners (the
 * cache flushes itself on the way back up: it may have missed invalidations while down).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/log.js';

/** A command that takes longer than this is failed (a Redis that hangs is treated as a Redis that is down). */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
/** Reconnection backoff: 100 ms, 200 ms, … at most this. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1_000;

export interface RedisLink {
  /** Commands. Rejects at once while Redis is unreachable (check `up`, or catch). */
  readonly client: Redis;
  /** A connection of its own for blocking reads (`XREAD BLOCK`), which would hold up every other command. */
  blocking(): Redis;
  /** Whether the command connection is ready now. */
  readonly up: boolean;
  /** Every key the gateway writes starts with this (`billing-gateway:` by default). */
  readonly prefix: string;
  /** Told of every change of state (true: ready again; false: lost). Returns the unsubscribe. */
  onChange(listener: (up: boolean) => void): () => void;
  /** Waits (at most `timeoutMs`) for the first connection; false if it did not come. */
  ready(timeoutMs: number): Promise<boolean>;
  /** Closes every connection of the link. */
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  url: string;
  logger: Logger;
  prefix?: string;
}

/** The options every connection of the link shares: fail fast, reconnect forever. */
function connectionOptions(blocking: boolean): RedisOptions {
  return {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: blocking ? null : 1,
    connectTimeout: 2_000,
    // A blocking read waits by design; the command connection must not.
    ...(blocking ? {} : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
    retryStrategy: (times: number) => Math.min(times * 100, REDIS_MAX_RECONNECT_DELAY_MS),
    // Never print the URL: it may hold a password.
    connectionName: 'billing-gateway',
  };
}

/** A URL fit for a log line: no user name or password. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/** The user name and password in `REDIS_URL`, for the logger to redact like any other secret. */
export function redisSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const { username, password } = new URL(url);
    return [password, username].filter((part) => part.length >= 4).map(decodeURIComponent);
  } catch {
    return [];
  }
}

export function createRedisLink(options: RedisLinkOptions): RedisLink {
  const { url, logger } = options;
  const prefix = options.prefix ?? 'billing-gateway:';
  const where = redisLocation(url);
  const client = new Redis(url, connectionOptions(false));
  const others: Redis[] = [];
  const listeners = new Set<(up: boolean) => void>();
  let up = false;
  let everUp = false;
  let closed = false;

  const set = (now: boolean) => {
    if (now === up || closed) return;
    up = now;
    if (now) logger.info(everUp ? 'Redis is reachable again' : 'Redis connected', { redis: where });
    else logger.warn('Redis is unreachable: serving without it (straight to Stripe, local limits) until it is back', { redis: where });
    everUp ||= now;
    for (const listener of listeners) listener(now);
  };
  client.on('ready', () => set(true));
  client.on('close', () => set(false));
  client.on('end', () => set(false));
  // ioredis emits 'error' for every failed attempt; the state change above is the one line worth logging.
  client.on('error', () => undefined);

  return {
    client,
    blocking() {
      const connection = new Redis(url, connectionOptions(true));
      connection.on('error', () => undefined);
      others.push(connection);
      return connection;
    },
    get up() {
      return up;
    },
    prefix,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready(timeoutMs) {
      if (up) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          unsubscribe();
          resolve(false);
        }, timeoutMs);
        const unsubscribe = this.onChange((now) => {
          if (!now) return;
          clearTimeout(timer);
          unsubscribe();
          resolve(true);
        });
      });
    },
    async close() {
      closed = true;
      listeners.clear();
      // QUIT lets Redis finish what was sent; a connection that cannot say it (down, reconnecting) is dropped, and
      // none may hold the app's stop for longer than a command's timeout.
      await Promise.all(
        [client, ...others].map((connection) =>
          Promise.race([
            connection.quit().then(() => undefined),
            new Promise<void>((resolve) => setTimeout(resolve, REDIS_COMMAND_TIMEOUT_MS).unref()),
          ])
            .catch(() => undefined)
            .finally(() => connection.disconnect()),
        ),
      );
    },
  };
}
