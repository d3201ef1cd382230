/**
 * One run of one profile: the local Stripe reset and its faults set, the mixed workload driven by autocannon for
 * the run's duration with every answer recorded — beside it `/health` probed, the event stream and its subscribers
 * (`live.ts`), and in a `+flood` profile the flood (`flood.ts`) on connections of its own — the gateway left to
 * finish what was in flight, and the run's figures and broken bounds worked out (portal sessions from the local
 * Stripe's request log and from bodies; events from the subscribers' books).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type autocannon from 'autocannon';
import type Stripe from 'stripe';
import { idempotencyScope } from '../src/auth/viewer.js';
import { scopedIdempotencyKey } from '../src/stripe/gateway.js';
import type { DemoCustomer, OwnershipDetector } from './fixture.js';
import type { AnsweredFigures, StripeCallFigures } from './answers.js';
import { cannon, GRAPHQL_HEADERS } from './cannon.js';
import { flood, FloodRecorder, floodFigures, floodViolations, type FloodFigures } from './flood.js';
import type { SessionStats } from './gateway.js';
import { setFaults, type GatewayProcess } from './gateway-process.js';
import { HealthProbe, waitUntilResponsive, type HealthFigures } from './health.js';
import { LiveRun, liveViolations, type LiveFigures } from './live.js';
import {
  ALLOWED_FAULT_CODES,
  ERROR_RATE_BOUND,
  faultOptions,
  LATENCY,
  withFaults,
  withFlood,
  type LoadOptions,
  type Profile,
} from './options.js';
import { mib, type RssSampler } from './rss.js';
import { Recorder } from './recorder.js';
import { Planner, type Planned } from './workload.js';

interface RunContext {
  planned?: Planned;
}

/** The mixed workload on `connections` connections for `seconds`, every answer recorded. */
export function drive(url: string, seconds: number, connections: number, planner: Planner, recorder: Recorder): Promise<autocannon.Result> {
  return cannon(url, seconds, connections, {
    setupRequest: (request, context) => {
      const planned = planner.next();
      (context as RunContext).planned = planned;
      recorder.sending(planned);
      return { ...request, headers: { ...GRAPHQL_HEADERS, authorization: planned.authorization }, body: planned.body };
    },
    onResponse: (status, body, context) => {
      const planned = (context as RunContext).planned;
      if (planned !== undefined) recorder.record(planned, status, body);
    },
  });
}

