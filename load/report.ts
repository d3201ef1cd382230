/**
 * The load run's report: a table with one row per run and profile, RSS stability, the bounds that were broken,
 * examples of leaks and wrong data, the gateway's stderr, and as the last line one JSON object with every figure.
 */
import { printTable, TASKSET } from '../bench/support.js';
import type { GatewayProcess } from './gateway-process.js';
import { ALLOWED_FAULT_CODES, ERROR_RATE_BOUND, FAULT_SHARE, LATENCY, RSS_GROWTH, type LoadOptions } from './options.js';
import type { RssCheck } from './rss.js';
import type { RunFigures } from './run.js';
import { MIX } from './workload.js';

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
      'Stripe calls (faulted)': `${r.stripeCalls} (${r.stripeCalls > 0 ? ((r.stripeCallsFaulted / r.stripeCalls) * 100).toFixed(1) : '0'}%)`,
      'sessions created / keys (requests)': `${r.sessionsCreated} / ${r.distinctKeys} (${r.portalRequests})`,
      'repeated keys ok': `${r.repeatedKeysVerified - r.keysWithSeveralSessionIds}/${r.repeatedKeysVerified}`,
      'dup. sessions': r.duplicateSessions,
      'cross-customer': r.crossCustomer,
      'wrong data': r.wrongData + r.adminMixups,
      verdict: r.violations.length === 0 ? 'ok' : 'BROKEN',
    })),
  );
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
      },
      workload: { mix: MIX, latency: LATENCY, faults: FAULT_SHARE, customers, warmupSeconds: options.warmupSeconds },
      durationSeconds: options.durationSeconds,
      connections: options.connections,
      pinned: TASKSET,
      node: process.version,
      gatewayStderrLines: stderrLines,
    }),
  );
  return violations;
}
