/** Misuse the installed types must refuse (compiled alone by `tsconfig.wrong.json`; the test expects errors). */
import { createBillingClient, CustomerWithInvoicesDocument, ViewerDocument } from '@billing-gateway/client';

const client = createBillingClient({ url: '/graphql' });
export const wrongStatus = () => client.request(CustomerWithInvoicesDocument, { customerId: 'cus_1', status: 'PENDING' });
export const unselected = async () => (await client.request(ViewerDocument)).viewer.customer?.delinquent;
