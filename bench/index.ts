/**
 * `npm run bench`: benchmarks, run by hand, never part of `npm test`. Prints tables for people and, as its last
 * line, one JSON object with every figure (`{ "scenarios": [ … ] }`), so runs can be compared.
 *
 *   npm run bench [-- --duration SECONDS] [--connections N] [--samples N] [--budget PER_SECOND] [--redis]
 *                    [--only gateway|cache|local-stripe|startup] [--runs N] [--tsx] [--source-maps]
 *                    [--observability all|metrics,traces,logs]
 *
 * The servers run compiled, as `npm start` runs the gateway (`bench/runtime.ts`: built afresh first), or with
 * `--tsx` from the sources as before the production build; `--source-maps` adds `--enable-source-maps` to them;
 * `--observability` runs the gateway with metrics, traces and info logs on, or some of them (`bench/observability.ts`).
 * The start-up part (`bench/startup.ts`, `--runs` runs of each way to start) always compares the two.
 *
 * The gateway part (`bench/gateway-vs-baseline.ts`) measures Stripe calls, waves, overhead against a hand-written
 * baseline, growth and memory, with the shared cache off; the cache part (`bench/cache.ts`) measures billing page
 * views with the cache on (cold, warm, after a change), warm throughput against the baseline, and a run offered 10×
 * the account's Stripe budget (`--budget`, default 10 requests a second) — in memory, and with `--redis` once more
 * on a real `redis-server`; the local-Stripe part
 * (`bench/local-stripe.ts`) checks that the local Stripe is never the bottleneck.
 */
import { parseArgs } from 'node:util';
import { benchCache, type CacheBench } from './cache.js';
import { printCache } from './cache-report.js';
import { benchGateway, type GatewayBench } from './gateway-vs-baseline.js';
import { benchLocalStripe, type LocalStripeScenario } from './local-stripe.js';
import { observabilityParts, startObservability } from './observability.js';
import { buildCompiled, useRuntime, type Runtime } from './runtime.js';
import { useGatewayEnv } from './servers.js';
import { benchStartup, type StartupFigures } from './startup.js';
import { pinSelf, printTable, TASKSET } from './support.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '1' },
    connections: { type: 'string', default: '10' },
    samples: { type: 'string', default: '7' },
    budget: { type: 'string', default: '10' },
    redis: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string', default: '5' },
    tsx: { type: 'boolean', default: false },
    'source-maps': { type: 'boolean', default: false },
    observability: { type: 'string' },
  },
});
const PARTS = ['gateway', 'cache', 'local-stripe', 'startup'] as const;
if (values.only !== undefined && !(PARTS as readonly string[]).includes(values.only)) {
  throw new Error(`--only must be one of ${PARTS.join(', ')}, got '${values.only}'`);
}
const runs = (part: (typeof PARTS)[number]) => values.only === undefined || values.only === part;
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const samples = Number(values.samples);
const started = Date.now();

pinSelf(1);
console.log(
  `billing-gateway benchmarks — ${durationSeconds}s per run, ${connections} connections` +
    (TASKSET ? '; gateway and baseline on core 0, local Stripe and load generator on core 1' : ' (taskset not found: processes not pinned)'),
);
const progress = (line: string) => console.log(`  … ${line} (${Math.round((Date.now() - started) / 1000)} s)`);

const runtime: Runtime = { kind: values.tsx ? 'tsx' : 'build', sourceMaps: values['source-maps'] };
const serverParts = PARTS.filter((part) => part !== 'startup' && runs(part));
if ((runtime.kind === 'build' && serverParts.length > 0) || runs('startup')) await buildCompiled(progress);
useRuntime(runtime);
const observed = values.observability !== undefined ? observabilityParts(values.observability) : [];
const observability = await startObservability(observed);
useGatewayEnv(observability.env);
if (serverParts.length > 0) {
  console.log(
    `servers: ${runtime.kind === 'build' ? 'compiled (node dist/main.js, as npm start)' : 'the sources through tsx (--tsx)'}` +
      (runtime.sourceMaps ? ', with --enable-source-maps' : '') +
      (observed.length > 0 ? `; the gateway with ${observed.join(', ')} on (--observability)` : ''),
  );
}

