/**
 * The gateway against its hand-written baseline (`bench/baseline.ts`), scenario by scenario (`bench/scenarios.ts`):
 *
 * - **calls**: Stripe calls per request, counted at the local Stripe, next to the minimum Stripe allows;
 * - **waves**: with 50 ms injected Stripe latency, one request at a time, wall time ÷ (minimal waves × 50 ms);
 * - **overhead**: autocannon throughput and p50/p99 of gateway and baseline, alternating, median of 3, at 50 ms and
 *   0 ms injected latency;
 * - **growth**: cost against page size (`first` 10/50/100) and against concurrency (1/10/50 connections);
 * - **memory**: the gateway's peak RSS over three repeated mixed-load runs, and its RSS after each.
 *
 * Processes: the gateway (`src/main.ts`, production settings) and the baseline on core 0, taking turns; the local
 * Stripe and autocannon on core 1. Both servers use the same Stripe client settings and in-flight cap.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_STRIPE_MAX_IN_FLIGHT } from '../src/config.js';
import { createFixture } from './fixture.js';
import { SCENARIOS, PORTAL_RETURN_URL, type BenchIds, type Scenario } from './scenarios.js';
import { load, startChild, type Child, type LoadResult } from './support.js';

const STRIPE_KEY = 'sk_test_bench';
const API_KEY = 'bench-admin-key-0123456789';
const LATENCY_MS = 50;

export interface BenchOptions {
  durationSeconds: number;
  connections: number;
  /** Sequential requests per scenario in the waves phase (median taken). */
  samples: number;
}

interface Servers {
  stripe: Child;
  gateway: Child;
  baseline: Child;
  ids: BenchIds;
  cap: number;
}

type Target = 'gateway' | 'baseline';

function endpoint(servers: Servers, target: Target): string {
  return target === 'gateway' ? `${servers.gateway.url}/graphql` : servers.baseline.url;
}

function body(scenario: Scenario, ids: BenchIds, variables?: Record<string, unknown>): string {
  return JSON.stringify({ operationName: scenario.operationName, query: scenario.query, variables: variables ?? scenario.variables(ids) });
}

const HEADERS = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', accept: 'application/json' };

async function post(url: string, payload: string): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body: payload });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

async function control(servers: Servers, method: string, path: string, json?: unknown): Promise<unknown> {
  const response = await fetch(`${servers.stripe.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${STRIPE_KEY}`, 'content-type': 'application/json' },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  if (!response.ok) throw new Error(`local Stripe ${method} ${path}: ${response.status}`);
  return response.json();
}

const setLatency = (servers: Servers, latencyMs: number) => control(servers, 'PUT', '/_local/faults', { latencyMs });
const clearLog = (servers: Servers) => control(servers, 'DELETE', '/_local/requests');
async function logged(servers: Servers): Promise<Array<{ method: string; path: string }>> {
  return ((await control(servers, 'GET', '/_local/requests')) as { data: Array<{ method: string; path: string }> }).data;
}

/**
 * Values that differ between two equal requests: portal session ids, URLs and creation times. And the gateway's
 * `extensions` (its Stripe call report), which the hand-written baseline has no reason to make: the answers compared
 * are `data` and `errors`.
 */
