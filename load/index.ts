/**
 * `npm run load`: the load-and-fault run, by hand, never part of `npm test`.
 *
 *   npm run load [-- --duration 60] [--connections 50] [--faults on|off|both] [--flood off|on|both] [--runs 1] [--warmup 5]
 *
 * The gateway runs in its own process (`load/gateway.ts`: `startApp` in demo mode, the local Stripe in that same
 * process), pinned to core 0 when `taskset` exists; autocannon runs here, on core 1. The local Stripe answers every
 * call 20–50 ms late; the `faults` profile also fails 10% of Stripe calls (4% 429 rate_limit, 4% 503, 2% connection
 * reset). The workload (`load/workload.ts`) mixes the example operations as the 28 demo customers — a token each —
 * and as an admin, including `createPortalSession` with idempotency keys, some repeated on purpose. Every response
 * body is parsed and checked, its `extensions.stripe` too: each run reports the most Stripe calls any single request
 * made (and the largest up-front estimate). Through every run `/health` is probed one request at a time, every
 * 100 ms (`load/health.ts`): p50/p99/max.
 *
 * `--flood` (default off) adds the flood axis: `on` runs each fault profile as `<profile>+flood`, `both` runs it
 * without and then with the flood, same seeds, so that the normal p99 and /health compare like for like. In a
 * `+flood` profile the normal workload runs exactly as without, and beside it a second autocannon instance on 16
 * connections of its own floods the gateway anonymously (`load/flood.ts`): the trusted `CreatePortalSession`
 * document by id, its `$input` stuffed with 11,000 unknown keys (~86 KB), no Authorization header. A second table
 * shows the flood's req/s, its answers' status and size in bytes, /health during the flood, the normal p99 with and
 * without the flood, and how long the gateway took to answer /health fast again once the flood stopped.
 * Each run (and each profile) starts on a freshly reset local Stripe.
 *
 * Prints a table, then the bounds that were broken, and as its last line one JSON object with every figure.
 * Exits 1 when a bound is broken:
 *   every profile: no 5xx; no response carrying another customer's data; no duplicate portal session (one
 *     session per idempotency key, the same session id for every repeat of a key); no response with wrong data;
 *     every answer carries `extensions.stripe`, none made more calls (retries aside) than its estimate or than the
 *     budget;
 *   without faults: GraphQL error rate (from bodies, not HTTP status) under 0.1%;
 *   with faults: the only error codes are RATE_LIMITED and UPSTREAM_UNAVAILABLE, and every request is answered;
 *   with the flood: the flood is answered, never with a 5xx, no flood request makes a Stripe call, and it is
 *     refused cheaply: every answer a 401 UNAUTHENTICATED of at most 2 KiB (a gateway that coerces the variables
 *     first answers a 400 of ~4 MB; the flood table's last column says which);
 *   with --runs ≥ 2: the gateway's peak RSS in a later run at most max(20 MiB, 10%) above the first run's.
 *
 * The parts: `options.ts` (the options, profiles, faults and bounds), `gateway-process.ts` (the gateway's process),
 * `rss.ts` (its RSS), `run.ts` (one run, driven and measured), `workload.ts` (the mixed requests), `recorder.ts`
 * (their answers checked), `answers.ts` (what every answer is read for), `flood.ts`, `health.ts`, `report.ts` (the
 * tables and the JSON line).
 */
import { randomBytes } from 'node:crypto';
import { pinSelf, TASKSET } from '../bench/support.js';
import { loadDemoCustomers, OwnershipDetector } from './fixture.js';
import { setFaults, startGateway } from './gateway-process.js';
import { describeFloodAnswers, FLOOD_CONNECTIONS, FLOOD_UNKNOWN_KEYS, floodBody } from './flood.js';
import { FAULT_SHARE, LATENCY, parseOptions, withFlood, withoutFlood } from './options.js';
import { p99Text, report } from './report.js';
import { RssSampler, rssStability } from './rss.js';
import { drive, measure, type LoadSetup, type RunFigures } from './run.js';
import { localStripeClient } from './event-stream.js';
import { Recorder } from './recorder.js';
import { MIX, Planner } from './workload.js';

const options = parseOptions();
const { durationSeconds, connections, runs, warmupSeconds, profiles } = options;

pinSelf(1);
console.log(
  `billing-gateway load run — ${durationSeconds}s × ${connections} connections, profiles: ${profiles.join(', ')}, runs: ${runs}` +
    (TASKSET ? '; gateway on core 0, autocannon on core 1' : ' (taskset not found: processes not pinned)'),
);
console.log(
  `  Stripe latency ${LATENCY.latencyMs}–${LATENCY.latencyMs + LATENCY.jitterMs} ms; faults profile: ` +
    `${FAULT_SHARE.rate_limit * 100}% 429 + ${FAULT_SHARE.server_error_503 * 100}% 503 + ${FAULT_SHARE.reset * 100}% reset of Stripe calls`,
);

