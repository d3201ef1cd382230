/**
 * The race a cache's guard exists for, provoked on purpose inside the randomized run: a read's Stripe answer is
 * held on the network (the slow hop's gate) after Stripe read the customer, the customer changes meanwhile and its
 * event is acknowledged, and only then does the old answer reach the gateway. A cache that stores it (no race
 * guard, or one that misses this invalidation) serves the old name to the next read, which started after the
 * acknowledgement: a stale read the judge reports.
 *
 *   1. rename, wait for the ack (every cached entry of the customer is dropped: the next read misses)
 *   2. close the gate on the customer's paths, start read A, wait until its answer is held (armed)
 *   3. rename again, wait for the ack
 *   4. open the gate, let A finish, then read B (another caller, another gateway when there are two)
 *
 * Not armed (the read was answered without reaching Stripe, e.g. another worker's read refilled the entry
 * first): the gate opens and the probe counts as not armed.
 */
import type { SlowHop } from '../support/slow-hop.js';
import type { CustomerChanges } from './fuzz-changes.js';
import type { Oracle } from './fuzz-oracle.js';

export interface RaceProbe {
  changes: CustomerChanges;
  network: SlowHop;
  oracle: Oracle;
  /** Reads as the judge does: `(gateway index, caller, read, variables)`. */
  judge(app: number, caller: string, name: 'ownPage' | 'customer', variables: Record<string, unknown>): Promise<void>;
  apps: number;
  random: () => number;
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** Runs one probe; returns whether it was armed (the first read's answer held while the change was acknowledged). */
export async function raceProbe(probe: RaceProbe): Promise<boolean> {
  const { changes, network, oracle } = probe;
  const customer = changes.customerId;
  const acknowledged = async (n: number) => {
    if (!(await until(() => oracle.floor(`${customer}.name`) >= n, 15_000))) {
      throw new Error(`race probe: the rename of ${customer} to v${n} was not acknowledged within 15 s`);
    }
  };
  await acknowledged(await changes.rename());
  const first = Math.floor(probe.random() * probe.apps);
  const gate = network.gate((path) => path.includes(customer));
  const readA = probe.judge(first, customer, 'ownPage', {});
  const armed = await until(() => gate.held() > 0, 1_000);
  if (armed) await acknowledged(await changes.rename());
  gate.open();
  await readA;
  if (!armed) return false;
  const second = (first + 1) % probe.apps;
  if (probe.random() < 0.5) await probe.judge(second, customer, 'ownPage', {});
  else await probe.judge(second, 'admin', 'customer', { id: customer });
  return true;
}
