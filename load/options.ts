/**
 * `npm run load`'s options and the fixed shape of its runs: the profiles, the local Stripe's latency and faults,
 * and the bounds (see `load/index.ts` for what each means).
 *
 * A profile is the faults axis (`--faults`: `no-faults`, `faults`) crossed with the flood axis (`--flood`: without,
 * or `+flood`): `no-faults`, `faults`, `no-faults+flood`, `faults+flood`. A `+flood` profile runs right after its
 * twin without the flood (with `--flood both`), with the same seeds: the same normal requests in the same order.
 */
import { parseArgs } from 'node:util';
import type { FaultOptions } from '../src/local-stripe/index.js';

type FaultProfile = 'no-faults' | 'faults';
export type Profile = FaultProfile | `${FaultProfile}+flood`;

export const withFaults = (profile: Profile): boolean => profile.startsWith('faults');
export const withFlood = (profile: Profile): boolean => profile.endsWith('+flood');
/** The same profile without the flood. */
export const withoutFlood = (profile: Profile): Profile => (withFaults(profile) ? 'faults' : 'no-faults');

export interface LoadOptions {
  durationSeconds: number;
  connections: number;
  runs: number;
  warmupSeconds: number;
  profiles: Profile[];
  /** The event stream beside the workload: changes per second (0: none), and customers subscribed. */
  eventsPerSecond: number;
  subscriberCustomers: number;
}

/** The command line's options, or exit 2 with one line naming every problem. */
export function parseOptions(): LoadOptions {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '60' },
      connections: { type: 'string', default: '50' },
      faults: { type: 'string', default: 'both' },
      runs: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '5' },
      flood: { type: 'string', default: 'off' },
      'events-per-second': { type: 'string', default: '10' },
      subscribers: { type: 'string', default: '8' },
    },
  });
  const durationSeconds = Number(values.duration);
  const connections = Number(values.connections);
  const runs = Number(values.runs);
  const warmupSeconds = Number(values.warmup);
  const faultsOption = values.faults ?? 'both';
  const floodOption = values.flood ?? 'off';
  const eventsPerSecond = Number(values['events-per-second']);
  const subscriberCustomers = Number(values.subscribers);
  const problems = [
    ...(Number.isInteger(durationSeconds) && durationSeconds > 0 ? [] : ['--duration must be a whole number of seconds > 0']),
    ...(Number.isInteger(connections) && connections > 0 ? [] : ['--connections must be a whole number > 0']),
    ...(Number.isInteger(runs) && runs > 0 ? [] : ['--runs must be a whole number > 0']),
    ...(Number.isInteger(warmupSeconds) && warmupSeconds >= 0 ? [] : ['--warmup must be a whole number of seconds ≥ 0']),
    ...(['on', 'off', 'both'].includes(faultsOption) ? [] : ['--faults must be on, off or both']),
    ...(['on', 'off', 'both'].includes(floodOption) ? [] : ['--flood must be on, off or both']),
    ...(Number.isFinite(eventsPerSecond) && eventsPerSecond >= 0 && eventsPerSecond <= 200 ? [] : ['--events-per-second must be a number from 0 to 200']),
    ...(Number.isInteger(subscriberCustomers) && subscriberCustomers > 0 && subscriberCustomers <= 20 ? [] : ['--subscribers must be a whole number from 1 to 20']),
  ];
  if (problems.length > 0) {
    console.error(`npm run load: ${problems.join('; ')}`);
    process.exit(2);
  }
  const faultProfiles: FaultProfile[] = faultsOption === 'on' ? ['faults'] : faultsOption === 'off' ? ['no-faults'] : ['no-faults', 'faults'];
  const profiles = faultProfiles.flatMap((profile): Profile[] =>
    floodOption === 'on' ? [`${profile}+flood`] : floodOption === 'both' ? [profile, `${profile}+flood`] : [profile],
  );
  return { durationSeconds, connections, runs, warmupSeconds, profiles, eventsPerSecond, subscriberCustomers };
}

/** Every Stripe call is answered 20–50 ms late (uniform). */
export const LATENCY = { latencyMs: 20, jitterMs: 30 };
/** The share of Stripe calls the `faults` profile fails, and how. Rules are tried in order, each with its own draw. */
export const FAULT_SHARE = { rate_limit: 0.04, server_error_503: 0.04, reset: 0.02 };

export function faultOptions(profile: Profile, seed: number): FaultOptions {
  if (!withFaults(profile)) return { ...LATENCY, seed };
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

export const ERROR_RATE_BOUND = 0.001;
export const ALLOWED_FAULT_CODES = new Set(['RATE_LIMITED', 'UPSTREAM_UNAVAILABLE']);
export const RSS_GROWTH = { mib: 20, ratio: 0.1 };