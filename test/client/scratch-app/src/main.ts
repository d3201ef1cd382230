/**
 * A web app of someone else's, as `test/client/package.test.ts` builds it: it installs the packed
 * `@billing-gateway/client`, imports the client and generated documents by name, is type-checked against the
 * installed `.d.ts` and bundled by its own bundler (esbuild, for the browser), then run. It prints what it read as
 * one JSON line. The gateway's URL and a customer's token come in through the bundler's `define`, as a web app's
 * build would inject them.
 */
import {
  BillingClientError,
  BillingPageDocument,
  CancelSubscriptionDocument,
  createBillingClient,
  CustomerWithInvoicesDocument,
  documentIdOf,
  SubscriptionUpdatedDocument,
  ViewerDocument,
  type CustomerWithInvoicesQuery,
  type InvoiceStatus,
  type SubscriptionUpdatedSubscription,
} from '@billing-gateway/client';

declare const GATEWAY_URL: string;
declare const CUSTOMER_TOKEN: string;
declare const ADMIN_KEY: string;

const client = createBillingClient({ url: GATEWAY_URL, token: () => CUSTOMER_TOKEN, persisted: true });

const { viewer } = await client.request(ViewerDocument, { invoicesFirst: 2 });
const customerId = viewer.customer?.id;
if (customerId === undefined) throw new Error('the token is not a customer’s');

const status: InvoiceStatus = 'PAID';
const page: CustomerWithInvoicesQuery = await client.request(CustomerWithInvoicesDocument, { customerId, first: 3, status });

// The typings are the selections: wrong variables and unselected fields do not compile (tsc fails on an unused
// directive, so each line must really be an error).
// @ts-expect-error — `customerId` is required
void (() => client.request(CustomerWithInvoicesDocument, {}));
// @ts-expect-error — not an InvoiceStatus
void (() => client.request(CustomerWithInvoicesDocument, { customerId, status: 'PENDING' }));
// @ts-expect-error — Viewer does not select `delinquent`
void viewer.customer?.delinquent;

// One error type, whatever went wrong; `instanceof` holds across the bundle.
let anonymous: { kind: string; code: string | undefined; status: number } | undefined;
try {
  await createBillingClient({ url: GATEWAY_URL }).request(CustomerWithInvoicesDocument, { customerId });
} catch (error) {
  if (!(error instanceof BillingClientError)) throw error;
  anonymous = { kind: error.kind, code: error.code, status: error.status };
}

// Live: the customer listens to its subscriptions; once the stream is open, an admin sets the plan to cancel at
// the period's end, and the change arrives as a typed event (the gateway hears it from Stripe's webhook).
const { viewer: billing } = await client.request(BillingPageDocument, {});
const subscriptionId = billing.customer?.subscriptions.edges[0]?.node.id;
if (subscriptionId === undefined) throw new Error('the customer has no subscription');
const admin = createBillingClient({ url: GATEWAY_URL, token: ADMIN_KEY });
type Updated = SubscriptionUpdatedSubscription['subscriptionUpdated'];
const updated = await new Promise<Updated>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no subscriptionUpdated event within 60 s')), 60_000);
  let changed = false;
  const live = client.subscribe(
    SubscriptionUpdatedDocument,
    {},
    {
      open() {
        if (changed) return;
        changed = true;
        admin.request(CancelSubscriptionDocument, { input: { subscriptionId, atPeriodEnd: true } }).catch(reject);
      },
      next({ data }) {
        if (data?.subscriptionUpdated.id !== subscriptionId || !data.subscriptionUpdated.cancelAtPeriodEnd) return;
        clearTimeout(timer);
        live.close();
        resolve(data.subscriptionUpdated);
      },
      error: reject,
    },
  );
});

console.log(
  JSON.stringify({
    role: viewer.role,
    balance: viewer.customer?.balance.formatted,
    customer: page.customer,
    anonymous,
    viewerDocumentId: documentIdOf(ViewerDocument),
    live: { id: updated.id, cancelAtPeriodEnd: updated.cancelAtPeriodEnd, customer: updated.customer.id },
  }),
);
