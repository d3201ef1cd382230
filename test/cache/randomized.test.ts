/**
 * Cache correctness under a randomized run (issue 13's "Done when"): changes through the local Stripe's API, its
 * portal and its hosted invoice pages, interleaved with reads by several customers and an admin through the
 * gateway, webhooks delivered late, duplicated and out of order; every read checked against the local Stripe's
 * state: no read that started after an event's acknowledgement returns what came before it, no caller sees another
 * customer's object, and once everything is acknowledged every read is exactly the local Stripe's state.
 *
 * Two configurations: one gateway with its in-memory cache; two in-process gateways on one real redis-server,
 * deliveries to the first, reads from both. The seed is printed; `FUZZ_SEED=<n>` reruns one.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz, summary, type FuzzConfiguration } from './fuzz-run.js';

const fromEnv = process.env['FUZZ_SEED'];
const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 1_000_000);
if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be a whole number, got '${fromEnv}'`);

describe(`the cache under a randomized run (seed ${seed}; rerun with FUZZ_SEED=${seed})`, () => {
  it.each<FuzzConfiguration>(['memory', 'redis'])(
    '%s: no stale read after an acknowledgement, no other customer’s object',
    async (configuration) => {
      const report = await runFuzz({ seed, configuration });
      console.log(summary(report));
      expect(report.findings, summary(report)).toEqual([]);
      expect(report.gatewayErrorLines).toEqual([]);
      // The run was what it claims: many reads of both kinds of caller, changes of every channel, every fault.
      expect(report.cacheHits, 'the cache answered none of the reads').toBeGreaterThan(0);
      expect(report.raceProbes.armed).toBeGreaterThan(0);
      expect(report.readsByCaller.customer).toBeGreaterThan(50);
      expect(report.readsByCaller.admin).toBeGreaterThan(20);
      expect(report.changes).toBeGreaterThan(30);
      expect(report.changesByName['portal.customer.update'] ?? 0).toBeGreaterThan(0);
      expect(report.changesByName['page.invoice.pay'] ?? 0).toBeGreaterThan(0);
      expect(report.duplicateDeliveries).toBeGreaterThan(0);
      expect(report.outOfOrderAcks).toBeGreaterThan(0);
      expect(report.late.held + report.late.refused).toBeGreaterThan(0);
    },
    60_000,
  );
});