const gateway = await startGateway();
let exitCode = 0;
try {
  const { ready } = gateway;
  const rss = new RssSampler(ready.pid);
  if (!rss.available) console.log('  (no /proc: RSS not measured)');
  const customers = await loadDemoCustomers(ready);
  const detector = new OwnershipDetector(customers);
  const configurations = await fetch(`${ready.stripeUrl}/v1/billing_portal/configurations?limit=100`, {
    headers: { Authorization: `Bearer ${ready.stripeKey}` },
  }).then((r) => r.json() as Promise<{ data: Array<{ id: string }> }>);
  const configurationIds = configurations.data.map((c) => c.id);
  console.log(
    `  gateway pid ${ready.pid} at ${ready.graphqlUrl}; ${customers.length} demo customers with a token each, ` +
      `${customers.reduce((n, c) => n + c.invoices.length, 0)} invoices, ${detector.identifierCount} identifying strings watched` +
      (detector.ambiguous.length > 0 ? ` (${detector.ambiguous.length} ambiguous left out)` : ''),
  );
  console.log(`  mix: ${MIX.map((m) => `${m.name} ${m.weight}%`).join(', ')}`);

  if (warmupSeconds > 0) {
    await setFaults(ready.stripeUrl, LATENCY);
    const warm = new Recorder(detector, customers);
    const planner = new Planner({ customers, adminKey: ready.adminKey, configurationIds, runTag: `warm-${randomBytes(4).toString('hex')}`, seed: 1 });
    const result = await drive(ready.graphqlUrl, warmupSeconds, connections, planner, warm);
    // Let what the warm-up left in flight finish before the first run resets the local Stripe under it.
    await gateway.ask({ type: 'quiet', ms: 2_000, maxMs: 30_000 });
    console.log(`  warm-up: ${warmupSeconds}s, ${Math.round(result.requests.average)} req/s (not counted)`);
  }

  const flooding = profiles.some(withFlood) ? floodBody(ready.maxBodyBytes) : undefined;
  if (flooding !== undefined) {
    console.log(
      `  flood: ${FLOOD_CONNECTIONS} connections, anonymous CreatePortalSession by id, $input with ${FLOOD_UNKNOWN_KEYS.toLocaleString('en-US')} ` +
        `unknown keys, ${Buffer.byteLength(flooding).toLocaleString('en-US')} B per request (MAX_BODY_BYTES ${ready.maxBodyBytes})`,
    );
  }

  if (options.eventsPerSecond > 0) {
    console.log(
      `  event stream: ${options.eventsPerSecond} changes/s through the local Stripe's API (customers, invoices, subscriptions of ` +
        `${options.subscriberCustomers} customers), delivered by webhook; ${options.subscriberCustomers * 3 + 3} SSE subscribers ` +
        `(each of those customers on customerUpdated, invoiceUpdated and subscriptionUpdated, and an admin on each)`,
    );
  }
  const setup: LoadSetup = {
    gateway,
    rss,
    customers,
    detector,
    configurationIds,
    options,
    floodBody: flooding,
    stripe: localStripeClient(ready.stripeUrl, ready.stripeKey),
    nextSeq: 1,
  };
  const results: RunFigures[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const profile of profiles) {
      process.stdout.write(`  run ${run}/${runs}, ${profile}… `);
      const twin = withFlood(profile) ? results.find((r) => r.run === run && r.profile === withoutFlood(profile)) : undefined;
      const figures = await measure(setup, run, profile, twin);
      results.push(figures);
      console.log(
        `${figures.requestsPerSecond} req/s, p99 ${p99Text(figures)}, peak RSS ${figures.peakRssMiB} MiB, ` +
          `/health p99 ${figures.health.p99Ms} ms, most Stripe calls by one request ${figures.maxStripeCalls}` +
          (figures.maxStripeCallsBy !== null ? ` (${figures.maxStripeCallsBy})` : '') +
          (figures.violations.length > 0 ? ` — ${figures.violations.length} bound(s) broken` : ''),
      );
      if (figures.live !== null) {
        const l = figures.live;
        console.log(
          `    events: ${l.stream.made} changes, ${l.expected} expected by ${l.subscribers} subscribers; event → subscriber p50/p99 ` +
            `${l.latencyP50Ms}/${l.latencyP99Ms} ms; lost ${l.lost}, duplicates ${l.duplicates}` + (l.errors > 0 ? `, told with an error ${l.errors}` : ''),
        );
      }
      if (figures.flood !== null) {
        console.log(
          `    flood: ${figures.flood.requestsPerSecond} req/s, answers ${describeFloodAnswers(figures.flood)}; ` +
            `/health p50/p99/max ${figures.health.p50Ms}/${figures.health.p99Ms}/${figures.health.maxMs} ms` +
            (figures.flood.cheapRefusal ? '; refused cheaply' : '; NOT refused cheaply'),
        );
      }
    }
  }
  await setFaults(ready.stripeUrl, undefined);

  const rssChecks = runs >= 2 && rss.available ? rssStability(results, profiles) : [];
  const violations = report({ results, rssChecks, options, customers: customers.length, gateway });
  if (violations.length > 0) exitCode = 1;
} finally {
  await gateway.stop();
}
process.exit(exitCode);
