/**
 * The Redis fan-out against a real redis-server: a hand-off claims the event id and appends the change at once (a
 * second hand-off of the id is refused and appends nothing); a reader whose connection is cut resumes after the
 * last entry it read, so it hears every change once, in order; the stream stays bounded; and with Redis down both
 * calls fail at once (the webhook route answers 503), leaving no claim behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeChange } from '../../src/events/changes.js';
import { RedisChangeFanout } from '../../src/events/redis-fanout.js';
import { createLogger } from '../../src/observability/log.js';
import { createRedisLink, type RedisLink } from '../../src/redis/connection.js';
import { change, until } from '../support/live.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
const links: RedisLink[] = [];
const fanouts: RedisChangeFanout[] = [];

/** A link (and a fan-out on it) with a prefix of the test's, so that tests do not read each other's streams. */
async function fanoutOn(prefix: string, options: { maxLength?: number } = {}): Promise<{ link: RedisLink; fanout: RedisChangeFanout }> {
  const link = createRedisLink({ url: redis.url, logger: createLogger({ level: 'silent' }), prefix });
  links.push(link);
  expect(await link.ready(5_000)).toBe(true);
  const fanout = new RedisChangeFanout({ link, logger: createLogger({ level: 'silent' }), ...options });
  fanouts.push(fanout);
  return { link, fanout };
}

/** Starts `fanout` reading into a list, and waits until it stands on the stream. */
async function reading(fanout: RedisChangeFanout): Promise<StripeChange[]> {
  const heard: StripeChange[] = [];
  fanout.start((c) => heard.push(c));
  await until(() => fanout.position !== undefined, 'the reader to find its start');
  return heard;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const fanout of fanouts) await fanout.stop();
  for (const link of links) await link.close();
  await redis?.stop();
});

describe('Redis fan-out', () => {
  it('hands a change off once: the id is claimed and the change appended together', async () => {
    const { link, fanout } = await fanoutOn('t1:');
    const heard = await reading(fanout);
    const first = change('customer', 'cus_a', 'cus_a');
    expect(await fanout.seen(first.eventId)).toBe(false);
    expect(await fanout.handOff(first)).toBe(true);
    expect(await fanout.seen(first.eventId)).toBe(true);
    expect(await fanout.handOff(first), 'the same event again').toBe(false);
    expect(await link.client.xlen('t1:events')).toBe(1);
    // The id is remembered for Stripe's retry window (three days).
    const ttl = await link.client.pttl(`t1:event:${first.eventId}`);
    expect(ttl).toBeGreaterThan(3 * 24 * 3600 * 1000 - 60_000);
    await until(() => heard.length === 1, 'the change read back');
    expect(heard[0]).toEqual(first);
  });

  it('a reader whose connection is cut resumes after its last entry: every change once, in order', async () => {
    const writer = await fanoutOn('t2:');
    const { link, fanout } = await fanoutOn('t2:');
    const heard = await reading(fanout);
    const sent: StripeChange[] = [];
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = change('invoice', `in_${sent.length}`, 'cus_b');
        sent.push(c);
        await writer.fanout.handOff(c);
      }
    };
    await send(3);
    await until(() => heard.length === 3, 'the first three');
    // Cut every connection blocked in XREAD (the reader's), then hand off more while it reconnects.
    const clients = (await link.client.client('LIST')) as string;
    const blocked = clients.split('\n').filter((line) => / cmd=xread\b/.test(line));
    expect(blocked.length).toBeGreaterThan(0);
    for (const line of blocked) await link.client.client('KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!);
    await send(5);
    await until(() => heard.length >= 8, 'all eight after the reconnect');
    expect(heard.map((c) => c.eventId)).toEqual(sent.map((c) => c.eventId));
  });

  it('keeps the stream bounded', async () => {
    const { link, fanout } = await fanoutOn('t3:', { maxLength: 10 });
    for (let i = 0; i < 500; i++) await fanout.handOff(change('customer', `cus_${i}`, `cus_${i}`));
    // MAXLEN ~ trims whole nodes (100 entries by default): about the bound, far from everything.
    expect(await link.client.xlen('t3:events')).toBeLessThanOrEqual(110);
  });

  it('fails at once while Redis is down, and claims nothing', async () => {
    const { link, fanout } = await fanoutOn('t4:');
    const pending = change('customer', 'cus_down', 'cus_down');
    await redis.kill();
    await until(() => !link.up, 'the link to notice');
    const start = Date.now();
    await expect(fanout.seen(pending.eventId)).rejects.toThrow();
    await expect(fanout.handOff(pending)).rejects.toThrow();
    expect(Date.now() - start, 'no wait for a reconnect').toBeLessThan(1_500);
    await redis.restart();
    expect(await link.ready(10_000)).toBe(true);
    expect(await fanout.seen(pending.eventId)).toBe(false);
    expect(await fanout.handOff(pending)).toBe(true);
  }, 30_000);
});
