/**
 * `createAuthenticator`, with real keys and a real JWKS endpoint (node:http on port 0): who the caller is, from the
 * `Authorization` header alone. Anything that fails verification is ANONYMOUS — never an exception — and says why
 * when credentials were presented: expired, invalid, or not checkable (the provider's keys unavailable).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { createAuthenticator, type AuthConfig } from '../../src/auth/authenticate.js';
import { DEFAULT_TOKEN_BOUNDS, type JwtConfig } from '../../src/config.js';

const KEY = 'admin-key-0123456789abcdef';
const OTHER_KEY = 'second-admin-key-fedcba9876543210';
const SECRET = 'hs256-secret-0123456789abcdef0123456789';
const CUSTOMER = 'cus_Ada0123456789';
const CLAIM = 'stripe_customer_id';

const now = () => Math.floor(Date.now() / 1000);

/** No credentials presented; credentials that failed; an expired, otherwise valid, token. */
const NONE = { role: 'ANONYMOUS' };
const INVALID = { role: 'ANONYMOUS', rejected: { reason: 'invalid_token' } };
const EXPIRED = { role: 'ANONYMOUS', rejected: { reason: 'expired_token' } };

function jwtConfig(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return {
    secret: SECRET,
    jwksUrl: undefined,
    issuer: undefined,
    audience: undefined,
    customerClaim: CLAIM,
    ...DEFAULT_TOKEN_BOUNDS,
    ...overrides,
  };
}

function authenticator(overrides: { apiKeys?: string[]; jwt?: Partial<JwtConfig>; now?: () => number } = {}) {
  const config: AuthConfig = {
    apiKeys: overrides.apiKeys ?? [KEY, OTHER_KEY],
    jwt: jwtConfig(overrides.jwt),
    ...(overrides.now !== undefined ? { now: overrides.now } : {}),
  };
  return createAuthenticator(config);
}

interface TokenOptions {
  claims?: Record<string, unknown>;
  /** Seconds from now; `null` for no `exp` at all. Default: 10 minutes. */
  exp?: number | null;
  nbf?: number;
  issuer?: string;
  audience?: string;
}

function claimsOf(options: TokenOptions): SignJWT {
  const jwt = new SignJWT(options.claims ?? { [CLAIM]: CUSTOMER }).setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(now() + (options.exp ?? 600));
  if (options.nbf !== undefined) jwt.setNotBefore(now() + options.nbf);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt;
}

function hs256(options: TokenOptions = {}, secret: string | Uint8Array = SECRET): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return claimsOf(options).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

const bearer = (token: string) => `Bearer ${token}`;

describe('gateway API keys (role ADMIN)', () => {
  const authenticate = authenticator();

  it('accepts every configured key, exactly, with a stable non-secret key id', async () => {
    const first = await authenticate(bearer(KEY));
    const second = await authenticate(bearer(OTHER_KEY));
    expect(first).toMatchObject({ role: 'ADMIN' });
    expect(second).toMatchObject({ role: 'ADMIN' });
    if (first.role !== 'ADMIN' || second.role !== 'ADMIN') throw new Error('unreachable');
    expect(first.keyId).not.toBe(second.keyId);
    expect(first.keyId).toMatch(/^[0-9a-f]{12}$/);
    expect(KEY).not.toContain(first.keyId);
    expect(await authenticate(bearer(KEY))).toEqual(first);
  });

  it('accepts the scheme in any case and surrounding whitespace', async () => {
    expect(await authenticate(`bearer ${KEY}`)).toMatchObject({ role: 'ADMIN' });
    expect(await authenticate(`BEARER   ${KEY}  `)).toMatchObject({ role: 'ADMIN' });
  });

  it.each([
    ['a prefix of a key', KEY.slice(0, -1)],
    ['a key with a suffix', `${KEY}x`],
    ['a key with a prefix', `x${KEY}`],
    ['a key in another case', KEY.toUpperCase()],
    ['two keys glued together', `${KEY}${OTHER_KEY}`],
    ['a key list', `${KEY},${OTHER_KEY}`],
    ['an unknown key of the same length', KEY.replace(/.$/, 'X')],
  ])('refuses %s', async (_label, presented) => {
    expect(await authenticate(bearer(presented))).toEqual(INVALID);
  });

  it('knows no keys when none are configured', async () => {
    expect(await authenticator({ apiKeys: [] })(bearer(KEY))).toEqual(INVALID);
  });
});

