/**
 * The Redis link against a real redis-server: it fails fast while Redis is down (no command waits for a reconnect),
 * says so once in the log and to its listeners, reconnects by itself, and never logs the URL's password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/log.js';
import { createRedisLink, redisLocation, type RedisLink } from '../../src/redis/connection.js';
import { startRedis, type TestRedis } from '../support/redis.js';

describe('Redis link', () => {
  let redis: TestRedis;
  let link: RedisLink;
  const lines: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    link = createRedisLink({ url: redis.url, logger: createLogger({ level: 'info', sink: (line) => lines.push(line) }) });
  });
  afterAll(async () => {
    await link?.close();
    await redis?.stop();
  });

  it('connects, loses Redis at a kill without waiting on commands, and comes back by itself', async () => {
    expect(await link.ready(5_000)).toBe(true);
    const states: boolean[] = [];
    link.onChange((up) => states.push(up));
    await link.client.set('link-test', '1');

    await redis.kill();
    const lost = Date.now();
    while (link.up && Date.now() - lost < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(link.up, 'the link notices the kill').toBe(false);
    const start = Date.now();
    await expect(link.client.get('link-test')).rejects.toThrow();
    expect(Date.now() - start, 'a command while Redis is down fails at once').toBeLessThan(1_500);

    await redis.restart();
    expect(await link.ready(10_000), 'the link reconnects without a restart').toBe(true);
    // The restarted server kept nothing (no persistence): the test's Redis is a crashed node.
    expect(await link.client.get('link-test')).toBe(null);
    expect(states).toEqual([false, true]);
    expect(lines.some((line) => line.includes('Redis is unreachable'))).toBe(true);
    expect(lines.some((line) => line.includes('Redis is reachable again'))).toBe(true);
  }, 30_000);

  it('names where Redis is in logs without its credentials', () => {
    expect(redisLocation('redis://user:hunter2-password@cache.internal:6380/2')).toBe('redis://cache.internal:6380/2');
    expect(redisLocation('rediss://:pw@cache.internal')).toBe('rediss://cache.internal:6379');
    expect(lines.join('\n')).not.toContain('password');
  });
});