let gateway: GatewayBench | undefined;
if (runs('gateway')) {
  gateway = await benchGateway({ durationSeconds, connections, samples }, progress);
  const g = gateway;
  const byLatency = (s: GatewayBench['scenarios'][number], latency: number) => s.overhead.find((o) => o.latencyMs === latency)!;
  const mark = (met: boolean) => (met ? '' : ' ✗');
  console.log(`\nStripe calls and waves (waves: ${g.latencyMs} ms injected latency, one request at a time, median of ${samples}; in-flight cap ${g.stripeMaxInFlight})`);
  printTable(
    g.scenarios.map((s) => ({
      scenario: s.name,
      calls: s.stripeCalls,
      'min calls': s.minStripeCalls + mark(s.stripeCalls === s.minStripeCalls),
      'min waves': s.waves.minWaves,
      'wall ms': s.waves.wallMs,
      'waves ratio': s.waves.ratio + mark(s.waves.met),
      'baseline ms': s.waves.baselineWallMs,
      'peak RSS MiB (gw / base)': `${s.gatewayPeakRssMiB} / ${s.baselinePeakRssMiB}`,
    })),
  );
  for (const latency of [g.latencyMs, 0]) {
    console.log(`\nOverhead at ${latency} ms injected latency (${connections} connections, median of 3 alternating runs)`);
    printTable(
      g.scenarios.map((s) => {
        const o = byLatency(s, latency);
        return {
          scenario: s.name,
          kind: s.kind,
          'gateway req/s': o.gateway.requestsPerSecond,
          'baseline req/s': o.baseline.requestsPerSecond,
          ratio: o.throughputRatio + mark(o.met),
          target: o.target,
          'p50 ms (gw / base)': `${o.gateway.p50Ms} / ${o.baseline.p50Ms}`,
          'p99 ms (gw / base)': `${o.gateway.p99Ms} / ${o.baseline.p99Ms}`,
        };
      }),
    );
  }
  console.log('\nGrowth with page size: invoices(first: N) { customer { name } }, 0 ms latency, one request at a time');
  printTable(
    g.growth.pageSize.map((p) => ({ first: p.first, calls: p.stripeCalls, 'gateway ms': p.gatewayMs, 'baseline ms': p.baselineMs, 'ms per invoice': p.msPerItem })),
  );
  console.log(`\nGrowth with concurrency: customer + invoices + their customer, ${g.latencyMs} ms latency`);
  printTable(
    g.growth.concurrency.map((c) => ({
      connections: c.connections,
      'calls/request': c.stripeCallsPerRequest,
      'gateway req/s': c.gateway.requestsPerSecond,
      'baseline req/s': c.baseline.requestsPerSecond,
      'p50 ms (gw / base)': `${c.gateway.p50Ms} / ${c.baseline.p50Ms}`,
      'p99 ms (gw / base)': `${c.gateway.p99Ms} / ${c.baseline.p99Ms}`,
    })),
  );
  console.log(
    `\nMemory: three load runs, every scenario mixed on 50 connections at ${g.latencyMs} ms latency (limit ${g.memory.limitMiB} MiB)` +
      (g.memory.peakReset ? '' : '\n(peak RSS could not be reset: it includes the earlier phases)'),
  );
  printTable(
    g.memory.runs.map((r, i) => {
      const b = g.memory.baselineRuns[i]!;
      return {
        run: i + 1,
        requests: `${r.requests} / ${b.requests}`,
        'RSS after, MiB (gw / base)': `${r.rssMiB} / ${b.rssMiB}`,
        'peak RSS, MiB (gw / base)': `${r.peakRssMiB}${r.peakRssMiB > g.memory.limitMiB ? ' ✗' : ''} / ${b.peakRssMiB}`,
      };
    }),
  );
}

const cache: CacheBench[] = [];
if (runs('cache')) {
  for (const redis of values.redis ? [false, true] : [false]) {
    cache.push(await benchCache({ durationSeconds, connections, budgetPerSecond: Number(values.budget), redis }, progress));
  }
  for (const figures of cache) printCache(figures, connections);
}

let localStripe: LocalStripeScenario[] = [];
if (runs('local-stripe')) {
  localStripe = await benchLocalStripe({ durationSeconds, connections });
  console.log('\nThe local Stripe alone');
  printTable(
    localStripe.map((s) => ({ scenario: s.name, 'req/s': s.requestsPerSecond, 'p50 ms': s.p50Ms, 'p99 ms': s.p99Ms, 'non-2xx': s.non2xx, errors: s.errors })),
  );
}

let startup: StartupFigures[] = [];
if (runs('startup')) {
  startup = await benchStartup(Number(values.runs), progress);
  console.log(`\nStart-up and memory: demo mode as npm start runs it, median of ${values.runs} runs (RSS of the gateway process alone; npm's apart)`);
  printTable(
    startup.map((s) => ({
      start: s.name,
      'spawn → /health 200, ms': s.startupMs,
      'idle RSS MiB': s.idleRssMiB,
      'start-up peak MiB': s.startupPeakRssMiB,
      'peak under load MiB': s.loadPeakRssMiB,
      'load req/s': s.loadRequestsPerSecond,
      'npm RSS MiB': s.npmRssMiB ?? '',
    })),
  );
}

const traces = observability.traces();
await observability.close();
if (traces !== undefined) console.log(`\nTraces: ${traces.exports} OTLP exports received (${Math.round(traces.bytes / 1024)} KiB)`);

const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n${seconds} s in all`);
console.log(
  JSON.stringify({
    scenarios: [...(gateway?.scenarios ?? []), ...localStripe],
    ...(gateway !== undefined ? { growth: gateway.growth, memory: gateway.memory, stripeMaxInFlight: gateway.stripeMaxInFlight, latencyMs: gateway.latencyMs } : {}),
    ...(cache.length > 0 ? { cache } : {}),
    ...(startup.length > 0 ? { startup } : {}),
    runtime: runtime.kind,
    sourceMaps: runtime.sourceMaps,
    observability: observed,
    ...(traces !== undefined ? { traceExports: traces.exports } : {}),
    durationSeconds,
    connections,
    samples,
    seconds,
    pinned: TASKSET,
    node: process.version,
  }),
);
