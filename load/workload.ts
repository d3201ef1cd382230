/**
 * The mixed workload: the example operations (`schema/operations/`, sent by trusted-document id as the typed
 * client does), as customers — each with their own token — and as an admin, in fixed proportions drawn from a
 * seeded generator; and the check of every response body.
 *
 * Each planned request knows who sends it and whose data it may show. `Recorder.record` parses every body:
 * GraphQL errors by code (from the body, not the HTTP status), 5xx, data that is missing or not the caller's,
 * any other demo customer's identifying strings (a cross-customer leak), and the portal session each
 * idempotency key got back.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoCustomer, OwnershipDetector } from './fixture.js';
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
    const name = /^(?:query|mutation)\s+(\w+)/.exec(document)?.[1];
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

// ---------------------------------------------------------------------------------------------------------------

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message?: string; extensions?: { code?: unknown } }>;
}

type Json = Record<string, unknown> | null;
const obj = (value: unknown): Json => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null);
const edgesOf = (connection: unknown): Json[] => {
  const edges = obj(connection)?.['edges'];
  return Array.isArray(edges) ? edges.map((e) => obj(obj(e)?.['node'])) : [];
};

/** Is `data` what this request should have got (the caller's own records, the id asked for)? */
function dataIsRight(planned: Planned, data: Record<string, unknown>): boolean {
  const customer = planned.customer;
  const own = customer?.id;
  const ownInvoices = (connection: unknown) => edgesOf(connection).every((n) => customer?.invoiceIds.has(String(n?.['id'])) === true);
  switch (planned.mix.operation) {
    case 'Viewer':
    case 'BillingPage': {
      const viewer = obj(data['viewer']);
      const record = obj(viewer?.['customer']);
      return viewer?.['role'] === 'CUSTOMER' && record?.['id'] === own && ownInvoices(record?.['invoices']);
    }
    case 'CustomerWithInvoices': {
      const record = obj(data['customer']);
      return record?.['id'] === own && ownInvoices(record?.['invoices']);
    }
    case 'InvoiceWithLines': {
      const invoice = obj(data['invoice']);
      return invoice?.['id'] === planned.target && obj(invoice?.['customer'])?.['id'] === own && edgesOf(invoice?.['lines']).length > 0;
    }
    case 'InvoicesWithCustomers': {
      const nodes = edgesOf(data['invoices']);
      if (planned.mix.role === 'ADMIN') return obj(data['invoices']) !== null && nodes.every((n) => typeof n?.['id'] === 'string');
      return ownInvoices(data['invoices']) && nodes.every((n) => obj(n?.['customer'])?.['id'] === own);
    }
    case 'CreatePortalSession': {
      const session = obj(obj(data['createPortalSession'])?.['portalSession']);
      return (
        typeof session?.['id'] === 'string' &&
        session['id'].startsWith('bps_') &&
        typeof session['url'] === 'string' &&
        obj(session['customer'])?.['id'] === own
      );
    }
    case 'CustomersPage': {
      const nodes = edgesOf(data['customers']);
      return own !== undefined ? nodes.length === 1 && nodes[0]?.['id'] === own : nodes.length > 0;
    }
    case 'PortalConfigurationDetails':
      return obj(data['portalConfiguration'])?.['id'] === planned.target;
  }
}

export interface Leak {
  operation: string;
  caller: string;
  others: string[];
  excerpt: string;
}

/** Everything counted during one autocannon run. */
export class Recorder {
  sent = 0;
  responses = 0;
  /** Responses whose body carried at least one GraphQL error. */
  errorResponses = 0;
  /** GraphQL errors by `extensions.code` (`NO_CODE` when absent; `NOT_JSON` for a body that is not a GraphQL response). */
  readonly errorsByCode = new Map<string, number>();
  readonly statuses = new Map<number, number>();
  serverErrors = 0;
  /** Responses without errors whose data was missing or not the caller's / not what was asked for. */
  wrongData = 0;
  /** Customer requests whose body held another demo customer's data. */
  crossCustomer = 0;
  /** Admin requests about one customer whose body held another customer's data. */
  adminMixups = 0;
  readonly leaks: Leak[] = [];
  readonly wrong: Array<{ operation: string; excerpt: string }> = [];
  readonly byOperation = new Map<string, { sent: number; responses: number; errors: number }>();
  /** Portal sessions: keys sent (and how often), session ids each key got back. */
  portalRequests = 0;
  readonly keyUses = new Map<string, number>();
  readonly keySessions = new Map<string, Set<string>>();
  /** Idempotency key → how many of its requests were answered with a session. */
  readonly keyAnswers = new Map<string, number>();
  /** Idempotency key → Stripe customer (the key's scope). */
  readonly keyCustomer = new Map<string, string>();
  readonly sessionIds = new Set<string>();

  constructor(
    private readonly detector: OwnershipDetector,
    private readonly customers: readonly DemoCustomer[],
  ) {}

  private operation(planned: Planned) {
    let entry = this.byOperation.get(planned.mix.name);
    if (entry === undefined) this.byOperation.set(planned.mix.name, (entry = { sent: 0, responses: 0, errors: 0 }));
    return entry;
  }

  sending(planned: Planned): void {
    this.sent++;
    this.operation(planned).sent++;
    if (planned.key !== undefined) {
      this.portalRequests++;
      this.keyUses.set(planned.key, (this.keyUses.get(planned.key) ?? 0) + 1);
      this.keyCustomer.set(planned.key, planned.customer!.id);
    }
  }

  record(planned: Planned, status: number, body: string): void {
    this.responses++;
    const perOperation = this.operation(planned);
    perOperation.responses++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 500) this.serverErrors++;

    let parsed: GraphQLBody | undefined;
    try {
      parsed = JSON.parse(body) as GraphQLBody;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed === null || typeof parsed !== 'object' || (!('data' in parsed) && !Array.isArray(parsed.errors))) {
      this.errorResponses++;
      perOperation.errors++;
      this.count('NOT_JSON');
    } else if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      this.errorResponses++;
      perOperation.errors++;
      for (const error of parsed.errors) this.count(typeof error.extensions?.code === 'string' ? error.extensions.code : 'NO_CODE');
    } else {
      const data = obj(parsed.data);
      if (data === null || !dataIsRight(planned, data)) {
        this.wrongData++;
        if (this.wrong.length < 5) this.wrong.push({ operation: planned.mix.name, excerpt: body.slice(0, 400) });
      }
      if (planned.key !== undefined && data !== null) {
        const id = obj(obj(data['createPortalSession'])?.['portalSession'])?.['id'];
        if (typeof id === 'string') {
          this.sessionIds.add(id);
          let ids = this.keySessions.get(planned.key);
          if (ids === undefined) this.keySessions.set(planned.key, (ids = new Set()));
          ids.add(id);
          this.keyAnswers.set(planned.key, (this.keyAnswers.get(planned.key) ?? 0) + 1);
        }
      }
    }

    // Whatever the outcome, a body about one customer must name no other (errors included).
    const about = planned.customer;
    if (about !== undefined) {
      const others = [...this.detector.owners(body)].filter((index) => index !== about.index);
      if (others.length > 0) {
        if (planned.mix.role === 'CUSTOMER') this.crossCustomer++;
        else this.adminMixups++;
        if (this.leaks.length < 5) {
          this.leaks.push({
            operation: planned.mix.name,
            caller: planned.mix.role === 'CUSTOMER' ? about.id : 'admin',
            others: others.map((index) => this.customers[index]?.id ?? String(index)),
            excerpt: body.slice(0, 400),
          });
        }
      }
    }
  }

  private count(code: string): void {
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
  }
}
