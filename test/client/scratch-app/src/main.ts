/**
 * A web app of someone else's, as `test/client/package.test.ts` builds it: it installs the packed
 * `@billing-gateway/client`, imports the client and generated documents by name, is type-checked against the
 * installed `.d.ts` and bundled by its own bundler (esbuild, for the browser), then run. It prints what it read as
 * one JSON line. The gateway's URL and a customer's token come in through the bundler's `define`, as a web app's
 * build would inject them.
 */
import {
  BillingClientError,
  createBillingClient,
  CustomerWithInvoicesDocument,
  documentIdOf,
  ViewerDocument,
  type CustomerWithInvoicesQuery,
  type InvoiceStatus,
} from '@billing-gateway/client';

declare const GATEWAY_URL: string;
declare const CUSTOMER_TOKEN: string;

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

console.log(
  JSON.stringify({
    role: viewer.role,
    balance: viewer.customer?.balance.formatted,
    customer: page.customer,
    anonymous,
    viewerDocumentId: documentIdOf(ViewerDocument),
  }),
);
