/**
 * The load run's report: a table with one row per run and profile, one for the event stream (event → subscriber
 * latency, lost, duplicates), one with a row per flood run (when a profile floods), RSS stability, the bounds that were broken, examples of leaks and wrong data, the
 * gateway's stderr, and as the last line one JSON object with every figure.
 */
import { printTable, TASKSET } from '../bench/support.js';
import { describeFloodAnswers, FLOOD_CHEAP_BYTES, FLOOD_CONNECTIONS, FLOOD_UNKNOWN_KEYS } from './flood.js';
import type { GatewayProcess } from './gateway-process.js';
import { HEALTH_INTERVAL_MS } from './health.js';
import {
  ALLOWED_FAULT_CODES,
  ERROR_RATE_BOUND,
  FAULT_SHARE,
  LATENCY,
  RSS_GROWTH,
  type LoadOptions,
} from './options.js';
import type { RssCheck } from './rss.js';
import type { RunFigures } from './run.js';
import { MIX } from './workload.js';

/** A run's normal p99 for people: autocannon says 0 ms when nothing was answered. */
export const p99Text = (r: RunFigures): string => (r.responses === 0 ? 'none answered' : `${r.p99Ms} ms`);

export interface ReportInput {
  results: RunFigures[];
  rssChecks: RssCheck[];
  options: LoadOptions;
  customers: number;
  gateway: GatewayProcess;
}

