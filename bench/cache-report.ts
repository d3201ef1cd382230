/**
 * The cache part's tables (`bench/cache.ts`), for people; the figures themselves go into the bench's JSON line.
 * A figure off its target is marked ✗.
 */
import type { ByKind, CacheBench } from './cache.js';
import { printTable } from './support.js';

const mark = (met: boolean) => (met ? '' : ' ✗');
const shown = (value: unknown) => (value === undefined ? '–' : String(value));
/** Reads / writes (searches only when there were any). */
const kinds = (n: ByKind, unit = '') => `${n.read}${unit} / ${n.write}${unit}${n.search > 0 ? ` / ${n.search}${unit} searches` : ''}`;

export function printCache(cache: CacheBench, connections: number): void {
  // With REDIS_URL, whatever the gateway keeps in Redis (the cache; the budget once it is shared there) is there.
  const where = cache.store === 'redis' ? 'with REDIS_URL' : 'in memory';
  console.log(`\nShared cache (${where}): Stripe calls per billing page view (counted at the local Stripe; target warm: 0)`);
  printTable(
    cache.pageViews.map((p) => ({
      page: p.page,
      cold: p.cold,
      warm: p.warm + mark(p.warm === 0),
      'after a change': `${p.afterChange}${p.changeShown ? ', shown' : ' ✗ not shown'}`,
      'reported calls (cold / warm / after)': `${shown(p.reported.cold)} / ${shown(p.reported.warm)} / ${shown(p.reported.afterChange)}`,
      'warm cache hits': shown(p.reported.warmHits),
    })),
  );

  console.log(`\nWarm billing page views (cache ${where}) against the bare-SDK baseline (${connections} connections, alternating, median of 3)`);
  printTable(
    cache.warmThroughput.map((w) => ({
      latency: `${w.latencyMs} ms`,
      'gateway req/s': w.gateway.requestsPerSecond,
      'baseline req/s': w.baseline.requestsPerSecond,
      ratio: `${w.ratio}×${mark(w.ratio >= 2)}`,
      'p50 ms (gw / base)': `${w.gateway.p50Ms} / ${w.baseline.p50Ms}`,
      'p99 ms (gw / base)': `${w.gateway.p99Ms} / ${w.baseline.p99Ms}`,
      'gateway Stripe calls': w.gatewayStripeCalls + mark(w.gatewayStripeCalls === 0),
      'baseline Stripe calls/s': w.baselineStripeCallsPerSecond,
    })),
  );

  const o = cache.overBudget;
  const v = o.verdicts;
  console.log(
    `\nOffered 10× the Stripe budget (${where}): ${o.budgetPerSecond} reads, writes and searches a second ` +
      `(the gateway's budget and the local Stripe's limiter); ${o.customers} customers' billing pages, ` +
      `${o.offeredViewsPerSecond} views/s × ${kinds(o.coldCallsPerView)} cold reads / writes = ${kinds(o.offeredTimesBudget, '×')} ` +
      `the budget; ${o.seconds} s, ${o.connections} connections`,
  );
  printTable([
    {
      answered: `${o.answered} (${o.answeredPerSecond}/s)`,
      correct: v.correct,
      wrong: v.wrong + mark(v.wrong === 0),
      'RATE_LIMITED (Stripe, budget)': v.rateLimitedByStripe + mark(v.rateLimitedByStripe === 0),
      'RATE_LIMITED (caller)': v.rateLimitedByCaller,
      'other errors': v.error + o.noAnswer + mark(v.error + o.noAnswer === 0),
      'Stripe reads / writes': kinds(o.stripeRequests),
      'Stripe 429s': o.stripe429s + mark(o.stripe429s === 0),
      'most in 1 s (reads / writes)': kinds(o.maxStripeRequestsInASecond),
    },
  ]);
  if (o.firstBad !== undefined) console.log(`first answer that was not correct: ${o.firstBad}`);
}
