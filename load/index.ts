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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { idempotencyScope } from '../src/auth/viewer.js';
import type { FaultOptions } from '../src/local-stripe/index.js';
import { scopedIdempotencyKey } from '../src/stripe/gateway.js';
import { pinSelf, printTable, ROOT, TASKSET } from '../bench/support.js';
import { loadDemoCustomers, OwnershipDetector, type DemoCustomer } from './fixture.js';
import type { GatewayReady, GatewayReply, GatewayRequest, SessionStats } from './gateway.js';
import { MIX, Planner, Recorder, type Planned } from './workload.js';

// ---------------------------------------------------------------------------------------------------------------
// Options

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '50' },
    faults: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '5' },
  },
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const runs = Number(values.runs);
const warmupSeconds = Number(values.warmup);
const faultsOption = values.faults ?? 'both';
const problems = [
  ...(Number.isInteger(durationSeconds) && durationSeconds > 0 ? [] : ['--duration must be a whole number of seconds > 0']),
  ...(Number.isInteger(connections) && connections > 0 ? [] : ['--connections must be a whole number > 0']),
  ...(Number.isInteger(runs) && runs > 0 ? [] : ['--runs must be a whole number > 0']),
  ...(Number.isInteger(warmupSeconds) && warmupSeconds >= 0 ? [] : ['--warmup must be a whole number of seconds ≥ 0']),
  ...(['on', 'off', 'both'].includes(faultsOption) ? [] : ['--faults must be on, off or both']),
];
if (problems.length > 0) {
  console.error(`npm run load: ${problems.join('; ')}`);
  process.exit(2);
}

type Profile = 'no-faults' | 'faults';
const profiles: Profile[] = faultsOption === 'on' ? ['faults'] : faultsOption === 'off' ? ['no-faults'] : ['no-faults', 'faults'];

/** Every Stripe call is answered 20–50 ms late (uniform). */
const LATENCY = { latencyMs: 20, jitterMs: 30 };
/** The share of Stripe calls the `faults` profile fails, and how. Rules are tried in order, each with its own draw. */
const FAULT_SHARE = { rate_limit: 0.04, server_error_503: 0.04, reset: 0.02 };

function faultOptions(profile: Profile, seed: number): FaultOptions {
  if (profile === 'no-faults') return { ...LATENCY, seed };
  // Conditional probabilities, so that exactly 10% of calls fail: 4% + 4% + 2%.
  const p1 = FAULT_SHARE.rate_limit;
  const p2 = FAULT_SHARE.server_error_503 / (1 - p1);
  const p3 = FAULT_SHARE.reset / (1 - p1 - FAULT_SHARE.server_error_503);
  return {
    ...LATENCY,
    seed,
    rules: [
      { kind: 'rate_limit', probability: p1 },
      { kind: 'server_error', status: 503, probability: p2 },
      { kind: 'reset', probability: p3 },
    ],
  };
}

const ERROR_RATE_BOUND = 0.001;
const ALLOWED_FAULT_CODES = new Set(['RATE_LIMITED', 'UPSTREAM_UNAVAILABLE']);
const RSS_GROWTH = { mib: 20, ratio: 0.1 };
const RSS_SAMPLE_MS = 250;

// ---------------------------------------------------------------------------------------------------------------
// The gateway's process