/** Prints the report; returns the bounds that were broken (none: the run passed). */
export function report({ results, rssChecks, options, customers, gateway }: ReportInput): string[] {
  console.log('');
  printTable(
    results.map((r) => ({
      run: r.run,
      profile: r.profile,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      requests: r.requests,
      'GraphQL errors': `${(r.graphqlErrorRate * 100).toFixed(3)}%`,
      'errors by code': Object.entries(r.errorsByCode).map(([code, n]) => `${code} ${n}`).join(', ') || '—',
      '5xx': r.serverErrors5xx,
      'no resp.': r.noResponse,
      'peak RSS MiB': r.peakRssMiB,
      '/health p99 ms': r.health.p99Ms,
      'most Stripe calls (largest est.)': `${r.maxStripeCalls} (${r.maxEstimatedStripeCalls})`,
      'Stripe calls (faulted)': `${r.stripeCalls} (${r.stripeCalls > 0 ? ((r.stripeCallsFaulted / r.stripeCalls) * 100).toFixed(1) : '0'}%)`,
      'sessions created / keys (requests)': `${r.sessionsCreated} / ${r.distinctKeys} (${r.portalRequests})`,
      'repeated keys ok': `${r.repeatedKeysVerified - r.keysWithSeveralSessionIds}/${r.repeatedKeysVerified}`,
      'dup. sessions': r.duplicateSessions,
      'cross-customer': r.crossCustomer,
      'wrong data': r.wrongData + r.adminMixups,
      verdict: r.violations.length === 0 ? 'ok' : 'BROKEN',
    })),
  );
  const lives = results.filter((r) => r.live !== null);
  if (lives.length > 0) {
    console.log('');
    printTable(
      lives.map((r) => {
        const l = r.live!;
        return {
          run: r.run,
          profile: r.profile,
          'changes made (sent)': `${l.stream.made} (${l.stream.sent})`,
          'changes/s': l.stream.perSecond,
          subscribers: l.subscribers,
          'expected (subscriber, event)': l.expected,
          'event → subscriber p50 / p99 / max ms': `${l.latencyP50Ms} / ${l.latencyP99Ms} / ${l.latencyMaxMs}`,
          lost: l.lost,
          duplicates: l.duplicates,
          'told with an error': l.errors,
          'coalesced': l.coalesced,
          reconnects: l.reconnects,
          'settled in ms': l.settleMs,
        };
      }),
    );
  }
  const floods = results.filter((r) => r.flood !== null);
  if (floods.length > 0) {
    console.log('');
    printTable(
      floods.map((r) => {
        const f = r.flood!;
        const before = f.healthWithoutFlood;
        return {
          run: r.run,
          profile: r.profile,
          'flood req/s': f.requestsPerSecond,
          'flood answers (status, bytes)': describeFloodAnswers(f),
          'flood p99 ms': f.p99Ms,
          'flood Stripe calls': f.stripe.maxStripeCalls,
          '/health p50/p99/max ms': `${r.health.p50Ms}/${r.health.p99Ms}/${r.health.maxMs}`,
          '…without flood': before !== null ? `${before.p50Ms}/${before.p99Ms}/${before.maxMs}` : '—',
          'normal p99 with / without flood': `${p99Text(r)} / ${f.normalP99WithoutFloodMs !== null ? `${f.normalP99WithoutFloodMs} ms` : '—'}`,
          'recovery ms': f.recoveryMs ?? '> 60000',
          'refused cheaply': f.cheapRefusal ? 'yes' : 'NO',
        };
      }),
    );
    if (floods.some((r) => r.flood!.normalP99WithoutFloodMs === null)) console.log('  (— : run with --flood both to measure without the flood too)');
  }
  for (const check of rssChecks) {
    console.log(
      `RSS stability (${check.profile}): peaks ${check.peaksMiB.join(' → ')} MiB, growth ${check.growthMiB} MiB ` +
        `(allowed ${check.allowedMiB}) — ${check.ok ? 'stable' : 'GROWING'}`,
    );
  }

  const violations = [
    ...results.flatMap((r) => r.violations.map((v) => `run ${r.run} ${r.profile}: ${v}`)),
    ...rssChecks.filter((c) => !c.ok).map((c) => `RSS (${c.profile}) grew ${c.growthMiB} MiB across runs (allowed ${c.allowedMiB})`),
  ];
  for (const r of results) {
    for (const leak of r.leaks) console.log(`  leak (run ${r.run} ${r.profile}, ${leak.operation}, caller ${leak.caller}, also ${leak.others.join(' ')}): ${leak.excerpt}`);
    for (const wrong of r.wrongExamples) console.log(`  wrong data (run ${r.run} ${r.profile}, ${wrong.operation}): ${wrong.excerpt}`);
  }
  const stderrLines = gateway.stderrLines();
  if (stderrLines > 0) {
    console.log(`  the gateway wrote ${stderrLines} line(s) to stderr; the first ones:`);
    for (const line of gateway.stderr.slice(0, 5)) console.log(`    ${line.slice(0, 300)}`);
  }
  if (violations.length > 0) {
    console.log('\nBounds broken:');
    for (const v of violations) console.log(`  - ${v}`);
  } else {
    console.log('\nAll bounds held.');
  }
  console.log(
    JSON.stringify({
      ok: violations.length === 0,
      violations,
      runs: results.map(({ leaks, wrongExamples, ...figures }) => ({ ...figures, leakExamples: leaks.length, wrongDataExamples: wrongExamples.length })),
      rssStability: rssChecks,
      bounds: {
        serverErrors5xx: 0,
        crossCustomer: 0,
        duplicateSessions: 0,
        wrongData: 0,
        noFaultsGraphqlErrorRateBelow: ERROR_RATE_BOUND,
        faultsAllowedCodes: [...ALLOWED_FAULT_CODES],
        rssGrowthAllowed: RSS_GROWTH,
        answersWithoutStripeReport: 0,
        answersOverEstimate: 0,
        answersOverBudget: 0,
        flood: { serverErrors5xx: 0, stripeCalls: 0, cheapRefusal: { status: 401, code: 'UNAUTHENTICATED', maxBytes: FLOOD_CHEAP_BYTES } },
        events: { lost: 0, duplicates: 0, errorsWithoutFaults: 0, errorCodesWithFaults: [...ALLOWED_FAULT_CODES] },
      },
      workload: { mix: MIX, latency: LATENCY, faults: FAULT_SHARE, customers, warmupSeconds: options.warmupSeconds },
      flood: { connections: FLOOD_CONNECTIONS, unknownKeys: FLOOD_UNKNOWN_KEYS, document: 'CreatePortalSession', authorization: 'none' },
      events: { perSecond: options.eventsPerSecond, subscriberCustomers: options.subscriberCustomers },
      healthIntervalMs: HEALTH_INTERVAL_MS,
      profiles: options.profiles,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      pinned: TASKSET,
      node: process.version,
      gatewayStderrLines: stderrLines,
    }),
  );
  return violations;
}