describe('malformed Authorization headers are ANONYMOUS', () => {
  const authenticate = authenticator();

  // No Bearer credentials at all: RFC 6750 §3.1 — the client may not know authentication is needed; no error code.
  it.each([
    ['no header', null],
    ['an empty header', ''],
    ['Basic credentials', `Basic ${Buffer.from(`admin:${KEY}`).toString('base64')}`],
    ['Basic with the key itself', `Basic ${KEY}`],
    ['another scheme', `Token ${KEY}`],
    ['the key without a scheme', KEY],
    ['Bearer with no space (another scheme)', `Bearer${KEY}`],
  ])('%s: no credentials', async (_label, header) => {
    expect(await authenticate(header)).toEqual(NONE);
  });

  // Bearer credentials that are not one token: a malformed token is an invalid one (RFC 6750 §3.1).
  it.each([
    ['Bearer alone', 'Bearer'],
    ['Bearer and spaces', 'Bearer    '],
    ['two tokens', `Bearer ${KEY} ${OTHER_KEY}`],
    ['two Bearer values', `Bearer ${KEY}, Bearer ${OTHER_KEY}`],
  ])('%s: invalid', async (_label, header) => {
    expect(await authenticate(header)).toEqual(INVALID);
  });

  it('a valid customer token followed by a second token', async () => {
    const token = await hs256();
    expect(await authenticate(bearer(token))).toMatchObject({ role: 'CUSTOMER' });
    expect(await authenticate(`Bearer ${token} ${token}`)).toEqual(INVALID);
    expect(await authenticate(`Basic ${token}`)).toEqual(NONE);
  });
});

