/**
 * `npm run load`: the load-and-fault run, by hand, never part of `npm test`.
 *
 *   npm run load [-- --duration 60] [--connections 50] [--faults on|off|both] [--runs 1] [--warmup 5]
 *
 * The gateway runs in its own process (`load/gateway.ts`: `startApp` in demo mode, the local Stripe in that same
 * process), pinned to core 0 when `taskset` exists; autocannon runs here, on core 1. The local Stripe answers every
 * call 20–50 ms late; the `faults` profile also fails 10% of Stripe calls (4% 429 rate_limit, 4% 503, 2% connection
 * reset). The workload (`load/workload.ts`) mixes the example operations as the 28 demo customers — a token each —
 * and as an admin, including `createPortalSession` with idempotency keys, some repeated on purpose. Every response
 * body is parsed and checked. Each run (and each profile) starts on a freshly reset local Stripe.
 *
 * Prints a table, then the bounds that were broken, and as its last line one JSON object with every figure.
 * Exits 1 when a bound is broken:
 *   both profiles: no 5xx; no response carrying another customer's data; no duplicate portal session (one
 *     session per idempotency key, the same session id for every repeat of a key); no response with wrong data;
 *   without faults: GraphQL error rate (from bodies, not HTTP status) under 0.1%;
 *   with faults: the only error codes are RATE_LIMITED and UPSTREAM_UNAVAILABLE, and every request is answered;
 *   with --runs ≥ 2: the gateway's peak RSS in a later run at most max(20 MiB, 10%) above the first run's.
 *
 * The parts: `options.ts` (the options, profiles, faults and bounds), `gateway-process.ts` (the gateway's process),
 * `rss.ts` (its RSS), `run.ts` (one run, driven and measured), `report.ts` (the table and the JSON line).
 */
import { randomBytes } from 'node:crypto';
import { pinSelf, TASKSET } from '../bench/support.js';
import { loadDemoCustomers, OwnershipDetector } from './fixture.js';
import { setFaults, startGateway } from './gateway-process.js';
import { FAULT_SHARE, LATENCY, parseOptions } from './options.js';
import { report } from './report.js';
import { RssSampler, rssStability } from './rss.js';
import { drive, measure, type LoadSetup, type RunFigures } from './run.js';
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

  const setup: LoadSetup = { gateway, rss, customers, detector, configurationIds, options };
  const results: RunFigures[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const profile of profiles) {
      process.stdout.write(`  run ${run}/${runs}, ${profile}… `);
      const figures = await measure(setup, run, profile);
      results.push(figures);
      console.log(
        `${figures.requestsPerSecond} req/s, p99 ${figures.p99Ms} ms, peak RSS ${figures.peakRssMiB} MiB` +
          (figures.violations.length > 0 ? ` — ${figures.violations.length} bound(s) broken` : ''),
      );
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