interface GatewayProcess {
  ready: GatewayReady;
  child: ChildProcess;
  ask(request: DistributiveOmit<GatewayRequest, 'id'>): Promise<GatewayReply & { ok: true }>;
  stderr: string[];
  stderrLines(): number;
  stop(): Promise<void>;
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function startGateway(): Promise<GatewayProcess> {
  const command = TASKSET ? 'taskset' : process.execPath;
  const argv = [...(TASKSET ? ['-c', '0', process.execPath] : []), '--import', 'tsx', 'load/gateway.ts'];
  const child = spawn(command, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, STRIPE_SUPPRESS_NOTICES: 'true' },
  });
  const stderr: string[] = [];
  let stderrCount = 0;
  child.stderr?.setEncoding('utf8');
  let partial = '';
  child.stderr?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stderrCount++;
      if (stderr.length < 20) stderr.push(line);
    }
  });

  let nextId = 1;
  const waiting = new Map<number, (reply: GatewayReply) => void>();
  child.on('message', (reply: GatewayReply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  const ask = (request: DistributiveOmit<GatewayRequest, 'id'>) =>
    new Promise<GatewayReply & { ok: true }>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (reply) => (reply.ok ? resolve(reply) : reject(new Error(`gateway process: ${reply.error}`))));
      child.send({ ...request, id });
    });

  return new Promise((resolve, reject) => {
    let output = '';
    const onExit = (code: number | null) =>
      reject(new Error(`load/gateway.ts exited with ${code} before it was ready:\n${output}\n${stderr.join('\n')}`));
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8');
    const onData = (chunk: string) => {
      output += chunk;
      for (const line of output.split('\n')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        const ready = parsed as Partial<GatewayReady>;
        if (typeof ready.graphqlUrl !== 'string' || typeof ready.adminKey !== 'string' || typeof ready.pid !== 'number') continue;
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // anything the gateway prints from now on (logs) is drained, never shown
        child.off('exit', onExit);
        resolve({
          ready: ready as GatewayReady,
          child,
          ask,
          stderr,
          stderrLines: () => stderrCount,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
        return;
      }
    };
    child.stdout?.on('data', onData);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// RSS of the gateway's process, from /proc

class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peakKb = 0;
  private lastKb = 0;
  private hwmKb = 0;
  readonly available: boolean;

  constructor(private readonly pid: number) {
    this.available = this.read() !== undefined;
  }

  private read(): { rss: number; hwm: number } | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
      const hwm = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]);
      return Number.isFinite(rss) ? { rss, hwm: Number.isFinite(hwm) ? hwm : rss } : undefined;
    } catch {
      return undefined;
    }
  }

  private sample(): void {
    const figures = this.read();
    if (figures === undefined) return;
    this.lastKb = figures.rss;
    this.hwmKb = figures.hwm;
    this.peakKb = Math.max(this.peakKb, figures.rss);
  }

  /** Starts a new window: `stop()` returns the peak VmRSS sampled in it. */
  start(): number {
    this.sample();
    this.peakKb = this.lastKb;
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
    return this.lastKb;
  }

  stop(): { peakKb: number; lastKb: number; hwmKb: number } {
    clearInterval(this.timer);
    this.sample();
    return { peakKb: this.peakKb, lastKb: this.lastKb, hwmKb: this.hwmKb };
  }
}

const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

// ---------------------------------------------------------------------------------------------------------------
// One autocannon run

interface RunContext {
  planned?: Planned;
}

async function drive(url: string, seconds: number, planner: Planner, recorder: Recorder): Promise<autocannon.Result> {
  const target = new URL(url);
  return autocannon({
    url: target.origin,
    connections,
    pipelining: 1,
    duration: seconds,
    // A slow answer is measured, not dropped: the latency figures show it.
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: target.pathname,
        setupRequest: (request, context) => {
          const planned = planner.next();
          (context as RunContext).planned = planned;
          recorder.sending(planned);
          return {
            ...request,
            method: 'POST',
            path: target.pathname,
            headers: {
              'content-type': 'application/json',
              accept: 'application/graphql-response+json, application/json;q=0.9',
              authorization: planned.authorization,
            },
            body: planned.body,
          };
        },
        onResponse: (status, body, context) => {
          const planned = (context as RunContext).planned;
          if (planned !== undefined) recorder.record(planned, status, body);
        },
      },
    ],
  });
}

async function setFaults(stripeUrl: string, faults: FaultOptions | undefined): Promise<void> {
  const response = await fetch(`${stripeUrl}/_local/faults`, {
    method: faults === undefined ? 'DELETE' : 'PUT',
    headers: { 'content-type': 'application/json' },
    ...(faults !== undefined ? { body: JSON.stringify(faults) } : {}),
  });
  if (!response.ok) throw new Error(`local Stripe: /_local/faults answered ${response.status}`);
}

