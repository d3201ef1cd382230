/**
 * What the page asks of the server. Billing data goes through the typed client (`src/client/`) and the generated
 * documents, to `/graphql`, with the customer's token — as any customer-facing app would. Only signing in uses
 * the demo server's own endpoints, standing in for the app's real sign-in.
 */
import {
  BillingClientError,
  BillingPageDocument,
  CreatePortalSessionDocument,
  createBillingClient,
  type BillingClient,
  type BillingPageQuery,
  type BillingPageQueryVariables,
} from '../../client/index.js';
import type { Session, SessionCustomer } from './session.js';
import type { CardOnFile, NextInvoice, PlanSubscription } from './plan-format.js';

export { BillingClientError };

/** The gateway's GraphQL endpoint, same origin as the page (the contract's fixed path). */
export const GRAPHQL_ENDPOINT = '/graphql';

/**
 * Send the generated documents by their trusted-document id rather than their text: what a production web app
 * does, so that the gateway can refuse any document it does not know from customers.
 */
const PERSISTED = true;

export type BillingCustomer = NonNullable<BillingPageQuery['viewer']['customer']>;
export type InvoicePage = BillingCustomer['invoices'];
export type Invoice = InvoicePage['edges'][number]['node'];
export type PageRequest = Pick<BillingPageQueryVariables, 'first' | 'after' | 'last' | 'before'>;

/** What the page shows above the invoices: the customer's plans, the card on file, the next invoice. */
export interface BillingOverview {
  subscriptions: readonly PlanSubscription[];
  defaultPaymentMethod: CardOnFile | null;
  upcomingInvoice: NextInvoice | null;
  /** Parts the gateway could not load this time (their sections say so; the rest of the page stands). */
  unavailable: ReadonlySet<OptionalPart>;
}

/**
 * The customer's fields the page can do without: both nullable, so that a failure of one (say Stripe's invoice
 * preview) comes back as that field null beside an error at its path, and the rest of the answer is whole.
 */
const OPTIONAL_PARTS = ['upcomingInvoice', 'defaultPaymentMethod'] as const;
export type OptionalPart = (typeof OPTIONAL_PARTS)[number];

/** The overview out of a `BillingPage` answer (the generated types are checked against the page's shapes here). */
export function overviewOf(customer: BillingCustomer, unavailable: ReadonlySet<OptionalPart> = new Set()): BillingOverview {
  return {
    subscriptions: customer.subscriptions.edges.map((edge) => edge.node),
    defaultPaymentMethod: customer.defaultPaymentMethod,
    upcomingInvoice: customer.upcomingInvoice,
    unavailable,
  };
}

export interface BillingAnswer {
  role: string;
  customer: BillingCustomer | null;
  unavailable: ReadonlySet<OptionalPart>;
}

/** A `BillingPage` answer whose only errors are in optional parts, as that answer; anything else is not one. */
function partialAnswer(error: unknown): BillingAnswer | undefined {
  if (!(error instanceof BillingClientError) || error.kind !== 'graphql' || error.errors.length === 0) return undefined;
  const viewer = (error.data as Partial<BillingPageQuery> | null)?.viewer;
  if (viewer?.customer === null || viewer?.customer === undefined) return undefined;
  const unavailable = new Set<OptionalPart>();
  for (const { path } of error.errors) {
    const part = OPTIONAL_PARTS.find((name) => path?.[0] === 'viewer' && path[1] === 'customer' && path[2] === name);
    if (part === undefined) return undefined;
    unavailable.add(part);
  }
  return { role: viewer.role, customer: viewer.customer, unavailable };
}

/** An error for people: a message and, for errors from the gateway, its code. */
export class PageError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function billingApi(token: () => string | undefined) {
  const client: BillingClient = createBillingClient({ url: GRAPHQL_ENDPOINT, token, persisted: PERSISTED });

  return {
    /** The typed client itself, with the customer's token (the live updates subscribe through it). */
    client,

    /** The signed-in customer, their plans, card and next invoice, and one page of their invoices. */
    async billingPage(page: PageRequest): Promise<BillingAnswer> {
      try {
        const data = await client.request(BillingPageDocument, page);
        return { ...data.viewer, unavailable: new Set() };
      } catch (error) {
        const partial = partialAnswer(error);
        if (partial === undefined) throw error;
        return partial;
      }
    },

    /** Opens a billing portal session for the signed-in customer; returns where to send the browser. */
    async portalUrl(returnUrl: string): Promise<string> {
      const data = await client.request(CreatePortalSessionDocument, {
        // A fresh key per click: a retried request (the same key) gets the same session back.
        input: { returnUrl, idempotencyKey: crypto.randomUUID() },
      });
      const result: object = data.createPortalSession;
      if (!('portalSession' in result)) throw new PageError('The billing portal could not be opened.');
      return (result as { portalSession: { url: string } }).portalSession.url;
    },
  };
}

export type BillingApi = ReturnType<typeof billingApi>;

/** A demo customer one may sign in as (`GET /demo/customers`). */
export interface DemoCustomer {
  id: string;
  name: string;
  email: string | null;
  summary: string;
}

async function demoJson(path: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers }, credentials: 'same-origin' });
  } catch {
    throw new PageError('The billing service could not be reached. Check your connection and try again.');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
      ? (body as { error: string }).error
      : `HTTP ${response.status}`;
    throw new PageError(`Sign-in failed: ${message}.`);
  }
  return body;
}

export async function demoCustomers(): Promise<DemoCustomer[]> {
  const body = (await demoJson('/demo/customers')) as { customers?: DemoCustomer[] } | undefined;
  return Array.isArray(body?.customers) ? body.customers : [];
}

/** Signs in as a demo customer: the demo server mints a short-lived customer token. */
export async function signIn(customerId: string): Promise<Session> {
  const body = (await demoJson('/demo/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId }),
  })) as { token?: unknown; expiresAt?: unknown; customer?: SessionCustomer } | undefined;
  if (typeof body?.token !== 'string' || body.customer === undefined) throw new PageError('Sign-in failed: no token came back.');
  return { token: body.token, expiresAt: typeof body.expiresAt === 'string' ? body.expiresAt : null, customer: body.customer };
}

/** What to tell the customer about a failed request. */
export function describeError(error: unknown): PageError {
  if (error instanceof PageError) return error;
  if (error instanceof BillingClientError) {
    const code = error.code;
    switch (code) {
      case 'UNAUTHENTICATED':
        return new PageError('Your session has ended. Please sign in again.', code);
      case 'FORBIDDEN':
        return new PageError('You are not allowed to see this account.', code);
      case 'RATE_LIMITED':
        return new PageError('Too many requests just now. Wait a moment and try again.', code);
      case 'UPSTREAM_UNAVAILABLE':
        return new PageError('Billing is temporarily unavailable. Please try again shortly.', code);
      case 'BAD_USER_INPUT':
        return new PageError(error.errors[0]?.message ?? 'The request was not accepted.', code);
      default:
        if (error.kind === 'network') return new PageError('The billing service could not be reached. Check your connection and try again.');
        return new PageError('Something went wrong on our side. Please try again.', code);
    }
  }
  return new PageError('Something went wrong. Please try again.');
}
