/**
 * GraphQL-over-HTTP conformance: graphql-http's `serverAudits` against the gateway as `npm start` builds it
 * (`startApp`, real HTTP on port 0; the embedded local Stripe, or in production — which refuses demo mode — a local
 * Stripe of its own), on two profiles:
 *
 * - the test profile (development configuration: ad-hoc documents, introspection on), audited as a server-to-server
 *   client holding the admin key: every MUST and every SHOULD audit passes. Its only departures are MAY audits, pinned
 *   below with their reasons;
 * - the production profile (`NODE_ENV=production`: trusted documents enforced for customers, introspection and
 *   GraphiQL off, suggestions hidden, CSRF prevention on), audited as a customer, whose departures are by design
 *   and pinned: the exact set of failing audits is asserted, each with the reason. The same profile audited as an
 *   admin (who may send ad-hoc documents) is pinned too.
 *
 * Every audit is its own test, so a change in conformance names the audit. The audits' documents are all
 * `__typename` / `__type`: none of them may reach Stripe.
 */
import { serverAudits, type Audit, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY, JWT_SECRET, signCustomerToken } from '../support/gateway.js';

/** An audit expected to fail: why, and the answer that makes it fail (HTTP status, `extensions.code`). */
interface Departure {
  why: string;
  status: number;
  code: string;
}
type Departures = Readonly<Record<string, Departure>>;

const env = (extra: Record<string, string> = {}) =>
  loadGatewayConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    GATEWAY_API_KEYS: ADMIN_KEY,
    AUTH_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...extra,
  });

// ---------------------------------------------------------------------------------------------------------------
// Why audits fail by design.

const CSRF_GET: Departure = {
  why:
    'a GET without a CSRF header (x-graphql-csrf, graphql-require-preflight or x-graphql-yoga-csrf) is what a ' +
    'cross-site <img> or link sends: refused (the audit sends none)',
  status: 403,
  code: 'FORBIDDEN',
};
const TRUSTED_ONLY: Departure = {
  why: 'customers may run only trusted documents, by `documentId`: an ad-hoc document is refused before it is parsed (the audit expects it to run)',
  status: 403,
  code: 'FORBIDDEN',
};
const TRUSTED_BEFORE_PARAMS: Departure = {
  why:
    'the trusted-documents check comes first: a request whose `query` is not text (an object, an array), or that has ' +
    'an ill-typed `operationName`, `variables` or `extensions`, is refused as an ad-hoc document rather than with ' +
    'the 400 the audit suggests (a `query` that is a number or a boolean still gets 400)',
  status: 403,
  code: 'FORBIDDEN',
};
const TRUSTED_BEFORE_PARSE: Departure = {
  why:
    'the trusted-documents check comes first: an ad-hoc document is refused before it could fail to parse, ' +
    'validate or coerce, so the 400 the audit expects is a 403',
  status: 403,
  code: 'FORBIDDEN',
};
const TRUSTED_BEFORE_200: Departure = {
  why:
    'the trusted-documents check comes first: an ad-hoc document is refused, not answered with the 200 + errors ' +
    'the audit recommends for application/json clients',
  status: 403,
  code: 'FORBIDDEN',
};
/** As asked with `accept: application/graphql-response+json`: a 400. */
const NO_INTROSPECTION: Departure = {
  why: 'introspection is off in production: the audit’s `__type` query fails validation',
  status: 400,
  code: 'GRAPHQL_VALIDATION_FAILED',
};
/** As asked with `accept: application/json`: a 200 carrying the validation error. */
const NO_INTROSPECTION_JSON: Departure = { ...NO_INTROSPECTION, status: 200 };

/** Test profile, admin key only: conformant but for the MAY audits of GETs without a CSRF header. */
const TEST_PROFILE: Departures = {
  '5A70': CSRF_GET,
  D6D5: CSRF_GET,
  '6A70': CSRF_GET,
};

/** Test profile, admin key and a CSRF header (a non-browser client that sends GETs): fully conformant. */
const TEST_PROFILE_WITH_CSRF_HEADER: Departures = {};

