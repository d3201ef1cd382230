/**
 * The randomized run's judge of one read: given the gateway's answer, the floors taken when the read started
 * (`fuzz-oracle.ts`) and the local Stripe's state when the answer arrived, it lists what is wrong:
 *
 * - `stale`: a customer's name or email, or an invoice's state, older than an acknowledged event said it was (with
 *   `exact`, after every event is acknowledged: anything but the local Stripe's state);
 * - `invented`: a value newer than the local Stripe has, or one it never had;
 * - a deleted object (a draft invoice) served after its deletion was acknowledged is `stale` too;
 * - `missing`: an invoice whose creation was acknowledged absent from its customer's list; `misplaced`: a list
 *   holding an invoice of another customer;
 * - `foreign`: for a customer, any id in the answer (data, errors, extensions) of an object another customer owns,
 *   unless the caller named it itself.
 */
import type { Store } from '../../src/local-stripe/index.js';
import { counterOf, describeVersion, invoiceVersion, ownerOf, truthOf, type Snapshot } from './fuzz-oracle.js';

export type FindingKind = 'stale' | 'invented' | 'missing' | 'misplaced' | 'foreign' | 'error';

export interface Finding {
  kind: FindingKind;
  detail: string;
}

export interface CheckedRead {
  /** `admin`, or the customer whose token was used. */
  caller: string;
  /** A short name of what was read, for the findings' text. */
  what: string;
  variables: Record<string, unknown>;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

/** Ids the way Stripe makes them, as they may appear anywhere in an answer. */
const STRIPE_ID = /\b(?:cus|in|il|ii|sub|si|pm|pi|ch)_[A-Za-z0-9]+/g;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function checkRead(read: CheckedRead, before: Snapshot, store: Store, options: { exact?: boolean; everDeleted?: ReadonlySet<string> } = {}): Finding[] {
  const findings: Finding[] = [];
  const where = `${read.what} as ${read.caller}`;
  /**
   * An object gone from the local Stripe: deleted during the read (fine), deleted and acknowledged before it (stale),
   * or never there (invented). Returns whether it is gone.
   */
  const gone = (id: string): boolean => {
    if (store.customers.get(id) !== undefined || store.invoices.get(id) !== undefined) return false;
    if (!(options.everDeleted?.has(id) ?? false)) findings.push({ kind: 'invented', detail: `${where}: ${id} is not in the local Stripe` });
    else if (options.exact || before.deleted.has(id)) findings.push({ kind: 'stale', detail: `${where}: ${id} was served after its deletion was acknowledged` });
    return true;
  };

  const field = (id: string, name: string, value: number) => {
    const key = `${id}.${name}`;
    if (gone(id)) return;
    const truth = truthOf(store, key) as number;
    const floor = options.exact ? truth : before.floors.get(key);
    const shown = (v: number) => describeVersion(key, v);
    if (value > truth) findings.push({ kind: 'invented', detail: `${where}: ${key} = ${shown(value)}, newer than the local Stripe's ${shown(truth)}` });
    if (floor !== undefined && value < floor) {
      const since = options.exact ? 'the local Stripe has' : 'was acknowledged before the read started';
      findings.push({ kind: 'stale', detail: `${where}: ${key} = ${shown(value)}, but ${shown(floor)} ${since}` });
    }
  };

  const list = (customerId: string, connection: unknown) => {
    if (!isObject(connection) || !Array.isArray(connection['edges'])) return;
    const ids = new Set<string>();
    for (const edge of connection['edges'] as Json[]) {
      const id = (edge['node'] as Json | undefined)?.['id'];
      if (typeof id !== 'string') continue;
      ids.add(id);
      if ((options.everDeleted?.has(id) ?? false) && store.invoices.get(id) === undefined) {
        gone(id);
        continue;
      }
      const owner = ownerOf(store, id);
      if (owner !== customerId) findings.push({ kind: 'misplaced', detail: `${where}: ${id} (of ${owner}) in ${customerId}'s invoices` });
    }
    const expected = options.exact
      ? [...store.invoices.newestFirst()].filter((i) => ownerOf(store, i.id) === customerId).map((i) => i.id)
      : [...(before.listed.get(customerId) ?? [])];
    for (const id of expected) {
      // Deleted since (its deletion not yet acknowledged): its absence is the newer state.
      if (store.invoices.get(id) === undefined && (options.everDeleted?.has(id) ?? false)) continue;
      if (!ids.has(id)) findings.push({ kind: 'missing', detail: `${where}: ${id} is not in ${customerId}'s invoices, though its creation was acknowledged` });
    }
  };

  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    const id = node['id'];
    if (typeof id === 'string' && id.startsWith('cus_')) {
      if ('name' in node) field(id, 'name', counterOf(node['name'] as string | null));
      if ('email' in node) field(id, 'email', counterOf(node['email'] as string | null));
      if ('invoices' in node) list(id, node['invoices']);
    }
    if (typeof id === 'string' && id.startsWith('in_') && 'status' in node && isObject(node['total'])) {
      field(id, 'state', invoiceVersion(node['status'] as string, (node['total'] as Json)['amount'] as number));
    }
    Object.values(node).forEach(visit);
  };
  visit(read.body.data);
  // An admin's list of one customer's invoices.
  const data = read.body.data;
  if (isObject(data) && typeof read.variables['customerId'] === 'string') list(read.variables['customerId'], data['invoices']);

  if (read.caller !== 'admin') {
    const named = new Set(Object.values(read.variables).filter((v): v is string => typeof v === 'string'));
    for (const id of new Set(JSON.stringify(read.body).match(STRIPE_ID) ?? [])) {
      if (named.has(id)) continue;
      const owner = ownerOf(store, id);
      if (owner !== undefined && owner !== read.caller) findings.push({ kind: 'foreign', detail: `${where}: ${id} belongs to ${owner}` });
    }
  }
  return findings;
}

/** Errors a read may answer with: a customer asking for another's object. Anything else is a finding. */
export function unexpectedErrors(read: CheckedRead, allowed: readonly string[]): Finding[] {
  return (read.body.errors ?? [])
    .filter((error) => !allowed.includes(error.extensions?.code ?? ''))
    .map((error) => ({ kind: 'error' as const, detail: `${read.what} as ${read.caller}: ${error.extensions?.code ?? '?'} ${error.message}` }));
}
