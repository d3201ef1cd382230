/**
 * What only the operator chooses (issue 10, finding 1): a customer's portal session opens with the configuration and
 * connected account the gateway is configured with (`PORTAL_CONFIGURATION_ID`, `PORTAL_ON_BEHALF_OF`), never one the
 * customer names. Naming either is refused before any Stripe call, with one answer whatever the value — so a
 * customer can neither open the admin-only "Enterprise" configuration of the demo seed nor learn which ids exist.
 * Admins keep the full input, with the operator's settings as defaults. Asserted on what reached the local Stripe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { createLogger } from '../../src/observability/log.js';
import { cursorOf, HARNESS_STRIPE_KEY, RETURN_ORIGIN, startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, expectError, run } from '../support/graphql.js';

const CONNECTED_ACCOUNT = 'acct_1NorthwindEurope';
const SESSION = `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
  ... on CreatePortalSessionPayload { portalSession { id url onBehalfOf configuration { id } customer { id } } } } }`;
const ADA = { customer: DEMO.customer } as const;

/** No portal settings (the harness's defaults): Stripe's default configuration, no connected account. */
let plain: GatewayHarness;
/** The operator chose the Enterprise configuration and the connected account. */
let configured: GatewayHarness;

beforeAll(async () => {
  plain = await startGateway({ connectedAccounts: [CONNECTED_ACCOUNT] });
  configured = await startGateway(
    { connectedAccounts: [CONNECTED_ACCOUNT] },
    { portal: { configuration: DEMO.enterpriseConfiguration, onBehalfOf: CONNECTED_ACCOUNT } },
  );
});
afterAll(async () => {
  await plain?.stop();
  await configured?.stop();
});

/** The error bodies of refusing `values` of `field` to a customer: each FORBIDDEN naming the field, no Stripe call. */
async function refusals(h: GatewayHarness, field: 'configurationId' | 'onBehalfOf', values: string[]): Promise<Set<string>> {
  const answers = new Set<string>();
  for (const value of values) {
    for (const input of [{ [field]: value }, { customerId: DEMO.customer, [field]: value }]) {
      const { res, calls } = await expectError(h, 'FORBIDDEN', SESSION, { input }, ADA);
      expect(calls, `${field}: ${value}`).toEqual([]);
      expect(res.data, value).toBeNull();
      expect(res.errors![0]!.extensions, value).toEqual({ code: 'FORBIDDEN', field });
      answers.add(JSON.stringify(res.errors));
    }
  }
  return answers;
}

describe('a customer may not choose the portal configuration', () => {
  it('refuses the admin-only Enterprise configuration, and a made-up or malformed one, with the same answer', async () => {
    // The seed's Enterprise configuration exists and is active: before the fix, this opened it.
    const stored = plain.local.store.configurations.get(DEMO.enterpriseConfiguration);
    expect(stored).toMatchObject({ active: true, is_default: false });
    for (const h of [plain, configured]) {
      const answers = await refusals(h, 'configurationId', [
        DEMO.enterpriseConfiguration,
        DEMO.defaultConfiguration,
        'bpc_madeUp0000000000000000',
        'enterprise',
        'bpc_x?expand[]=customer',
        '',
      ]);
      expect(answers.size).toBe(1);
      expect(JSON.parse([...answers][0]!)[0].message).toBe('Only admins may choose configurationId: the gateway sets it for customers.');
    }
  });
});

describe('a customer may not choose on_behalf_of', () => {
  it('refuses a connected account that exists, a made-up one and a malformed one with the same answer', async () => {
    for (const h of [plain, configured]) {
      const answers = await refusals(h, 'onBehalfOf', [CONNECTED_ACCOUNT, 'acct_1MadeUpAccount00', 'northwind-eu', 'acct_x&on_behalf_of=acct_y']);
      expect(answers.size).toBe(1);
      expect(JSON.parse([...answers][0]!)[0].message).toBe('Only admins may choose onBehalfOf: the gateway sets it for customers.');
    }
  });
});

