/**
 * The Redis store on a real redis-server: the store contract; two replicas' stores on one Redis share entries and
 * invalidations; keys are scoped to the account; while Redis is down every lookup is a miss, nothing is stored and
 * an invalidation rejects; every reconnection starts a new generation (the whole cache dropped), and a read that
 * began before it is not stored after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/cache/redis-store.js';
import { createLogger } from '../../src/observability/log.js';
import { createRedisLink, type RedisLink } from '../../src/redis/connection.js';
import { until } from '../support/live.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { sinceOf, storeContract } from './store-contract.js';

const silent = createLogger({ level: 'silent' });
const RETENTION = { retentionMs: 60_000 };

describe('Redis store', () => {
  let redis: TestRedis;
  const links: RedisLink[] = [];
  const stores: RedisCacheStore[] = [];
  const open = async (account = 'acct_a') => {
    const link = createRedisLink({ url: redis.url, logger: silent, prefix: 'test:' });
    links.push(link);
    expect(await link.ready(5_000), 'Redis answers').toBe(true);
    const store = new RedisCacheStore(link, { account, ...RETENTION });
    stores.push(store);
    expect(await store.ready()).toBe(true);
    return { link, store };
  };
  let first: RedisCacheStore;

  beforeAll(async () => {
    redis = await startRedis();
    first = (await open()).store;
  });
  afterAll(async () => {
    for (const store of stores) store.close();
    await Promise.all(links.map((link) => link.close()));
    await redis?.stop();
  });

  storeContract('redis', () => first);

  it("two replicas on one Redis share entries and each other's invalidations; another account shares nothing", async () => {
    const { store: second } = await open();
    const { store: otherAccount } = await open('acct_b');
    // The second replica's connection started a new generation: the first sees it too.
    expect(await first.set('shared', 'v', ['obj:cus_s'], sinceOf(await first.lookup('shared')), 60_000)).toBe(true);
    expect(await second.lookup('shared')).toEqual({ hit: 'v' });
    sinceOf(await otherAccount.lookup('shared'));
    await second.invalidate(['obj:cus_s']);
    sinceOf(await first.lookup('shared'));
  });

  it('Redis down: misses, nothing stored, invalidations refused; back up: a new generation, older reads not stored', async () => {
    const { link, store } = await open();
    expect(await store.set('outage', 'before', ['obj:x'], sinceOf(await store.lookup('outage')), 60_000)).toBe(true);
    const inFlight = sinceOf(await store.lookup('other'));
    await redis.kill();
    await until(() => !link.up, 'the link notices the kill');
    expect(await store.lookup('outage')).toBeUndefined();
    expect(await store.set('outage', 'during', ['obj:x'], inFlight, 60_000)).toBe(false);
    await expect(store.invalidate(['obj:x'])).rejects.toThrow(/Redis is unreachable/);

    await redis.restart();
    // Every replica's link reconnects, and each starts a new generation: wait for all of them.
    await until(() => links.every((l) => l.up), 'every link reconnects');
    for (const other of stores) await other.ready();
    expect(await store.ready(), 'usable again once its generation is set').toBe(true);
    // The restarted Redis kept nothing, and a read from before the outage is not stored into the new generation.
    sinceOf(await store.lookup('outage'));
    expect(await store.set('other', 'stale', ['obj:y'], inFlight, 60_000)).toBe(false);
    expect(await store.set('other', 'fresh', ['obj:y'], sinceOf(await store.lookup('other')), 60_000)).toBe(true);
  });

  it('a Redis that lost the generation key is a miss, then a new generation', async () => {
    const { link, store } = await open('acct_lost');
    expect(await store.set('g', 'v', ['obj:g'], sinceOf(await store.lookup('g')), 60_000)).toBe(true);
    await link.client.del(`${store.base}gen`);
    expect(await store.lookup('g')).toBeUndefined();
    expect(await store.ready()).toBe(true);
    sinceOf(await store.lookup('g'));
  });

  it('a reconnection drops the whole cache even when Redis kept it', async () => {
    const { link, store } = await open();
    expect(await store.set('kept', 'v', ['obj:k'], sinceOf(await store.lookup('kept')), 60_000)).toBe(true);
    // This replica loses its connection (Redis itself stays up, so its keys survive).
    link.client.disconnect(true);
    await until(() => !link.up, 'the link notices the disconnect');
    await until(() => link.up, 'the link reconnects');
    expect(await store.ready()).toBe(true);
    sinceOf(await store.lookup('kept'));
  });
});
