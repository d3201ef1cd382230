/**
 * The demo account as the load run sees it: every demo customer, listed through the local Stripe's own API, with
 * their invoices and a signed customer token; and a detector for any of their identifying strings in a response.
 */
import { signDemoCustomerToken } from '../src/app.js';
import type { GatewayReady } from './gateway.js';

export interface DemoInvoice {
  id: string;
  number: string | null;
}

export interface DemoCustomer {
  /** Position in the list (stable for a seed), used in idempotency keys. */
  index: number;
  id: string;
  name: string | null;
  email: string | null;
  invoices: DemoInvoice[];
  invoiceIds: ReadonlySet<string>;
  /** A customer token (role CUSTOMER) for this customer, signed with the demo JWT secret. */
  token: string;
}

interface StripeList<T> {
  data: T[];
  has_more: boolean;
}

async function listAll<T extends { id: string }>(ready: GatewayReady, path: string, query: Record<string, string> = {}): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  for (;;) {
    const params = new URLSearchParams({ limit: '100', ...query, ...(after !== undefined ? { starting_after: after } : {}) });
    const response = await fetch(`${ready.stripeUrl}${path}?${params}`, { headers: { Authorization: `Bearer ${ready.stripeKey}` } });
    if (!response.ok) throw new Error(`local Stripe: GET ${path} answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as StripeList<T>;
    out.push(...page.data);
    if (!page.has_more || page.data.length === 0) return out;
    after = page.data[page.data.length - 1]!.id;
  }
}

/** Every customer of the local Stripe (the 28 demo customers), with their invoices and a token each. */
export async function loadDemoCustomers(ready: GatewayReady): Promise<DemoCustomer[]> {
  const customers = await listAll<{ id: string; name: string | null; email: string | null }>(ready, '/v1/customers');
  const jwt = {
    secret: ready.jwtSecret,
    jwksUrl: undefined,
    issuer: ready.issuer,
    audience: ready.audience,
    customerClaim: ready.customerClaim,
  };
  return Promise.all(
    customers.map(async (customer, index) => {
      const invoices = await listAll<{ id: string; number: string | null }>(ready, '/v1/invoices', { customer: customer.id });
      return {
        index,
        id: customer.id,
        name: customer.name,
        email: customer.email,
        invoices: invoices.map((invoice) => ({ id: invoice.id, number: invoice.number })),
        invoiceIds: new Set(invoices.map((invoice) => invoice.id)),
        token: await signDemoCustomerToken(jwt, ready.jwtSecret, customer.id),
      };
    }),
  );
}

/**
 * Finds identifying strings of demo customers in a response body: ids, emails, names, invoice ids and invoice
 * numbers. A string that also occurs inside another customer's identifying strings would be ambiguous, so it is
 * left out (and reported), never guessed.
 */
export class OwnershipDetector {
  private readonly owner = new Map<string, number>();
  private readonly pattern: RegExp;
  /** Identifying strings left out as ambiguous. */
  readonly ambiguous: string[] = [];
  readonly identifierCount: number;

  constructor(customers: readonly DemoCustomer[]) {
    const byCustomer = customers.map((c) =>
      [c.id, c.email, c.name, ...c.invoices.flatMap((i) => [i.id, i.number])].filter(
        (s): s is string => typeof s === 'string' && s.length >= 4,
      ),
    );
    for (const [index, identifiers] of byCustomer.entries()) {
      for (const identifier of identifiers) {
        const clash = byCustomer.some((others, j) => j !== index && others.some((other) => other.includes(identifier)));
        if (clash) this.ambiguous.push(identifier);
        else this.owner.set(identifier, customers[index]!.index);
      }
    }
    const escaped = [...this.owner.keys()]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = new RegExp(escaped.join('|'), 'g');
    this.identifierCount = this.owner.size;
  }

  /** Indexes of the customers any of whose identifying strings occur in `body`. */
  owners(body: string): Set<number> {
    const found = new Set<number>();
    for (const match of body.matchAll(this.pattern)) {
      const owner = this.owner.get(match[0]);
      if (owner !== undefined) found.add(owner);
    }
    return found;
  }
}