/** Production profile, as a customer. */
const PRODUCTION_CUSTOMER: Departures = {
  '22EB': TRUSTED_ONLY,
  '4655': TRUSTED_ONLY,
  '47DE': TRUSTED_ONLY,
  '80D8': TRUSTED_ONLY,
  '82A3': TRUSTED_ONLY,
  BF61: TRUSTED_ONLY,
  '78D5': TRUSTED_ONLY,
  '2C94': TRUSTED_ONLY,
  '5A70': CSRF_GET,
  '03D4': TRUSTED_ONLY,
  '34A2': TRUSTED_ONLY,
  '13EE': TRUSTED_ONLY,
  '8161': TRUSTED_ONLY,
  B8B3: TRUSTED_ONLY,
  '94B0': TRUSTED_ONLY,
  '94B1': TRUSTED_ONLY,
  '94B2': TRUSTED_ONLY,
  '0220': TRUSTED_ONLY,
  '0221': TRUSTED_ONLY,
  '0222': TRUSTED_ONLY,
  '2EA1': TRUSTED_ONLY,
  '28B9': TRUSTED_ONLY,
  D6D5: CSRF_GET,
  '6A70': CSRF_GET,
  '428F': TRUSTED_ONLY,
  '1B7A': TRUSTED_ONLY,
  LKJ0: TRUSTED_BEFORE_PARAMS,
  LKJ3: TRUSTED_BEFORE_PARAMS,
  '6C00': TRUSTED_BEFORE_PARAMS,
  '6C01': TRUSTED_BEFORE_PARAMS,
  '6C02': TRUSTED_BEFORE_PARAMS,
  '6C03': TRUSTED_BEFORE_PARAMS,
  '4760': TRUSTED_BEFORE_PARAMS,
  '4761': TRUSTED_BEFORE_PARAMS,
  '4762': TRUSTED_BEFORE_PARAMS,
  '4763': TRUSTED_BEFORE_PARAMS,
  '58B0': TRUSTED_BEFORE_PARAMS,
  '58B1': TRUSTED_BEFORE_PARAMS,
  '58B2': TRUSTED_BEFORE_PARAMS,
  '58B3': TRUSTED_BEFORE_PARAMS,
  '572B': TRUSTED_BEFORE_200,
  FDE2: TRUSTED_BEFORE_200,
  '7B9B': TRUSTED_BEFORE_200,
  '556A': TRUSTED_BEFORE_PARSE,
  '74FF': TRUSTED_BEFORE_PARSE,
  '86EE': TRUSTED_BEFORE_PARSE,
};

/**
 * Production profile, as an admin (ad-hoc documents allowed): only introspection and GETs without a CSRF header.
 * (BF61 queries `__type` too, but asks only for a 200, which an application/json client gets with the validation
 * error.)
 */
const PRODUCTION_ADMIN: Departures = {
  '2EA1': NO_INTROSPECTION,
  '28B9': NO_INTROSPECTION_JSON,
  '5A70': CSRF_GET,
  D6D5: CSRF_GET,
  '6A70': CSRF_GET,
};

// ---------------------------------------------------------------------------------------------------------------

/** A started profile: the app, and the Stripe it talks to. */
type Running = Pick<ProductionApp, 'app' | 'stripe' | 'stop'>;

/** The development configuration, in demo mode on its embedded local Stripe. */
async function startTestProfile(): Promise<Running> {
  const app = await startApp(env());
  return { app, stripe: app.localStripe!, stop: () => app.stop() };
}

interface Profile {
  name: string;
  start(): Promise<Running>;
  /** Headers the audits' requests carry (the caller's credentials). */
  headers(app: App): Promise<Record<string, string>>;
  departures: Departures;
  /** MUST/SHOULD departures are allowed (production profiles); never on the test profile. */
  mustAndShouldPass: boolean;
}

const PROFILES: Profile[] = [
  {
    name: 'test profile (development configuration), as an admin API client',
    start: startTestProfile,
    headers: async () => ({ authorization: `Bearer ${ADMIN_KEY}` }),
    departures: TEST_PROFILE,
    mustAndShouldPass: true,
  },
  {
    name: 'test profile (development configuration), as an admin API client sending a CSRF header',
    start: startTestProfile,
    headers: async () => ({ authorization: `Bearer ${ADMIN_KEY}`, 'x-graphql-csrf': '1' }),
    departures: TEST_PROFILE_WITH_CSRF_HEADER,
    mustAndShouldPass: true,
  },
  {
    name: 'production profile (NODE_ENV=production), as a customer',
    // Production refuses demo mode: against a Stripe of its own.
    start: () => startProductionApp(),
    headers: async () => ({ authorization: `Bearer ${await signCustomerToken(DEMO.customer)}` }),
    departures: PRODUCTION_CUSTOMER,
    mustAndShouldPass: false,
  },
  {
    name: 'production profile (NODE_ENV=production), as an admin',
    // Production refuses demo mode: against a Stripe of its own.
    start: () => startProductionApp(),
    headers: async () => ({ authorization: `Bearer ${ADMIN_KEY}` }),
    departures: PRODUCTION_ADMIN,
    mustAndShouldPass: false,
  },
];

