/**
 * What three gateway processes on one Redis share about limits: the Stripe account's budget (the local Stripe's
 * rate limiter set to the budget refuses nothing, however much the three are offered), callers' request rate limits
 * (a caller's minute counts its requests on every replica) and the per-caller Stripe-call budget.
 *
 * The cache is off here, so that every read is a Stripe call and the budget is what holds them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { signCustomerToken } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startReplicas, stopReplicas, type Replica } from '../support/replicas.js';

const READS_PER_SECOND = 10;
const RATE_LIMIT_PER_MINUTE = 30;
/** One admin key per load loop: each its own caller, far below its minute's requests. */
const LOAD_KEYS = Array.from({ length: 12 }, (_, i) => `load-admin-key-${String(i).padStart(2, '0')}-0123456789`);

let redis: TestRedis;
let local: LocalStripe;
let replicas: Replica[];

beforeAll(async () => {
  redis = await startRedis();
  // Stripe's limiter, at exactly the budget the gateway is given.
  local = await startLocalStripe({ seed: 'demo', rateLimit: { readsPerSecond: READS_PER_SECOND, writesPerSecond: READS_PER_SECOND, searchesPerSecond: 5 } });
  replicas = await startReplicas(3, {
    stripe: local,
    redisUrl: redis.url,
    env: {
      GATEWAY_API_KEYS: LOAD_KEYS.join(','),
      CACHE: 'off',
      STRIPE_READS_PER_SECOND: String(READS_PER_SECOND),
      STRIPE_WRITES_PER_SECOND: String(READS_PER_SECOND),
      STRIPE_SEARCHES_PER_SECOND: '5',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      // Customers send the documents' text here (production otherwise takes only trusted documents' ids).
      TRUSTED_DOCUMENTS: 'false',
      // A request line per request would be most of the output.
      LOG_LEVEL: 'error',
    },
  });
}, 90_000);

afterAll(async () => {
  await stopReplicas(replicas ?? []);
  await local?.stop();
  await redis?.stop();
}, 60_000);

interface Answer {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }>; extensions?: any };
}

async function gql(replica: Replica, authorization: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(replica.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

describe('limits shared by three replicas on one Redis', () => {
  it('the Stripe budget holds across them: offered far more, the limiter set to the budget refuses nothing', async () => {
    const before = local.rateLimitRefusals.total;
    local.clearRequests();
    const query = 'query ($id: ID!) { customer(id: $id) { id name } }';
    const answers: Answer[] = [];
    const runForMs = 3_000;
    const started = Date.now();
    // Four loops per replica, each one request after another as fast as they are answered.
    await Promise.all(
      LOAD_KEYS.map(async (key, i) => {
        const replica = replicas[i % replicas.length]!;
        while (Date.now() - started < runForMs) answers.push(await gql(replica, `Bearer ${key}`, query, { id: DEMO.customer }));
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const reads = local.requests.filter((r) => r.method === 'GET').length;

    expect(local.rateLimitRefusals.total - before, 'requests Stripe’s limiter refused').toBe(0);
    // Every answer is the customer: the calls waited for the budget instead of failing.
    const failed = answers.filter((a) => a.body.errors !== undefined);
    expect(failed.map((a) => a.body.errors), 'answers with errors').toEqual([]);
    for (const answer of answers) expect(answer.body.data.customer.id).toBe(DEMO.customer);
    // What Stripe saw: about the budget (its burst, then its rate), not three times it.
    expect(reads).toBe(answers.length);
    expect(reads, `${reads} reads in ${seconds.toFixed(1)} s`).toBeLessThanOrEqual(READS_PER_SECOND * (seconds + 1));
    // And the three kept it busy: far more than one replica's share of the budget got through.
    expect(reads).toBeGreaterThan((READS_PER_SECOND * seconds) / 2);
    for (const replica of replicas) expect(replica.output()).not.toMatch(/"level":"error"/);
  }, 60_000);

  it('a caller’s requests count on every replica: its minute is shared', async () => {
    const authorization = `Bearer ${await signCustomerToken(DEMO.customer)}`;
    const statuses: number[] = [];
    const codes: unknown[] = [];
    // 12 requests on each replica: 36 in all, over the caller's 30 a minute (each replica alone sees only 12).
    for (let round = 0; round < 12; round++) {
      for (const replica of replicas) {
        const answer = await gql(replica, authorization, '{ viewer { role } }');
        statuses.push(answer.status);
        if (answer.body.errors !== undefined) codes.push(answer.body.errors[0]?.extensions?.['code']);
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT_PER_MINUTE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(36 - RATE_LIMIT_PER_MINUTE);
    expect(new Set(codes)).toEqual(new Set(['RATE_LIMITED']));
  });

  it('a caller’s Stripe-call budget is one budget: each replica reports what the others spent', async () => {
    const authorization = `Bearer ${await signCustomerToken(DEMO.businessCustomer)}`;
    const remaining: number[] = [];
    for (const replica of replicas) {
      const answer = await gql(replica, authorization, '{ viewer { customer { id name } } }');
      expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
      remaining.push(answer.body.extensions.stripe.callerBudget.remaining);
    }
    const spent = answer0Spent(remaining);
    expect(spent).toBeGreaterThan(0);
    // Each replica's answer is one request's calls less than the one before it.
    expect(remaining).toEqual([remaining[0]!, remaining[0]! - spent, remaining[0]! - 2 * spent]);
  });
});

/** The calls one request cost, from the first two reports. */
const answer0Spent = (remaining: number[]) => remaining[0]! - remaining[1]!;
