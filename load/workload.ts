/**
 * The mixed workload: the example operations (`schema/operations/`, sent by trusted-document id as the typed
 * client does), as customers — each with their own token — and as an admin, in fixed proportions drawn from a
 * seeded generator. Each planned request knows who sends it and whose data it may show (`recorder.ts` checks
 * every answer against that).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoCustomer } from './fixture.js';
import { seededRandom } from '../src/local-stripe/ids.js';

export type OperationName =
  | 'Viewer'
  | 'BillingPage'
  | 'CustomerWithInvoices'
  | 'InvoiceWithLines'
  | 'InvoicesWithCustomers'
  | 'CreatePortalSession'
  | 'CustomersPage'
  | 'PortalConfigurationDetails';

export type Role = 'CUSTOMER' | 'ADMIN';

/** One slice of the mix: an operation, sent as a role, `weight` percent of all requests. */
export interface MixEntry {
  name: string;
  operation: OperationName;
  role: Role;
  weight: number;
}

export const MIX: readonly MixEntry[] = [
  { name: 'viewer (customer)', operation: 'Viewer', role: 'CUSTOMER', weight: 16 },
  { name: 'billing page (customer)', operation: 'BillingPage', role: 'CUSTOMER', weight: 10 },
  { name: 'customer with invoices (customer)', operation: 'CustomerWithInvoices', role: 'CUSTOMER', weight: 14 },
  { name: 'invoice with lines (customer)', operation: 'InvoiceWithLines', role: 'CUSTOMER', weight: 14 },
  { name: 'invoices list (customer)', operation: 'InvoicesWithCustomers', role: 'CUSTOMER', weight: 10 },
  { name: 'createPortalSession + idempotencyKey (customer)', operation: 'CreatePortalSession', role: 'CUSTOMER', weight: 10 },
  { name: 'customers page (admin)', operation: 'CustomersPage', role: 'ADMIN', weight: 6 },
  { name: 'invoices across customers (admin)', operation: 'InvoicesWithCustomers', role: 'ADMIN', weight: 7 },
  { name: 'customer with invoices (admin)', operation: 'CustomerWithInvoices', role: 'ADMIN', weight: 6 },
  { name: 'invoice with lines (admin)', operation: 'InvoiceWithLines', role: 'ADMIN', weight: 4 },
  { name: 'portal configuration (admin)', operation: 'PortalConfigurationDetails', role: 'ADMIN', weight: 3 },
];

/** Of the portal session requests: this share repeats the key of the one just sent (a double submit, often concurrent). */
const DOUBLE_SUBMIT = 0.1;
/** …and this share repeats one of the same customer's recent keys (a retry seconds later). */
const LATER_RETRY = 0.2;
const RECENT_KEYS = 4;

const MANIFEST = fileURLToPath(new URL('../schema/persisted-documents.json', import.meta.url));

/** Operation name → trusted-document id, from the manifest codegen wrote. */
export function documentIds(): Map<OperationName, string> {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
  const ids = new Map<OperationName, string>();
  for (const [id, document] of Object.entries(manifest)) {
    // Not anchored: a document's fragments come before its operation (the manifest's text is one line).
    const name = /(?:^|\s)(?:query|mutation)\s+(\w+)/.exec(document)?.[1];
    if (name !== undefined && id.startsWith('sha256:')) ids.set(name as OperationName, id);
  }
  for (const entry of MIX) {
    if (!ids.has(entry.operation)) throw new Error(`no trusted document for ${entry.operation} in ${MANIFEST} (run npm run codegen)`);
  }
  return ids;
}

export interface Planned {
  mix: MixEntry;
  /** The customer whose data this request is about: the caller (CUSTOMER), or the one asked for (ADMIN), if any. */
  customer: DemoCustomer | undefined;
  /** What the response must show: an invoice id, a configuration id. */
  target: string | undefined;
  /** The portal session request's idempotency key. */
  key: string | undefined;
  body: string;
  authorization: string;
}

export interface PlannerOptions {
  customers: readonly DemoCustomer[];
  adminKey: string;
  configurationIds: readonly string[];
  /** Makes this run's idempotency keys its own (keys are never shared between runs). */
  runTag: string;
  seed: number;
}

