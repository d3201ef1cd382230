/**
 * The identity provider's JWKS when it misbehaves, over real sockets: a node:http server on port 0 that accepts
 * connections and never answers (or answers 500, or answers again). What is asserted is what reached it — how many
 * requests — and what each customer request was told; never how long anything took, beyond one generous bound on
 * the first request (far under jose's own 5 s default, far over the 250 ms configured here).
 *
 * The cool-down runs on a clock the test moves; the fetch timeout on real time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticate } from '../../src/auth/authenticate.js';
import { DEFAULT_TOKEN_BOUNDS, type JwtConfig } from '../../src/config.js';
import { createGateway } from '../../src/http/server.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';

const SECRET = 'hs256-secret-0123456789abcdef0123456789';
const CUSTOMER = 'cus_Ada0123456789';
const CLAIM = 'stripe_customer_id';
const TIMEOUT_MS = 250;
const COOLDOWN_SECONDS = 30;
/** The longest the first request may take: a fetch bounded at 250 ms, whatever the load on the machine. */
const BOUND_MS = 4_000;

type Mode = 'hang' | 'error' | 'serve';

interface Provider {
  url: URL;
  /** Requests that reached it (each a fetch of the key set). */
  readonly requests: number;
  mode: Mode;
  close(): Promise<void>;
}

async function provider(keys: JWK[], mode: Mode): Promise<Provider> {
  const state = { requests: 0, mode };
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    state.requests += 1;
    if (state.mode === 'hang') hanging.push(response);
    else if (state.mode === 'error') response.writeHead(500).end('down');
    else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`),
    get requests() {
      return state.requests;
    },
    get mode() {
      return state.mode;
    },
    set mode(next: Mode) {
      state.mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `promise`, or a failure naming `what` if it has not settled within the bound. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${BOUND_MS} ms (the JWKS fetch is not bounded)`)), BOUND_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

let rsa: CryptoKeyPair;
let publicJwk: JWK;
const providers: Provider[] = [];

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  publicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
});

afterEach(async () => {
  for (const p of providers.splice(0)) await p.close();
});

async function start(mode: Mode): Promise<Provider> {
  const p = await provider([publicJwk], mode);
  providers.push(p);
  return p;
}

const rs256 = async (key: CryptoKey = rsa.privateKey, kid = 'rsa-1') =>
  `Bearer ${await new SignJWT({ [CLAIM]: CUSTOMER })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key)}`;

const hs256 = async (secret = SECRET) =>
  `Bearer ${await new SignJWT({ [CLAIM]: CUSTOMER })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret))}`;

function jwt(url: URL, overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    secret: SECRET,
    jwksUrl: url,
    issuer: undefined,
    audience: undefined,
    customerClaim: CLAIM,
    ...DEFAULT_TOKEN_BOUNDS,
    jwksTimeoutMs: TIMEOUT_MS,
    jwksCooldownSeconds: COOLDOWN_SECONDS,
    ...overrides,
  };
}

/** An authenticator on a clock the test moves (`clock.advance(seconds)`). */
function authenticatorFor(url: URL): { authenticate: Authenticate; clock: { advance(seconds: number): void } } {
  let now = Date.now();
  return {
    authenticate: createAuthenticator({ apiKeys: [], jwt: jwt(url), now: () => now }),
    clock: {
      advance(seconds) {
        now += seconds * 1000;
      },
    },
  };
}

const CUSTOMER_VIEWER = { role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) };
const unavailable = (retryAfterSeconds: number) => ({ role: 'ANONYMOUS', rejected: { reason: 'keys_unavailable', retryAfterSeconds } });

