/**
 * The check of every response body of the mixed workload. `Recorder.record` parses every body: GraphQL errors by
 * code (from the body, not the HTTP status), 5xx, data that is missing or not the caller's, any other demo
 * customer's identifying strings (a cross-customer leak), the portal session each idempotency key got back, and
 * the Stripe calls each request reported (`extensions.stripe`).
 */
import { errorCodes, parseAnswer, StripeCallTally } from './answers.js';
import type { DemoCustomer, OwnershipDetector } from './fixture.js';
import type { Planned } from './workload.js';

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
  /** `extensions.stripe` of every answer: the most Stripe calls any single request made. */
  readonly stripe = new StripeCallTally();

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

    const parsed = parseAnswer(body);
    this.stripe.note(parsed, planned.mix.name);
    if (parsed === undefined) {
      this.errorResponses++;
      perOperation.errors++;
      this.count('NOT_JSON');
    } else if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      this.errorResponses++;
      perOperation.errors++;
      for (const code of errorCodes(parsed)) this.count(code);
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