export class Planner {
  private readonly random: () => number;
  private readonly ids = documentIds();
  private readonly withInvoices: DemoCustomer[];
  private readonly cumulative: number[];
  private readonly total: number;
  private readonly recentKeys = new Map<number, string[]>();
  private lastPortal: { customer: DemoCustomer; key: string } | undefined;
  private keyCounter = 0;

  constructor(private readonly options: PlannerOptions) {
    this.random = seededRandom(options.seed);
    this.withInvoices = options.customers.filter((c) => c.invoices.length > 0);
    let sum = 0;
    this.cumulative = MIX.map((m) => (sum += m.weight));
    this.total = sum;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private body(operation: OperationName, variables: Record<string, unknown>): string {
    return JSON.stringify({ documentId: this.ids.get(operation), operationName: operation, variables });
  }

  private portalKey(): { customer: DemoCustomer; key: string } {
    const draw = this.random();
    if (draw < DOUBLE_SUBMIT && this.lastPortal !== undefined) return this.lastPortal;
    const customer = this.pick(this.options.customers);
    const recent = this.recentKeys.get(customer.index) ?? [];
    if (draw < DOUBLE_SUBMIT + LATER_RETRY && recent.length > 0) return { customer, key: this.pick(recent) };
    const key = `load-${this.options.runTag}-${customer.index}-${++this.keyCounter}`;
    recent.push(key);
    if (recent.length > RECENT_KEYS) recent.shift();
    this.recentKeys.set(customer.index, recent);
    return { customer, key };
  }

  next(): Planned {
    const draw = this.random() * this.total;
    const mix = MIX[this.cumulative.findIndex((c) => draw < c)] ?? MIX[0]!;
    const admin = `Bearer ${this.options.adminKey}`;
    const status = () => this.pick([undefined, undefined, 'OPEN', 'PAID']);
    const plan = (customer: DemoCustomer | undefined, target: string | undefined, body: string, key?: string): Planned => ({
      mix,
      customer,
      target,
      key,
      body,
      authorization: mix.role === 'ADMIN' ? admin : `Bearer ${customer!.token}`,
    });
    switch (mix.operation) {
      case 'Viewer': {
        const customer = this.pick(this.options.customers);
        return plan(customer, customer.id, this.body('Viewer', { invoicesFirst: 5 }));
      }
      case 'BillingPage': {
        const customer = this.pick(this.options.customers);
        return plan(customer, customer.id, this.body('BillingPage', { first: 10 }));
      }
      case 'CustomerWithInvoices': {
        const customer = this.pick(this.options.customers);
        return plan(customer, customer.id, this.body('CustomerWithInvoices', { customerId: customer.id, first: 10, status: status() }));
      }
      case 'InvoiceWithLines': {
        const customer = this.pick(this.withInvoices);
        const invoice = this.pick(customer.invoices);
        return plan(customer, invoice.id, this.body('InvoiceWithLines', { invoiceId: invoice.id, linesFirst: 20 }));
      }
      case 'InvoicesWithCustomers': {
        if (mix.role === 'ADMIN') return plan(undefined, undefined, this.body('InvoicesWithCustomers', { first: 10, status: status() }));
        const customer = this.pick(this.options.customers);
        return plan(customer, customer.id, this.body('InvoicesWithCustomers', { first: 10, status: status() }));
      }
      case 'CreatePortalSession': {
        const { customer, key } = this.portalKey();
        this.lastPortal = { customer, key };
        return plan(customer, customer.id, this.body('CreatePortalSession', { input: { idempotencyKey: key } }), key);
      }
      case 'CustomersPage': {
        const byEmail = this.random() < 0.3 ? this.pick(this.options.customers) : undefined;
        return byEmail?.email
          ? plan(byEmail, byEmail.id, this.body('CustomersPage', { first: 20, email: byEmail.email }))
          : plan(undefined, undefined, this.body('CustomersPage', { first: 20 }));
      }
      case 'PortalConfigurationDetails': {
        const id = this.pick(this.options.configurationIds);
        return plan(undefined, id, this.body('PortalConfigurationDetails', { configurationId: id }));
      }
    }
  }
}