describe('the operator’s settings', () => {
  it('reach Stripe for a customer’s session', async () => {
    const { res, calls } = await run(configured, SESSION, { input: {} }, ADA);
    expect(dataOf(res).createPortalSession.portalSession).toMatchObject({
      onBehalfOf: CONNECTED_ACCOUNT,
      configuration: { id: DEMO.enterpriseConfiguration },
      customer: { id: DEMO.customer },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/v1/billing_portal/sessions', status: 200 });
    expect(calls[0]!.params).toEqual({
      customer: DEMO.customer,
      configuration: DEMO.enterpriseConfiguration,
      on_behalf_of: CONNECTED_ACCOUNT,
      return_url: `${RETURN_ORIGIN}/billing`,
    });
  });

  it('unset, send neither: Stripe’s default configuration, no connected account', async () => {
    const { res, calls } = await run(plain, SESSION, { input: {} }, ADA);
    expect(dataOf(res).createPortalSession.portalSession).toMatchObject({ onBehalfOf: null, configuration: { id: DEMO.defaultConfiguration } });
    expect(calls.map((c) => c.params)).toEqual([{ customer: DEMO.customer, return_url: `${RETURN_ORIGIN}/billing` }]);
  });

  it('are an admin’s defaults; an admin’s own choice wins', async () => {
    const defaults = await run(configured, SESSION, { input: { customerId: DEMO.businessCustomer } });
    dataOf(defaults.res);
    expect(defaults.calls.map((c) => c.params)).toEqual([
      { customer: DEMO.businessCustomer, configuration: DEMO.enterpriseConfiguration, on_behalf_of: CONNECTED_ACCOUNT, return_url: `${RETURN_ORIGIN}/billing` },
    ]);
    const chosen = await run(plain, SESSION, {
      input: { customerId: DEMO.businessCustomer, configurationId: DEMO.enterpriseConfiguration, onBehalfOf: CONNECTED_ACCOUNT },
    });
    expect(dataOf(chosen.res).createPortalSession.portalSession).toMatchObject({
      onBehalfOf: CONNECTED_ACCOUNT,
      configuration: { id: DEMO.enterpriseConfiguration },
    });
    const overridden = await run(configured, SESSION, { input: { customerId: DEMO.customer, configurationId: DEMO.defaultConfiguration } });
    expect(dataOf(overridden.res).createPortalSession.portalSession.configuration).toEqual({ id: DEMO.defaultConfiguration });
    expect(overridden.calls[0]!.params).toMatchObject({ configuration: DEMO.defaultConfiguration, on_behalf_of: CONNECTED_ACCOUNT });
  });

  it('when Stripe refuses them, are the operator’s problem: masked for a customer, Stripe’s words for an admin', async () => {
    const logged: string[] = [];
    const logger = createLogger({ level: 'error', sink: (line) => logged.push(line) });
    const broken = await startGateway({}, { portal: { configuration: 'bpc_deletedLongAgo000000000' }, gateway: { logger } });
    try {
      const customer = await expectError(broken, 'INTERNAL_SERVER_ERROR', SESSION, { input: {} }, ADA);
      expect(customer.res.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(customer.res)).not.toContain('bpc_deletedLongAgo');
      expect(customer.calls.map((c) => c.status)).toEqual([404]);
      // The operator learns which setting Stripe refused from the error log.
      expect(logged.join('\n')).toContain('Stripe refused the portal setting configuration');
      const admin = await expectError(broken, 'NOT_FOUND', SESSION, { input: { customerId: DEMO.customer } });
      expect(admin.res.errors![0]!.message).toContain('bpc_deletedLongAgo000000000');
    } finally {
      await broken.stop();
    }
  });
});

describe('startApp', () => {
  it('carries PORTAL_CONFIGURATION_ID from the environment to a customer’s session, and derives cursors from the Stripe key', async () => {
    const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', PORTAL_CONFIGURATION_ID: DEMO.enterpriseConfiguration }));
    try {
      const post = async (query: string, variables: Record<string, unknown>) => {
        const response = await fetch(app.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${app.demo!.customerToken}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as { data?: any; errors?: unknown[] };
      };
      const session = await post(SESSION, { input: {} });
      expect(session.errors).toBeUndefined();
      expect(session.data.createPortalSession.portalSession.configuration).toEqual({ id: DEMO.enterpriseConfiguration });
      const refused = await post(SESSION, { input: { configurationId: DEMO.defaultConfiguration } });
      expect(refused.errors).toMatchObject([{ extensions: { code: 'FORBIDDEN', field: 'configurationId' } }]);
      // The demo gateway's cursors are keyed from its local Stripe's key, as the harness derives them.
      const page = await post('{ invoices(first: 1) { edges { cursor node { id } } } }', {});
      const [edge] = page.data.invoices.edges;
      expect(app.localStripe!.secretKey).toBe(HARNESS_STRIPE_KEY);
      expect(edge.cursor).toBe(cursorOf(edge.node.id, 'Invoice', `customer:${DEMO.customer}`));
    } finally {
      await app.stop();
    }
  });
});