describe('a JWKS endpoint that never answers', () => {
  it('costs one bounded fetch per cool-down, not one per request; a JWKS that answers again restores verification', async () => {
    const idp = await start('hang');
    const { authenticate, clock } = authenticatorFor(idp.url);
    const token = await rs256();

    // The first customer request fetches once, and is answered when the fetch times out.
    expect(await within(authenticate(token), 'the first request')).toEqual(unavailable(COOLDOWN_SECONDS));
    expect(idp.requests).toBe(1);

    // Inside the cool-down: answered at once, no fetch, however many — in a row or together.
    for (let i = 0; i < 5; i++) expect(await authenticate(token)).toEqual(unavailable(COOLDOWN_SECONDS));
    const together = await Promise.all(Array.from({ length: 10 }, () => authenticate(token)));
    expect(together).toEqual(Array(10).fill(unavailable(COOLDOWN_SECONDS)));
    clock.advance(20);
    expect(await authenticate(token)).toEqual(unavailable(10));
    expect(idp.requests).toBe(1);

    // HS256 tokens never wait on the JWKS, valid or not.
    expect(await authenticate(await hs256())).toEqual(CUSTOMER_VIEWER);
    expect(await authenticate(await hs256('another-secret-0123456789abcdef0123456789'))).toEqual({
      role: 'ANONYMOUS',
      rejected: { reason: 'invalid_token' },
    });
    expect(idp.requests).toBe(1);

    // After the cool-down, one more fetch (bounded again), then another cool-down.
    clock.advance(10);
    expect(await within(authenticate(token), 'the request after the cool-down')).toEqual(unavailable(COOLDOWN_SECONDS));
    expect(idp.requests).toBe(2);
    expect(await authenticate(token)).toEqual(unavailable(COOLDOWN_SECONDS));
    expect(idp.requests).toBe(2);

    // The provider answers again: after the cool-down, the next token fetches the keys and is verified; the keys
    // are cached from then on.
    idp.mode = 'serve';
    expect(await authenticate(token)).toEqual(unavailable(COOLDOWN_SECONDS));
    expect(idp.requests).toBe(2);
    clock.advance(COOLDOWN_SECONDS);
    expect(await within(authenticate(token), 'the request once the provider is back')).toEqual(CUSTOMER_VIEWER);
    expect(idp.requests).toBe(3);
    expect(await authenticate(await rs256())).toEqual(CUSTOMER_VIEWER);
    expect(idp.requests).toBe(3);
  });

  it('shares one fetch among the requests that arrive while it is in flight', async () => {
    const idp = await start('hang');
    const { authenticate } = authenticatorFor(idp.url);
    const token = await rs256();
    const answers = await within(Promise.all(Array.from({ length: 8 }, () => authenticate(token))), 'eight requests together');
    expect(answers).toEqual(Array(8).fill(unavailable(COOLDOWN_SECONDS)));
    expect(idp.requests).toBe(1);
  });

  it('a JWKS answering 500 is unavailable too, with the same cool-down', async () => {
    const idp = await start('error');
    const { authenticate, clock } = authenticatorFor(idp.url);
    const token = await rs256();
    expect(await authenticate(token)).toEqual(unavailable(COOLDOWN_SECONDS));
    expect(await authenticate(token)).toEqual(unavailable(COOLDOWN_SECONDS));
    expect(idp.requests).toBe(1);
    clock.advance(COOLDOWN_SECONDS);
    idp.mode = 'serve';
    expect(await authenticate(token)).toEqual(CUSTOMER_VIEWER);
    expect(idp.requests).toBe(2);
  });

  it('keys fetched before go on verifying the tokens they signed while the provider is down', async () => {
    const idp = await start('serve');
    const { authenticate } = authenticatorFor(idp.url);
    expect(await authenticate(await rs256())).toEqual(CUSTOMER_VIEWER);
    idp.mode = 'hang';
    expect(await authenticate(await rs256())).toEqual(CUSTOMER_VIEWER);
    // Another key under a served kid, or a kid never served: invalid, not unavailable (the set was fetched moments
    // ago, so jose does not fetch it again for an unknown kid).
    const stranger = await generateKeyPair('RS256');
    const invalid = { role: 'ANONYMOUS', rejected: { reason: 'invalid_token' } };
    expect(await authenticate(await rs256(stranger.privateKey))).toEqual(invalid);
    expect(await authenticate(await rs256(stranger.privateKey, 'rsa-unknown'))).toEqual(invalid);
    expect(idp.requests).toBe(1);
  });
});

describe('through the gateway, over HTTP', () => {
  let harness: GatewayHarness;
  beforeAll(async () => {
    harness = await startGateway();
  });
  afterAll(async () => {
    await harness.stop();
  });

  /** The gateway on a socket of its own, verifying customer tokens against `url`. */
  async function gatewayFor(url: URL): Promise<{ post(authorization: string): Promise<Response>; close(): Promise<void> }> {
    const yoga = createGateway(
      { graphiql: false, corsOrigins: [] },
      { ...harness.deps, authenticate: createAuthenticator({ apiKeys: [], jwt: jwt(url) }) },
    );
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      post: (authorization) =>
        fetch(`${origin}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization },
          body: JSON.stringify({ query: '{ viewer { role customer { id } } }' }),
        }),
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  it('a working JWKS verifies RS256 customer tokens end to end', async () => {
    const idp = await start('serve');
    const gateway = await gatewayFor(idp.url);
    try {
      const response = await gateway.post(await rs256());
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ data: { viewer: { role: 'CUSTOMER', customer: { id: CUSTOMER } } } });
      expect(idp.requests).toBe(1);
    } finally {
      await gateway.close();
    }
  });

  it('while the keys are unavailable: 503 UPSTREAM_UNAVAILABLE with Retry-After, not a 401, and no Stripe call', async () => {
    const idp = await start('hang');
    const gateway = await gatewayFor(idp.url);
    try {
      const calls = await harness.stripeCalls(async () => {
        for (let i = 0; i < 3; i++) {
          const response = await within(gateway.post(await rs256()), `request ${i + 1}`);
          expect(response.status).toBe(503);
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(response.headers.get('www-authenticate')).toBeNull();
          const body = (await response.json()) as { data: unknown; errors: Array<{ message: string; extensions: Record<string, unknown> }> };
          // Refused before execution (issue 10: anonymous callers are refused before their variables are read): a
          // request error, with no data entry at all.
          expect(body).not.toHaveProperty('data');
          expect(body.errors.map((e) => e.extensions)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: expect.any(Number) }]);
        }
      });
      expect(calls).toEqual([]);
      expect(idp.requests).toBe(1);
    } finally {
      await gateway.close();
    }
  });
});