/** Adds `extra` headers to every request an audit makes (its own headers win where both set one). */
function withHeaders(extra: () => Record<string, string>): typeof fetch {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(extra())) if (!headers.has(name)) headers.set(name, value);
    return fetch(input, { ...init, headers });
  };
}

const level = (audit: Pick<Audit, 'name'>) => audit.name.split(' ', 1)[0] as 'MUST' | 'SHOULD' | 'MAY';

/** The failed audit's response body, unless the audit already read it. */
async function bodyOf(result: AuditResult): Promise<string | undefined> {
  if (result.status === 'ok' || result.response.bodyUsed) return undefined;
  return result.response.clone().text();
}

async function describeFailure(result: AuditResult): Promise<string> {
  if (result.status === 'ok') return 'ok';
  return `${result.reason} — HTTP ${result.response.status} ${(await bodyOf(result))?.slice(0, 300) ?? '(body read by the audit)'}`;
}

/** The `extensions.code`s of a GraphQL response body. */
function codesIn(body: string): unknown[] {
  try {
    const json = JSON.parse(body) as { errors?: Array<{ extensions?: { code?: unknown } }> };
    return (json.errors ?? []).map((e) => e.extensions?.code);
  } catch {
    return [];
  }
}

for (const profile of PROFILES) {
  describe(`graphql-http serverAudits: ${profile.name}`, () => {
    let running: Running | undefined;
    let app: App | undefined;
    let headers: Record<string, string> = {};
    const audits = serverAudits({
      url: () => {
        if (app === undefined) throw new Error('the gateway did not start');
        return app.graphqlUrl;
      },
      fetchFn: withHeaders(() => headers),
    });
    const ids = audits.map((a) => a.id);
    /** Each audit's outcome, as its test recorded it. */
    const outcomes = new Map<string, AuditResult['status']>();

    beforeAll(async () => {
      running = await profile.start();
      app = running.app;
      headers = await profile.headers(app);
      running.stripe.clearRequests();
    });
    afterAll(async () => {
      await running?.stop();
    });

    it('pins only audits that exist, and (on the test profile) no MUST or SHOULD', () => {
      expect(Object.keys(profile.departures).filter((id) => !ids.includes(id))).toEqual([]);
      if (profile.mustAndShouldPass) {
        const pinned = audits.filter((a) => a.id in profile.departures && level(a) !== 'MAY').map((a) => `${a.id} ${a.name}`);
        expect(pinned).toEqual([]);
      }
    });

    for (const audit of audits) {
      const reason = profile.departures[audit.id];
      it(`${audit.id} ${audit.name}${reason !== undefined ? ` — departs by design: HTTP ${reason.status} ${reason.code}` : ''}`, async () => {
        const result = await audit.fn();
        outcomes.set(audit.id, result.status);
        if (reason === undefined) {
          expect(result.status, `${audit.id} ${audit.name}: ${await describeFailure(result)}`).toBe('ok');
          return;
        }
        if (result.status === 'ok') throw new Error(`${audit.id} ${audit.name} was pinned as a departure (${reason.why}) but passes`);
        // It fails for the pinned reason, not another one.
        const detail = `${audit.id}: ${await describeFailure(result)}`;
        expect(result.response.status, detail).toBe(reason.status);
        const body = await bodyOf(result);
        if (body !== undefined) expect(codesIn(body), detail).toEqual([reason.code]);
      });
    }

    it('fails exactly the pinned set of audits', () => {
      expect(outcomes.size).toBe(audits.length);
      const failing = audits.filter((a) => outcomes.get(a.id) !== 'ok').map((a) => `${a.id} ${a.name}`);
      const pinned = audits.filter((a) => a.id in profile.departures).map((a) => `${a.id} ${a.name}`);
      expect(failing).toEqual(pinned);
      if (profile.mustAndShouldPass) expect(failing.filter((name) => !/^\S+ MAY /.test(name))).toEqual([]);
    });

    it('made no Stripe call', () => {
      expect(running!.stripe.requests.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    });
  });
}