interface RunFigures {
  run: number;
  profile: Profile;
  durationSeconds: number;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  responses: number;
  /** Requests without an answer: autocannon's socket errors and timeouts. */
  noResponse: number;
  graphqlErrorResponses: number;
  graphqlErrorRate: number;
  errorsByCode: Record<string, number>;
  httpStatuses: Record<string, number>;
  serverErrors5xx: number;
  wrongData: number;
  crossCustomer: number;
  adminMixups: number;
  rssStartMiB: number;
  peakRssMiB: number;
  rssEndMiB: number;
  vmHwmMiB: number;
  portalRequests: number;
  distinctKeys: number;
  repeatedKeys: number;
  /** Repeated keys answered successfully at least twice: each compared for one session id. */
  repeatedKeysVerified: number;
  keysWithSeveralSessionIds: number;
  distinctSessionIdsReturned: number;
  /** Sessions the local Stripe created during the run (every key, from its request log). */
  sessionsCreated: number;
  /** …of which for this run's keys (as the gateway scopes them). */
  sessionsCreatedForKeys: number;
  /** Stripe idempotency keys that created more than one session. */
  stripeKeysWithSeveralSessions: number;
  duplicateSessions: number;
  sessionOutcomes: Record<string, number>;
  /** Stripe calls that reached the local Stripe during the run, and those answered with an injected fault. */
  stripeCalls: number;
  stripeCallsFaulted: number;
  stripeCallOutcomes: Record<string, number>;
  byOperation: Record<string, { sent: number; responses: number; errors: number }>;
  violations: string[];
  leaks: Recorder['leaks'];
  wrongExamples: Recorder['wrong'];
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

async function measure(
  gateway: GatewayProcess,
  rss: RssSampler,
  customers: DemoCustomer[],
  detector: OwnershipDetector,
  configurationIds: string[],
  run: number,
  profile: Profile,
): Promise<RunFigures> {
  const { ready } = gateway;
  await gateway.ask({ type: 'reset' });
  await setFaults(ready.stripeUrl, faultOptions(profile, run * 7919 + (profile === 'faults' ? 1 : 0)));
  const before: SessionStats = (await gateway.ask({ type: 'sessions' })).sessions!;
  const recorder = new Recorder(detector, customers);
  const planner = new Planner({
    customers,
    adminKey: ready.adminKey,
    configurationIds,
    runTag: `${run}${profile === 'faults' ? 'f' : 'n'}-${randomBytes(4).toString('hex')}`,
    seed: run * 104729 + (profile === 'faults' ? 17 : 0),
  });

  const rssStartKb = rss.start();
  const result = await drive(ready.graphqlUrl, durationSeconds, planner, recorder);
  const memory = rss.stop();
  // Faults off, then wait until the gateway has finished what autocannon left in flight (and its retries).
  await setFaults(ready.stripeUrl, LATENCY);
  await gateway.ask({ type: 'quiet', ms: profile === 'faults' ? 6_000 : 2_000, maxMs: 30_000 });
  const after: SessionStats = (await gateway.ask({ type: 'sessions' })).sessions!;

  // Portal sessions: per Stripe idempotency key, from the local Stripe's request log; per caller key, from bodies.
  const created = delta(after.createdByKey, before.createdByKey);
  const sessionsCreated = Object.values(created).reduce((a, b) => a + b, 0);
  const stripeKeysWithSeveralSessions = Object.values(after.createdByKey).filter((n) => n > 1).length -
    Object.values(before.createdByKey).filter((n) => n > 1).length;
  let sessionsCreatedForKeys = 0;
  for (const [key, customerId] of recorder.keyCustomer) {
    sessionsCreatedForKeys += created[scopedIdempotencyKey(idempotencyScope({ role: 'CUSTOMER', customerId }), key)] ?? 0;
  }
  const repeatedKeys = [...recorder.keyUses.values()].filter((n) => n > 1).length;
  // A repeated key is verified when at least two of its requests were answered with a session.
  const repeatedKeysVerified = [...recorder.keyAnswers.values()].filter((n) => n > 1).length;
  const keysWithSeveralSessionIds = [...recorder.keySessions.values()].filter((ids) => ids.size > 1).length;
  const distinctKeys = recorder.keyUses.size;
  const duplicateSessions =
    stripeKeysWithSeveralSessions + keysWithSeveralSessionIds + Math.max(0, sessionsCreated - distinctKeys);

  const stripeCallOutcomes = delta(after.calls, before.calls);
  const stripeCalls = Object.values(stripeCallOutcomes).reduce((a, b) => a + b, 0);
  const stripeCallsFaulted = (stripeCallOutcomes['429'] ?? 0) + (stripeCallOutcomes['503'] ?? 0) + (stripeCallOutcomes['reset'] ?? 0);

  const noResponse = result.errors + result.timeouts;
  const attempts = recorder.responses + noResponse;
  const graphqlErrorRate = attempts === 0 ? 0 : (recorder.errorResponses + noResponse) / attempts;
  const errorsByCode = Object.fromEntries([...recorder.errorsByCode].sort((a, b) => b[1] - a[1]));

  const violations: string[] = [];
  if (recorder.responses === 0) violations.push('no response at all');
  if (recorder.serverErrors > 0) violations.push(`${recorder.serverErrors} HTTP 5xx responses`);
  if (recorder.crossCustomer > 0) violations.push(`${recorder.crossCustomer} customer responses carried another customer's data`);
  if (recorder.adminMixups > 0) violations.push(`${recorder.adminMixups} admin responses about one customer carried another's data`);
  if (recorder.wrongData > 0) violations.push(`${recorder.wrongData} responses without errors had missing or wrong data`);
  if (duplicateSessions > 0) {
    violations.push(
      `duplicate portal sessions: ${stripeKeysWithSeveralSessions} Stripe keys created several, ${keysWithSeveralSessionIds} caller keys got different session ids, ` +
        `${sessionsCreated} sessions created for ${distinctKeys} distinct keys`,
    );
  }
  if (profile === 'no-faults' && !(graphqlErrorRate < ERROR_RATE_BOUND)) {
    violations.push(`GraphQL error rate ${(graphqlErrorRate * 100).toFixed(3)}% is not under ${ERROR_RATE_BOUND * 100}%`);
  }
  if (profile === 'faults') {
    const other = Object.keys(errorsByCode).filter((code) => !ALLOWED_FAULT_CODES.has(code));
    if (other.length > 0) violations.push(`error codes other than RATE_LIMITED/UPSTREAM_UNAVAILABLE: ${other.map((c) => `${c} ×${errorsByCode[c]}`).join(', ')}`);
    if (noResponse > 0) violations.push(`${noResponse} requests got no response (socket errors or timeouts)`);
  }

  return {
    run,
    profile,
    durationSeconds,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    requests: recorder.sent,
    responses: recorder.responses,
    noResponse,
    graphqlErrorResponses: recorder.errorResponses,
    graphqlErrorRate,
    errorsByCode,
    httpStatuses: Object.fromEntries([...recorder.statuses].map(([status, n]) => [String(status), n])),
    serverErrors5xx: recorder.serverErrors,
    wrongData: recorder.wrongData,
    crossCustomer: recorder.crossCustomer,
    adminMixups: recorder.adminMixups,
    rssStartMiB: mib(rssStartKb),
    peakRssMiB: mib(memory.peakKb),
    rssEndMiB: mib(memory.lastKb),
    vmHwmMiB: mib(memory.hwmKb),
    portalRequests: recorder.portalRequests,
    distinctKeys,
    repeatedKeys,
    repeatedKeysVerified,
    keysWithSeveralSessionIds,
    distinctSessionIdsReturned: recorder.sessionIds.size,
    sessionsCreated,
    sessionsCreatedForKeys,
    stripeKeysWithSeveralSessions,
    duplicateSessions,
    sessionOutcomes: delta(after.outcomes, before.outcomes),
    stripeCalls,
    stripeCallsFaulted,
    stripeCallOutcomes,
    byOperation: Object.fromEntries(recorder.byOperation),
    violations,
    leaks: recorder.leaks,
    wrongExamples: recorder.wrong,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

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
    const result = await drive(ready.graphqlUrl, warmupSeconds, planner, warm);
    // Let what the warm-up left in flight finish before the first run resets the local Stripe under it.
    await gateway.ask({ type: 'quiet', ms: 2_000, maxMs: 30_000 });
    console.log(`  warm-up: ${warmupSeconds}s, ${Math.round(result.requests.average)} req/s (not counted)`);
  }

  const results: RunFigures[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const profile of profiles) {
      process.stdout.write(`  run ${run}/${runs}, ${profile}… `);
      const figures = await measure(gateway, rss, customers, detector, configurationIds, run, profile);
      results.push(figures);
      console.log(
        `${figures.requestsPerSecond} req/s, p99 ${figures.p99Ms} ms, peak RSS ${figures.peakRssMiB} MiB` +
          (figures.violations.length > 0 ? ` — ${figures.violations.length} bound(s) broken` : ''),
      );
    }
  }
  await setFaults(ready.stripeUrl, undefined);

  // RSS stability: each profile's peak in later runs against its first run's.
  const rssChecks: Array<{ profile: Profile; peaksMiB: number[]; growthMiB: number; allowedMiB: number; ok: boolean }> = [];
  if (runs >= 2 && rss.available) {
    for (const profile of profiles) {
      const peaks = results.filter((r) => r.profile === profile).map((r) => r.peakRssMiB);
      const first = peaks[0] ?? 0;
      const growth = Math.max(...peaks.slice(1)) - first;
      const allowed = Math.max(RSS_GROWTH.mib, first * RSS_GROWTH.ratio);
      rssChecks.push({ profile, peaksMiB: peaks, growthMiB: Math.round(growth * 10) / 10, allowedMiB: Math.round(allowed * 10) / 10, ok: growth <= allowed });
    }
  }

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
    exitCode = 1;
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
      workload: { mix: MIX, latency: LATENCY, faults: FAULT_SHARE, customers: customers.length, warmupSeconds },
      durationSeconds,
      connections,
      pinned: TASKSET,
      node: process.version,
      gatewayStderrLines: stderrLines,
    }),
  );
} finally {
  await gateway.stop();
}
process.exit(exitCode);
