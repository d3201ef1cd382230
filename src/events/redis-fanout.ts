/**
 * Event de-duplication and the subscription fan-out across replicas, on Redis (`REDIS_URL`): a delivery accepted by
 * any replica reaches the GraphQL subscribers of every replica, once.
 *
 * - **Hand-off** (`handOff`, before the webhook's 2xx): one Lua script claims the event id (`SET NX PX`, remembered
 *   for Stripe's three-day retry window) and appends the change to a Redis Stream (`XADD`, `MAXLEN ~` bounded) —
 *   both or neither, so a Redis that fails in between never leaves an id claimed whose change nobody heard (Stripe's
 *   retry would then be taken for a duplicate and lost). `seen` looks the id up first, so that a known duplicate
 *   runs no "changed" hook; two concurrent first deliveries both run the hooks (dropping cache entries twice is
 *   harmless) and only one is handed off.
 * - **Reading** (`start(hub)`): each replica reads the stream on a connection of its own (`XREAD BLOCK`, which would
 *   hold up every other command) from the last entry it has seen, and publishes each change into its own event hub,
 *   so `Last-Event-ID` replay works on every replica. After a reconnect it goes on from that entry: nothing handed
 *   off while it was away is missed, as long as the stream still holds it (`maxLength` entries; a replica cut off
 *   for longer misses the oldest).
 * - **Why a stream, not pub/sub**: a pub/sub message reaches only the subscribers connected at that instant; a
 *   replica that lost its connection for a second would silently miss what was published meanwhile. A stream keeps
 *   the entries, and a reader resumes from its position.
 *
 * Redis unreachable: `seen` and `handOff` throw at once (the link fails fast), and the webhook route answers 503 with
 * nothing claimed and nothing handed off: Stripe retries the delivery, and nothing is lost.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/log.js';
import type { RedisLink } from '../redis/connection.js';
import type { StripeChange } from './changes.js';
import { STRIPE_RETRY_WINDOW_MS } from './dedup.js';

/** Where a delivered change goes before the webhook's 2xx when replicas share one Redis (`src/http/webhooks.ts`). */
export interface ChangeFanout {
  /** Whether this event id was already handed off (a duplicate). Throws when the shared store is unreachable. */
  seen(eventId: string): Promise<boolean>;
  /**
   * Claims the event id and hands the change to every replica, atomically; false when another delivery had it first.
   * Throws, with nothing claimed and nothing handed off, when the shared store is unreachable.
   */
  handOff(change: StripeChange): Promise<boolean>;
}

/** Entries the stream keeps at least (`MAXLEN ~`: Redis trims in whole nodes, so a few more). */
export const DEFAULT_STREAM_MAX_LENGTH = 10_000;
/** The longest `stop()` waits for the reading loop to end. */
const STOP_WAIT_MS = 2_000;
/** How long one `XREAD` blocks before it asks again (it returns at once when an entry comes). */
const BLOCK_MS = 2_000;
/** The wait before reading again after a failure (Redis down: the link is reconnecting meanwhile). */
const RETRY_MS = 200;
/** Entries read at once. */
const READ_COUNT = 100;

/** KEYS: event id key, stream. ARGV: window (ms), max length, the change (JSON). The stream entry's id, or nil. */
const HAND_OFF = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'change', ARGV[3])
end
return false
`;

export interface RedisFanoutOptions {
  link: RedisLink;
  logger: Logger;
  /** How long an event id is remembered (default Stripe's retry window, three days). */
  windowMs?: number;
  /** Entries the stream keeps (default 10,000). */
  maxLength?: number;
}

/** Resolves when `connection` is ready, or after `ms`. */
function readyOrTimeout(connection: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      connection.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    connection.once('ready', done);
  });
}

type StreamReply = Array<[stream: string, entries: Array<[id: string, fields: string[]]>]> | null;

export class RedisChangeFanout implements ChangeFanout {
  private readonly link: RedisLink;
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly maxLength: number;
  private readonly streamKey: string;
  private reader: Redis | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** The last entry this replica has read (and published); undefined until the first read. */
  private lastId: string | undefined;

  constructor(options: RedisFanoutOptions) {
    this.link = options.link;
    this.logger = options.logger;
    this.windowMs = options.windowMs ?? STRIPE_RETRY_WINDOW_MS;
    this.maxLength = options.maxLength ?? DEFAULT_STREAM_MAX_LENGTH;
    this.streamKey = `${this.link.prefix}events`;
  }

  private eventKey(eventId: string): string {
    return `${this.link.prefix}event:${eventId}`;
  }

  async seen(eventId: string): Promise<boolean> {
    return (await this.link.client.exists(this.eventKey(eventId))) === 1;
  }

  async handOff(change: StripeChange): Promise<boolean> {
    const id = await this.link.client.eval(
      HAND_OFF,
      2,
      this.eventKey(change.eventId),
      this.streamKey,
      String(this.windowMs),
      String(this.maxLength),
      JSON.stringify(change),
    );
    return id !== null;
  }

  /**
   * Starts reading the stream into `publish` (the replica's event hub), from the entry that is last when the first
   * read succeeds: a replica hears what is handed off from its start on.
   */
  start(publish: (change: StripeChange) => void): void {
    if (this.loop !== undefined) return;
    this.reader = this.link.blocking();
    this.loop = this.read(this.reader, publish);
  }

  /** Where the reader stands (tests and logs): the last entry's id, undefined before the first read. */
  get position(): string | undefined {
    return this.lastId;
  }

  private async read(reader: Redis, publish: (change: StripeChange) => void): Promise<void> {
    let failing = false;
    while (!this.stopped) {
      // Connecting (at the start, or after Redis was lost): wait for it rather than fail command after command.
      if (reader.status !== 'ready') {
        await readyOrTimeout(reader, RETRY_MS * 5);
        continue;
      }
      try {
        this.lastId ??= (await reader.xrevrange(this.streamKey, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
        const reply = (await reader.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.streamKey, this.lastId)) as StreamReply;
        if (failing) this.logger.info('event stream: reading again', { after: this.lastId });
        failing = false;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            this.lastId = id;
            this.deliver(id, fields, publish);
          }
        }
      } catch (error) {
        if (this.stopped) return;
        if (!failing) this.logger.warn('event stream: cannot read; retrying', { after: this.lastId ?? null, error });
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private deliver(id: string, fields: string[], publish: (change: StripeChange) => void): void {
    const json = fields[fields.indexOf('change') + 1];
    try {
      publish(JSON.parse(json ?? '') as StripeChange);
    } catch (error) {
      // One bad entry (written by something else) must not stop the replica hearing the rest.
      this.logger.error('event stream: entry not published', { entry: id, error });
    }
  }

  /** Stops reading (the app's stop); the link's close ends the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    // A blocked XREAD would hold a QUIT for up to BLOCK_MS: drop the connection instead.
    this.reader?.disconnect();
    // The loop ends at its next turn; a read that never settles (a connection ioredis still holds) must not hold the
    // app's stop.
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  }
}