describe('HS256 customer tokens (AUTH_JWT_SECRET)', () => {
  const authenticate = authenticator();

  it('a valid token is the CUSTOMER named by the claim', async () => {
    expect(await authenticate(bearer(await hs256()))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
  });

  it('requires exp: a token that never expires is refused', async () => {
    expect(await authenticate(bearer(await hs256({ exp: null })))).toEqual(INVALID);
  });

  it('refuses an expired token, saying it expired', async () => {
    expect(await authenticate(bearer(await hs256({ exp: -120 })))).toEqual(EXPIRED);
  });

  it('says "expired" only of a token that is otherwise valid', async () => {
    // Another secret, another customer claim, another issuer: invalid, whether expired or not.
    expect(await authenticate(bearer(await hs256({ exp: -120 }, 'another-secret-0123456789abcdef0123456789')))).toEqual(INVALID);
    expect(await authenticate(bearer(await hs256({ exp: -120, claims: { [CLAIM]: 'acct_123' } })))).toEqual(INVALID);
    const strict = authenticator({ jwt: { issuer: 'https://id.example.com/' } });
    expect(await strict(bearer(await hs256({ exp: -120, issuer: 'https://evil.example.com/' })))).toEqual(INVALID);
    expect(await strict(bearer(await hs256({ exp: -120, issuer: 'https://id.example.com/' })))).toEqual(EXPIRED);
  });

  it('refuses a token that is not valid yet (nbf), and accepts it once nbf has passed', async () => {
    expect(await authenticate(bearer(await hs256({ nbf: 300 })))).toEqual(INVALID);
    expect(await authenticate(bearer(await hs256({ nbf: -5 })))).toMatchObject({ role: 'CUSTOMER' });
  });

  it('refuses a token signed with another secret', async () => {
    const token = await hs256({}, 'another-secret-0123456789abcdef0123456789');
    expect(await authenticate(bearer(token))).toEqual(INVALID);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await hs256()).split('.');
    const payload = base64url.encode(JSON.stringify({ [CLAIM]: 'cus_Someone0Else', exp: now() + 600 }));
    expect(await authenticate(bearer(`${header}.${payload}.${signature}`))).toEqual(INVALID);
  });

  it('refuses alg none (unsecured JWTs), with or without a signature part', async () => {
    const unsecured = new UnsecuredJWT({ [CLAIM]: CUSTOMER }).setIssuedAt().setExpirationTime('10m').encode();
    expect(unsecured.split('.')).toHaveLength(3);
    expect(await authenticate(bearer(unsecured))).toEqual(INVALID);

    // The same, with the signature of a real token appended, and with the header spelled `None`.
    const signature = (await hs256()).split('.')[2];
    expect(await authenticate(bearer(`${unsecured}${signature}`))).toEqual(INVALID);
    const header = base64url.encode(JSON.stringify({ alg: 'None', typ: 'JWT' }));
    const payload = unsecured.split('.')[1];
    expect(await authenticate(bearer(`${header}.${payload}.`))).toEqual(INVALID);
  });

  it('refuses HS384/HS512 tokens signed with the right secret (only HS256 is configured)', async () => {
    const key = new TextEncoder().encode(SECRET);
    for (const alg of ['HS384', 'HS512']) {
      const token = await claimsOf({}).setProtectedHeader({ alg }).sign(key);
      expect(await authenticate(bearer(token))).toEqual(INVALID);
    }
  });

  it('refuses a token without the claim, or with the customer id under another claim', async () => {
    expect(await authenticate(bearer(await hs256({ claims: {} })))).toEqual(INVALID);
    expect(await authenticate(bearer(await hs256({ claims: { sub: CUSTOMER } })))).toEqual(INVALID);
    expect(await authenticate(bearer(await hs256({ claims: { customer: CUSTOMER } })))).toEqual(INVALID);
  });

  it.each([
    ['another kind of Stripe id', 'acct_1234567890'],
    ['an invoice id', 'in_1234567890'],
    ['the bare prefix', 'cus_'],
    ['an id with a path in it', 'cus_123/../cus_456'],
    ['an id with a query string', 'cus_123?expand[]=x'],
    ['an id with a newline', 'cus_123\n'],
    ['an id with spaces', ' cus_123'],
    ['an empty string', ''],
    ['a number', 12345],
    ['a list', [CUSTOMER]],
    ['an object', { id: CUSTOMER }],
    ['null', null],
  ])('refuses a claim that is not a cus_ id: %s', async (_label, value) => {
    expect(await authenticate(bearer(await hs256({ claims: { [CLAIM]: value } })))).toEqual(INVALID);
  });

  it('reads the customer id from AUTH_CUSTOMER_CLAIM when configured', async () => {
    const custom = authenticator({ jwt: { customerClaim: 'https://example.com/stripe_customer' } });
    const token = await hs256({ claims: { 'https://example.com/stripe_customer': CUSTOMER } });
    expect(await custom(bearer(token))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    // The default claim no longer counts.
    expect(await custom(bearer(await hs256()))).toEqual(INVALID);
  });

  it('enforces issuer and audience when configured', async () => {
    const strict = authenticator({ jwt: { issuer: 'https://id.example.com/', audience: 'billing-gateway' } });
    const right = { issuer: 'https://id.example.com/', audience: 'billing-gateway' };
    expect(await strict(bearer(await hs256(right)))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    expect(await strict(bearer(await hs256({ ...right, audience: undefined })))).toEqual(INVALID);
    expect(await strict(bearer(await hs256({ ...right, issuer: undefined })))).toEqual(INVALID);
    expect(await strict(bearer(await hs256({ ...right, issuer: 'https://evil.example.com/' })))).toEqual(INVALID);
    expect(await strict(bearer(await hs256({ ...right, audience: 'another-api' })))).toEqual(INVALID);
    // Unconfigured, they are not checked.
    expect(await authenticate(bearer(await hs256({ issuer: 'anyone', audience: 'anything' })))).toMatchObject({ role: 'CUSTOMER' });
  });

  it('a token is never an admin key, and an admin key is not a token', async () => {
    const token = await hs256();
    const keyed = authenticator({ apiKeys: [token] });
    // A token that happens to be configured as a key is a key (exact match), never both.
    expect(await keyed(bearer(token))).toMatchObject({ role: 'ADMIN' });
    expect(await authenticator({ jwt: { secret: undefined } })(bearer(token))).toEqual(INVALID);
  });

  it.each([
    ['garbage', 'garbage'],
    ['three dots of garbage', 'a.b.c'],
    ['base64 garbage', `${base64url.encode('{')}.${base64url.encode('{')}.xx`],
    ['a JWE-shaped value', 'a.b.c.d.e'],
  ])('refuses %s without throwing', async (_label, token) => {
    expect(await authenticate(bearer(token))).toEqual(INVALID);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// JWKS: an identity provider's keys, fetched over real HTTP

interface Jwks {
  url: URL;
  /** How many times the key set was fetched. */
  fetches: number;
  close(): Promise<void>;
}

async function serveJwks(keys: JWK[]): Promise<Jwks> {
  const state = { fetches: 0 };
  const server: Server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    state.fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`),
    get fetches() {
      return state.fetches;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function publicJwk(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

describe('JWKS customer tokens (AUTH_JWKS_URL)', () => {
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let stranger: CryptoKeyPair;
  let jwks: Jwks;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    stranger = await generateKeyPair('RS256', { extractable: true });
    jwks = await serveJwks([await publicJwk(rsa.publicKey, 'rsa-1', 'RS256'), await publicJwk(ec.publicKey, 'ec-1', 'ES256')]);
  });

  afterAll(async () => {
    await jwks.close();
  });

  const sign = (alg: 'RS256' | 'ES256', key: CryptoKey, kid: string | undefined, options: TokenOptions = {}) =>
    claimsOf(options)
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid !== undefined ? { kid } : {}) })
      .sign(key);

  it('verifies RS256 and ES256 tokens against the served keys', async () => {
    const authenticate = authenticator({ jwt: { secret: undefined, jwksUrl: jwks.url } });
    const before = jwks.fetches;
    expect(await authenticate(bearer(await sign('RS256', rsa.privateKey, 'rsa-1')))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    expect(await authenticate(bearer(await sign('ES256', ec.privateKey, 'ec-1')))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    // The key set went over HTTP, once, and is cached for the next tokens.
    expect(jwks.fetches - before).toBe(1);
    expect(await authenticate(bearer(await sign('RS256', rsa.privateKey, 'rsa-1')))).toMatchObject({ role: 'CUSTOMER' });
    expect(jwks.fetches - before).toBe(1);
  });

  it('verifies a token without kid when one served key fits the algorithm', async () => {
    const authenticate = authenticator({ jwt: { secret: undefined, jwksUrl: jwks.url } });
    expect(await authenticate(bearer(await sign('ES256', ec.privateKey, undefined)))).toMatchObject({ role: 'CUSTOMER' });
  });

  it('refuses an unknown kid, a key the provider does not serve, and a kid of the wrong key', async () => {
    const authenticate = authenticator({ jwt: { secret: undefined, jwksUrl: jwks.url } });
    expect(await authenticate(bearer(await sign('RS256', stranger.privateKey, 'rsa-unknown')))).toEqual(INVALID);
    expect(await authenticate(bearer(await sign('RS256', stranger.privateKey, 'rsa-1')))).toEqual(INVALID);
    expect(await authenticate(bearer(await sign('RS256', stranger.privateKey, undefined)))).toEqual(INVALID);
  });

  it('applies the same claim rules: exp required, expiry, nbf, claim, issuer and audience', async () => {
    const authenticate = authenticator({
      jwt: { secret: undefined, jwksUrl: jwks.url, issuer: 'https://id.example.com/', audience: 'billing-gateway' },
    });
    const right = { issuer: 'https://id.example.com/', audience: 'billing-gateway' };
    const rs = (options: TokenOptions) => sign('RS256', rsa.privateKey, 'rsa-1', { ...right, ...options });
    expect(await authenticate(bearer(await rs({})))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    expect(await authenticate(bearer(await rs({ exp: null })))).toEqual(INVALID);
    expect(await authenticate(bearer(await rs({ exp: -120 })))).toEqual(EXPIRED);
    expect(await authenticate(bearer(await rs({ nbf: 300 })))).toEqual(INVALID);
    expect(await authenticate(bearer(await rs({ issuer: 'https://evil.example.com/' })))).toEqual(INVALID);
    expect(await authenticate(bearer(await rs({ audience: 'another-api' })))).toEqual(INVALID);
    expect(await authenticate(bearer(await rs({ claims: { [CLAIM]: 'acct_123' } })))).toEqual(INVALID);
  });

  it('refuses alg confusion: an HS256 token whose secret is the RS256 public key', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const jwk = JSON.stringify(await publicJwk(rsa.publicKey, 'rsa-1', 'RS256'));
    const jwksOnly = authenticator({ jwt: { secret: undefined, jwksUrl: jwks.url } });
    const both = authenticator({ jwt: { jwksUrl: jwks.url } });
    for (const secret of [pem, `${pem}\n`, jwk]) {
      const confused = await claimsOf({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })
        .sign(new TextEncoder().encode(secret));
      expect(await jwksOnly(bearer(confused))).toEqual(INVALID);
      expect(await both(bearer(confused))).toEqual(INVALID);
    }
  });

  it('refuses an RS256 token when only the HS256 secret is configured', async () => {
    expect(await authenticator()(bearer(await sign('RS256', rsa.privateKey, 'rsa-1')))).toEqual(INVALID);
  });

  it('with HS256 and JWKS configured together, both kinds of tokens work and neither key signs the other kind', async () => {
    const authenticate = authenticator({ jwt: { jwksUrl: jwks.url } });
    expect(await authenticate(bearer(await hs256()))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    expect(await authenticate(bearer(await sign('RS256', rsa.privateKey, 'rsa-1')))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    expect(await authenticate(bearer(await sign('ES256', ec.privateKey, 'ec-1')))).toEqual({ role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) });
    expect(await authenticate(bearer(await hs256({}, 'another-secret-0123456789abcdef0123456789')))).toEqual(INVALID);
    expect(await authenticate(bearer(await sign('RS256', stranger.privateKey, 'rsa-1')))).toEqual(INVALID);
    expect(await authenticate(bearer(KEY))).toMatchObject({ role: 'ADMIN' });
  });

  it('an unreachable JWKS endpoint makes its tokens ANONYMOUS as not checkable (not invalid), it does not throw', async () => {
    const down = await serveJwks([]);
    const url = down.url;
    await down.close();
    const authenticate = authenticator({ jwt: { jwksUrl: url } });
    expect(await authenticate(bearer(await sign('RS256', rsa.privateKey, 'rsa-1')))).toEqual({
      role: 'ANONYMOUS',
      rejected: { reason: 'keys_unavailable', retryAfterSeconds: DEFAULT_TOKEN_BOUNDS.jwksCooldownSeconds },
    });
    // HS256 tokens and keys still work while the provider is down.
    expect(await authenticate(bearer(await hs256()))).toMatchObject({ role: 'CUSTOMER' });
    expect(await authenticate(bearer(KEY))).toMatchObject({ role: 'ADMIN' });
  });
});