function normalise(text: string): unknown {
  const { extensions: _report, ...answer } = JSON.parse(
    text
      .replace(/bps_[A-Za-z0-9]+/g, 'bps_*')
      .replace(/\/p\/session\/[A-Za-z0-9_-]+/g, '/p/session/*')
      .replace(/"createdAt":"[^"]+"/g, (match) => (text.includes('"createPortalSession"') ? '"createdAt":"*"' : match)),
  ) as Record<string, unknown>;
  return answer;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function start(): Promise<Servers> {
  const stripe = await startChild('src/local-stripe/main.ts', ['--port', '0', '--seed', 'demo'], 1, /listening on (http:\/\/\S+)/);
  try {
    const ids = await createFixture(stripe.url, STRIPE_KEY);
    const cap = DEFAULT_STRIPE_MAX_IN_FLIGHT;
    const env = {
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      STRIPE_SECRET_KEY: STRIPE_KEY,
      STRIPE_API_BASE: stripe.url,
      STRIPE_MAX_IN_FLIGHT: String(cap),
      GATEWAY_API_KEYS: API_KEY,
      BENCH_API_KEY: API_KEY,
      PORTAL_RETURN_URL,
      // The bench drives one caller at hundreds of requests a second, on purpose.
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      // customers → edges → node → invoices → edges → node → total → formatted is 8 deep (default limit 6).
      MAX_DEPTH: '12',
      AUTH_JWT_SECRET: '',
      AUTH_JWKS_URL: '',
    };
    const [gateway, baseline] = await Promise.all([
      startChild('src/main.ts', [], 0, /billing-gateway listening on (http:\/\/\S+)/, env),
      startChild('bench/baseline.ts', [], 0, /baseline listening on (http:\/\/\S+)/, env),
    ]);
    return { stripe, gateway, baseline, ids, cap };
  } catch (error) {
    await stripe.stop();
    throw error;
  }
}

/** Both servers must give the same answer (normalised) for every scenario before anything is measured. */
async function verify(servers: Servers): Promise<void> {
  for (const scenario of SCENARIOS) {
    const payload = body(scenario, servers.ids);
    const [gateway, baseline] = [await post(endpoint(servers, 'gateway'), payload), await post(endpoint(servers, 'baseline'), payload)];
    if (gateway.status !== 200 || baseline.status !== 200) {
      throw new Error(`${scenario.name}: gateway ${gateway.status} ${gateway.text.slice(0, 300)} / baseline ${baseline.status} ${baseline.text.slice(0, 300)}`);
    }
    const a = JSON.stringify(normalise(gateway.text));
    const b = JSON.stringify(normalise(baseline.text));
    if (a !== b) throw new Error(`${scenario.name}: the baseline answers differently\n gateway:  ${a.slice(0, 600)}\n baseline: ${b.slice(0, 600)}`);
  }
}

/**
 * Waits until no Stripe call has arrived for 300 ms: requests that autocannon abandoned at the end of a run may
 * still be making calls, which must not be counted against the next scenario.
 */
async function settle(servers: Servers): Promise<void> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    await clearLog(servers);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const count = (await logged(servers)).length;
    if (count === 0 && last === 0) return;
    last = count;
  }
  throw new Error('the local Stripe never became quiet');
}

async function callsOf(servers: Servers, target: Target, scenario: Scenario, variables?: Record<string, unknown>): Promise<number> {
  await settle(servers);
  const response = await post(endpoint(servers, target), body(scenario, servers.ids, variables));
  if (response.status !== 200) throw new Error(`${scenario.name}: ${response.status}`);
  return (await logged(servers)).length;
}

async function wallTime(servers: Servers, target: Target, scenario: Scenario, samples: number, variables?: Record<string, unknown>): Promise<number> {
  const payload = body(scenario, servers.ids, variables);
  for (let i = 0; i < 2; i++) await post(endpoint(servers, target), payload);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push((await post(endpoint(servers, target), payload)).ms);
  return median(times);
}

async function loadRun(
  servers: Servers,
  target: Target,
  scenario: Scenario,
  connections: number,
  seconds: number,
  onResponse?: (status: number, body: string) => void,
): Promise<LoadResult> {
  const payload = body(scenario, servers.ids);
  return load({
    url: endpoint(servers, target),
    method: 'POST',
    headers: HEADERS,
    body: payload,
    connections,
    duration: seconds,
    ...(onResponse !== undefined ? { requests: [{ method: 'POST', headers: HEADERS, body: payload, onResponse }] } : {}),
  });
}

/** Sums the gateway's own report of each answered request's Stripe calls (`extensions.stripe.calls`). */
function callReports(): { onResponse: (status: number, body: string) => void; perRequest: () => number } {
  let answers = 0;
  let calls = 0;
  return {
    onResponse: (_status, text) => {
      try {
        const reported = (JSON.parse(text) as { extensions?: { stripe?: { calls?: unknown } } }).extensions?.stripe?.calls;
        if (typeof reported !== 'number') return;
        answers++;
        calls += reported;
      } catch {
        // not a GraphQL answer: not counted
      }
    },
    perRequest: () => (answers === 0 ? NaN : round(calls / answers, 2)),
  };
}