export interface RunFigures extends AnsweredFigures, StripeCallFigures {
  run: number;
  profile: Profile;
  durationSeconds: number;
  connections: number;
  p90Ms: number;
  maxMs: number;
  requests: number;
  graphqlErrorResponses: number;
  graphqlErrorRate: number;
  httpStatuses: Record<string, number>;
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
  /** `/health`, probed one request at a time through the run. */
  health: HealthFigures;
  /** The flood's figures (`+flood` profiles), null otherwise. */
  flood: FloodFigures | null;
  /** The event stream's figures (null with `--events-per-second 0`). */
  live: LiveFigures | null;
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

/** What every run shares: the gateway, its RSS sampler, the demo account, the options. */
export interface LoadSetup {
  gateway: GatewayProcess;
  rss: RssSampler;
  customers: DemoCustomer[];
  detector: OwnershipDetector;
  configurationIds: string[];
  options: LoadOptions;
  /** The flood's request body (`flood.ts`), when a profile floods. */
  floodBody: string | undefined;
  /** The event stream's client of the local Stripe, and its next marker (markers count up across runs). */
  stripe: Stripe;
  nextSeq: number;
}

/**
 * One run of one profile, on a freshly reset local Stripe: its figures, and the bounds it broke. `twin` is this
 * run's figures for the same profile without the flood, when it ran (a `+flood` profile compares against it).
 */
export async function measure(setup: LoadSetup, run: number, profile: Profile, twin?: RunFigures): Promise<RunFigures> {
  const { gateway, rss, customers, detector, configurationIds } = setup;
  const { durationSeconds, connections } = setup.options;
  const { ready } = gateway;
  await gateway.ask({ type: 'reset' });
  await setFaults(ready.stripeUrl, faultOptions(profile, run * 7919 + (withFaults(profile) ? 1 : 0)));
  const before: SessionStats = (await gateway.ask({ type: 'sessions' })).sessions!;
  const recorder = new Recorder(detector, customers);
  const planner = new Planner({
    customers,
    adminKey: ready.adminKey,
    configurationIds,
    runTag: `${run}${withFaults(profile) ? 'f' : 'n'}${withFlood(profile) ? 'F' : ''}-${randomBytes(4).toString('hex')}`,
    // The same seed with the flood as without: the same normal requests, in the same order.
    seed: run * 104729 + (withFaults(profile) ? 17 : 0),
  });
  const floodBody = withFlood(profile) ? setup.floodBody : undefined;
  if (withFlood(profile) && floodBody === undefined) throw new Error(`profile ${profile}: no flood body`);
  const floodRecorder = new FloodRecorder();
  const health = new HealthProbe(ready.url);
  const { eventsPerSecond, subscriberCustomers } = setup.options;
  // Subscribers open and primed before anything is measured; the changes start with the workload.
  const live =
    eventsPerSecond > 0
      ? await LiveRun.open(gateway, setup.stripe, customers, { eventsPerSecond, subscriberCustomers, seed: run * 31 + (withFaults(profile) ? 7 : 0), firstSeq: setup.nextSeq })
      : undefined;

  const rssStartKb = rss.start();
  health.start();
  live?.start();
  const [result, floodResult] = await Promise.all([
    drive(ready.graphqlUrl, durationSeconds, connections, planner, recorder),
    floodBody !== undefined ? flood(ready.graphqlUrl, durationSeconds, floodBody, floodRecorder) : undefined,
  ]);
  const liveFigures = live !== undefined ? await live.stop() : null;
  if (live !== undefined) setup.nextSeq = live.nextSeq;
  const memory = rss.stop();
  const healthFigures = await health.stop();
  const ended = performance.now();
  // Faults off, then wait until the gateway has worked off what the flood left queued (it answers /health fast
  // again), and has finished what autocannon left in flight (and its retries).
  await setFaults(ready.stripeUrl, LATENCY);
  const recovered = floodResult !== undefined ? await waitUntilResponsive(ready.url) : undefined;
  const recoveryMs = recovered !== undefined ? Math.round(performance.now() - ended) : null;
  await gateway.ask({ type: 'quiet', ms: withFaults(profile) ? 6_000 : 2_000, maxMs: 30_000 });
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
  violations.push(...recorder.stripe.violations());
  if (!withFaults(profile) && !(graphqlErrorRate < ERROR_RATE_BOUND)) {
    violations.push(`GraphQL error rate ${(graphqlErrorRate * 100).toFixed(3)}% is not under ${ERROR_RATE_BOUND * 100}%`);
  }
  if (withFaults(profile)) {
    const other = Object.keys(errorsByCode).filter((code) => !ALLOWED_FAULT_CODES.has(code));
    if (other.length > 0) violations.push(`error codes other than RATE_LIMITED/UPSTREAM_UNAVAILABLE: ${other.map((c) => `${c} ×${errorsByCode[c]}`).join(', ')}`);
    if (noResponse > 0) violations.push(`${noResponse} requests got no response (socket errors or timeouts)`);
  }

  const floodFigured =
    floodResult !== undefined && floodBody !== undefined
      ? floodFigures(floodResult, floodRecorder, floodBody, {
          normalP99WithoutFloodMs: twin?.p99Ms ?? null,
          healthWithoutFlood: twin?.health ?? null,
          recoveryMs,
        })
      : null;
  if (floodFigured !== null) violations.push(...floodViolations(floodFigured).map((v) => `flood: ${v}`));
  if (liveFigures !== null) violations.push(...liveViolations(liveFigures, withFaults(profile), ALLOWED_FAULT_CODES));

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
    ...recorder.stripe.figures(),
    health: healthFigures,
    flood: floodFigured,
    live: liveFigures,
    violations,
    leaks: recorder.leaks,
    wrongExamples: recorder.wrong,
  };
}
