/**
 * Webhook delivery faults: what Stripe's delivery does on a bad day, on purpose, so that a receiver can be tested
 * against it. Stripe documents that it does not guarantee delivery order and that an endpoint may receive the same
 * event more than once; here both happen on demand:
 *
 * - `reorder: { batch, maxWaitMs }` holds new deliveries (per destination) until `batch` of them are waiting, or
 *   `maxWaitMs` (default 1,000) has passed since the first, then sends them shuffled, one after the other — never in
 *   the order the events were made when two or more are held. Retries are not held.
 * - `duplicate: { probability, count }` delivers an event twice to a destination: a second, independent delivery of
 *   the same event (same id, freshly signed) right after the first — with `probability` (default 1), for the first
 *   `count` events (default: no limit).
 * - `seed` makes the draws and shuffles repeatable.
 *
 * Failing the first N attempts needs no fault here: that is the receiver's to do (answer 500), and the retries are
 * what is tested.
 */
import { seededRandom, type RandomSource } from '../ids.js';

export interface DeliveryFaults {
  reorder?: { batch: number; maxWaitMs?: number };
  duplicate?: { probability?: number; count?: number };
  seed?: number;
}

export const DEFAULT_REORDER_WAIT_MS = 1000;

/** Checks a fault setting (from code or from `PUT /_local/webhooks/faults`); throws a message naming the field. */
export function checkDeliveryFaults(value: unknown): DeliveryFaults {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('webhook faults must be an object');
  const faults = value as Record<string, unknown>;
  for (const key of Object.keys(faults)) {
    if (!['reorder', 'duplicate', 'seed'].includes(key)) throw new Error(`unknown webhook fault '${key}' (reorder, duplicate, seed)`);
  }
  const number = (v: unknown, name: string, check: (n: number) => boolean, rule: string): void => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || !check(v))) throw new Error(`${name} must be ${rule}`);
  };
  const section = (v: unknown, name: string): Record<string, unknown> | undefined => {
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${name} must be an object`);
    return v as Record<string, unknown>;
  };
  const reorder = section(faults['reorder'], 'reorder');
  if (reorder !== undefined) {
    number(reorder['batch'], 'reorder.batch', (n) => Number.isInteger(n) && n >= 2, 'a whole number ≥ 2');
    if (reorder['batch'] === undefined) throw new Error('reorder.batch is required (how many deliveries to hold and shuffle)');
    number(reorder['maxWaitMs'], 'reorder.maxWaitMs', (n) => n >= 0, 'a number of milliseconds ≥ 0');
  }
  const duplicate = section(faults['duplicate'], 'duplicate');
  if (duplicate !== undefined) {
    number(duplicate['probability'], 'duplicate.probability', (n) => n >= 0 && n <= 1, 'between 0 and 1');
    number(duplicate['count'], 'duplicate.count', (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');
  }
  number(faults['seed'], 'seed', Number.isInteger, 'a whole number');
  return faults as DeliveryFaults;
}

/** The fault state of one delivery engine: the setting, its random source and how many duplicates it made. */
export class DeliveryFaultState {
  private faults: DeliveryFaults = {};
  private random: RandomSource = seededRandom(1);
  private duplicates = 0;

  constructor(faults?: DeliveryFaults) {
    this.set(faults);
  }

  get current(): DeliveryFaults {
    return this.faults;
  }

  set(faults: DeliveryFaults | undefined): void {
    this.faults = faults === undefined ? {} : checkDeliveryFaults(faults);
    this.random = seededRandom(this.faults.seed ?? 1);
    this.duplicates = 0;
  }

  /** Whether the next new delivery gets a twin. */
  duplicateNext(): boolean {
    const rule = this.faults.duplicate;
    if (rule === undefined) return false;
    if (rule.count !== undefined && this.duplicates >= rule.count) return false;
    if ((rule.probability ?? 1) < 1 && this.random() >= (rule.probability ?? 1)) return false;
    this.duplicates++;
    return true;
  }

  /** `items` in a random order that differs from the given one whenever there are two or more. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    if (out.length >= 2 && out.every((item, i) => item === items[i])) out.push(out.shift() as T);
    return out;
  }
}