export interface Side {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface OverheadFigure {
  latencyMs: number;
  gateway: Side;
  baseline: Side;
  /** Gateway req/s ÷ baseline req/s. */
  throughputRatio: number;
  /** Gateway p50 − baseline p50. */
  p50DeltaMs: number;
  target: string;
  met: boolean;
}

/** Median of three alternating runs each (gateway, baseline, gateway, …), after a warm-up of both. */
async function overhead(servers: Servers, scenario: Scenario, latencyMs: number, options: BenchOptions): Promise<OverheadFigure> {
  await setLatency(servers, latencyMs);
  for (const target of ['gateway', 'baseline'] as const) await loadRun(servers, target, scenario, options.connections, 0.3);
  const runs: Record<Target, LoadResult[]> = { gateway: [], baseline: [] };
  for (let i = 0; i < 3; i++) {
    for (const target of ['gateway', 'baseline'] as const) {
      const result = await loadRun(servers, target, scenario, options.connections, options.durationSeconds);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${scenario.name} (${target}): ${result.non2xx} non-2xx, ${result.errors} errors`);
      runs[target].push(result);
    }
  }
  const side = (results: LoadResult[]): Side => ({
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
  });
  const gateway = side(runs.gateway);
  const baseline = side(runs.baseline);
  const throughputRatio = round(gateway.requestsPerSecond / baseline.requestsPerSecond, 2);
  const p50DeltaMs = round(gateway.p50Ms - baseline.p50Ms, 1);
  const floor = latencyMs > 0 ? 0.95 : scenario.kind === 'single' ? 0.8 : 0.7;
  const met = throughputRatio >= floor && (latencyMs === 0 || p50DeltaMs <= 3);
  return { latencyMs, gateway, baseline, throughputRatio, p50DeltaMs, target: `≥ ${floor}×${latencyMs > 0 ? ', p50 +≤ 3 ms' : ''}`, met };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Resets the process's peak RSS (`VmHWM`) to its current RSS (Linux: `5` into `/proc/<pid>/clear_refs`), so that
 * the load runs' peak is theirs, not the earlier phases'. False when the kernel refuses.
 */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function rssOf(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: round(kib('VmRSS') / 1024, 1), peakRssMiB: round(kib('VmHWM') / 1024, 1) };
}

export interface ScenarioFigures {
  name: string;
  kind: Scenario['kind'];
  stripeCalls: number;
  minStripeCalls: number;
  baselineStripeCalls: number;
  reasoning: string;
  waves: { minWaves: number; wallMs: number; ratio: number; baselineWallMs: number; met: boolean };
  overhead: OverheadFigure[];
}

export interface GrowthFigures {
  pageSize: Array<{ first: number; stripeCalls: number; gatewayMs: number; baselineMs: number; msPerItem: number }>;
  concurrency: Array<{ connections: number; stripeCallsPerRequest: number; gateway: Side; baseline: Side }>;
}

export interface MemoryFigures {
  runs: Array<{ seconds: number; connections: number; requests: number; rssMiB: number; peakRssMiB: number }>;
  /** The same runs against the baseline: what the workload itself costs a Node process. */
  baselineRuns: MemoryFigures['runs'];
  peakRssMiB: number;
  baselinePeakRssMiB: number;
  /** Whether the peak was reset before the load runs (else it is the process's lifetime peak). */
  peakReset: boolean;
  limitMiB: number;
  met: boolean;
}

export interface GatewayBench {
  scenarios: ScenarioFigures[];
  growth: GrowthFigures;
  memory: MemoryFigures;
  stripeMaxInFlight: number;
  latencyMs: number;
}

async function growth(servers: Servers, options: BenchOptions): Promise<GrowthFigures> {
  const list = SCENARIOS.find((s) => s.operationName === 'InvoicesWithCustomerNames')!;
  const nested = SCENARIOS.find((s) => s.operationName === 'CustomerWithInvoices')!;
  await setLatency(servers, 0);
  const pageSize: GrowthFigures['pageSize'] = [];
  for (const first of [10, 50, 100]) {
    const variables = { first };
    const stripeCalls = await callsOf(servers, 'gateway', list, variables);
    const gatewayMs = round(await wallTime(servers, 'gateway', list, options.samples * 2, variables), 2);
    const baselineMs = round(await wallTime(servers, 'baseline', list, options.samples * 2, variables), 2);
    pageSize.push({ first, stripeCalls, gatewayMs, baselineMs, msPerItem: round(gatewayMs / first, 3) });
  }
  await setLatency(servers, LATENCY_MS);
  const concurrency: GrowthFigures['concurrency'] = [];
  for (const connections of [1, 10, 50]) {
    await settle(servers);
    // Each answer's own report of its calls: the local Stripe's log would also count the calls of requests cut off
    // as a run ends (made but never answered: 2.11–2.14 per request for this 2-call scenario), and miss those of
    // requests whose queued calls were dropped when autocannon closed their sockets.
    const reports = callReports();
    const gateway = await loadRun(servers, 'gateway', nested, connections, options.durationSeconds, reports.onResponse);
    const baseline = await loadRun(servers, 'baseline', nested, connections, options.durationSeconds);
    concurrency.push({
      connections,
      stripeCallsPerRequest: reports.perRequest(),
      gateway: { requestsPerSecond: gateway.requestsPerSecond, p50Ms: gateway.p50Ms, p99Ms: gateway.p99Ms },
      baseline: { requestsPerSecond: baseline.requestsPerSecond, p50Ms: baseline.p50Ms, p99Ms: baseline.p99Ms },
    });
  }
  return { pageSize, concurrency };
}

/**
 * The load run, three times: every scenario mixed on 50 connections at 50 ms injected latency (Stripe is never
 * faster), for the gateway and then the baseline; each process's RSS and peak RSS read from /proc after each run.
 */
async function memory(servers: Servers, options: BenchOptions): Promise<MemoryFigures> {
  await settle(servers);
  await setLatency(servers, LATENCY_MS);
  const seconds = Math.max(5, options.durationSeconds * 5);
  const mixed = (target: Target) => ({
    url: endpoint(servers, target),
    method: 'POST' as const,
    headers: HEADERS,
    requests: SCENARIOS.map((scenario) => ({ method: 'POST' as const, body: body(scenario, servers.ids), headers: HEADERS })),
    connections: 50,
    duration: seconds,
  });
  let peakReset = true;
  const runsOf = async (target: Target) => {
    const pid = servers[target].process.pid!;
    peakReset &&= resetPeak(pid);
    const runs: MemoryFigures['runs'] = [];
    for (let run = 0; run < 3; run++) {
      const result = await load(mixed(target));
      runs.push({ seconds, connections: 50, requests: result.requests, ...rssOf(pid) });
      await settle(servers);
    }
    return runs;
  };
  const runs = await runsOf('gateway');
  const baselineRuns = await runsOf('baseline');
  const peakRssMiB = Math.max(...runs.map((r) => r.peakRssMiB));
  return {
    runs,
    baselineRuns,
    peakRssMiB,
    baselinePeakRssMiB: Math.max(...baselineRuns.map((r) => r.peakRssMiB)),
    peakReset,
    limitMiB: 256,
    met: peakRssMiB <= 256,
  };
}

export async function benchGateway(options: BenchOptions, progress: (line: string) => void): Promise<GatewayBench> {
  const servers = await start();
  try {
    await verify(servers);
    progress('answers of gateway and baseline agree for every scenario');
    const scenarios: ScenarioFigures[] = [];
    for (const scenario of SCENARIOS) {
      await setLatency(servers, 0);
      const stripeCalls = await callsOf(servers, 'gateway', scenario);
      const baselineStripeCalls = await callsOf(servers, 'baseline', scenario);
      await setLatency(servers, LATENCY_MS);
      const minWaves = scenario.minWaves(servers.cap);
      const wallMs = round(await wallTime(servers, 'gateway', scenario, options.samples), 1);
      const baselineWallMs = round(await wallTime(servers, 'baseline', scenario, options.samples), 1);
      const ratio = round(wallMs / (minWaves * LATENCY_MS), 2);
      const figures: OverheadFigure[] = [];
      for (const latency of [LATENCY_MS, 0]) figures.push(await overhead(servers, scenario, latency, options));
      scenarios.push({
        name: scenario.name,
        kind: scenario.kind,
        stripeCalls,
        minStripeCalls: scenario.minStripeCalls,
        baselineStripeCalls,
        reasoning: scenario.reasoning,
        waves: { minWaves, wallMs, ratio, baselineWallMs, met: ratio <= 1.15 },
        overhead: figures,
      });
      progress(`${scenario.name}: done`);
    }
    const grown = await growth(servers, options);
    progress('growth: done');
    const mem = await memory(servers, options);
    progress('memory: done');
    return { scenarios, growth: grown, memory: mem, stripeMaxInFlight: servers.cap, latencyMs: LATENCY_MS };
  } finally {
    await Promise.all([servers.gateway.stop(), servers.baseline.stop()]);
    await servers.stripe.stop();
  }
}
