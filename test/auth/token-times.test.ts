/**
 * Token lifetime and clock skew (`AUTH_MAX_TOKEN_LIFETIME_SECONDS`, default 86400; `AUTH_CLOCK_SKEW_SECONDS`,
 * default 60): a correctly signed customer token is refused when its `exp` is further ahead than a token may live,
 * its `iat` is in the future, or its lifetime `exp - iat` is over the maximum; `exp` and `nbf` are honoured with the
 * skew. The authenticator runs on a clock of the test's own, so every boundary is exact.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signDemoCustomerToken } from '../../src/app.js';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { DEFAULT_TOKEN_BOUNDS, type JwtConfig } from '../../src/config.js';

const SECRET = 'hs256-secret-0123456789abcdef0123456789';
const CUSTOMER = 'cus_Ada0123456789';
const CLAIM = 'stripe_customer_id';
/** The authenticator's "now", in seconds. */
const NOW = 1_750_000_000;
const DAY = 86_400;
const YEAR = 365 * DAY;
const { maxTokenLifetimeSeconds: MAX, clockSkewSeconds: SKEW } = DEFAULT_TOKEN_BOUNDS;

const CUSTOMER_VIEWER = { role: 'CUSTOMER', customerId: CUSTOMER, expiresAt: expect.any(Number) };
const INVALID = { role: 'ANONYMOUS', rejected: { reason: 'invalid_token' } };
const EXPIRED = { role: 'ANONYMOUS', rejected: { reason: 'expired_token' } };

function jwt(overrides: Partial<JwtConfig> = {}): JwtConfig {
  return { secret: SECRET, jwksUrl: undefined, issuer: undefined, audience: undefined, customerClaim: CLAIM, ...DEFAULT_TOKEN_BOUNDS, ...overrides };
}

function authenticator(overrides: Partial<JwtConfig> = {}, nowSeconds = NOW) {
  return createAuthenticator({ apiKeys: [], jwt: jwt(overrides), now: () => nowSeconds * 1000 });
}

/** The header for a correctly signed token with exactly these times (seconds; omitted: absent). */
async function token(times: { iat?: number; exp?: number; nbf?: number }): Promise<string> {
  const signed = await new SignJWT({ [CLAIM]: CUSTOMER, ...times })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(SECRET));
  return `Bearer ${signed}`;
}

describe('the longest a token may live (default 24 h)', () => {
  const authenticate = authenticator();

  it.each([
    ['expires in 100 years', { iat: NOW, exp: NOW + 100 * YEAR }],
    ['expires in 100 years, without iat', { exp: NOW + 100 * YEAR }],
    ['expires a moment past the lifetime and the skew', { exp: NOW + MAX + SKEW + 1 }],
    ['lived longer than the maximum (exp - iat), though it expires soon', { iat: NOW - 2 * DAY, exp: NOW + 600 }],
    ['has a lifetime one second over the maximum', { iat: NOW - 10, exp: NOW - 10 + MAX + 1 }],
  ])('refuses a token that %s', async (_label, times) => {
    expect(await authenticate(await token(times))).toEqual(INVALID);
  });

  it.each([
    ['lives exactly the maximum', { iat: NOW, exp: NOW + MAX }],
    ['has no iat and expires within the lifetime and the skew', { exp: NOW + MAX + SKEW }],
    ['was issued a while ago and lives the maximum', { iat: NOW - MAX + 60, exp: NOW + 60 }],
  ])('accepts a token that %s', async (_label, times) => {
    expect(await authenticate(await token(times))).toEqual(CUSTOMER_VIEWER);
  });

  it('accepts the 24-hour demo token with the defaults', async () => {
    const demo = await signDemoCustomerToken(jwt(), SECRET, CUSTOMER);
    expect(await createAuthenticator({ apiKeys: [], jwt: jwt() })(`Bearer ${demo}`)).toEqual(CUSTOMER_VIEWER);
  });

  it('is AUTH_MAX_TOKEN_LIFETIME_SECONDS', async () => {
    const hour = authenticator({ maxTokenLifetimeSeconds: 3_600 });
    expect(await hour(await token({ iat: NOW, exp: NOW + 3_600 }))).toEqual(CUSTOMER_VIEWER);
    expect(await hour(await token({ iat: NOW, exp: NOW + 3_601 }))).toEqual(INVALID);
    expect(await hour(await token({ exp: NOW + 3_600 + SKEW + 1 }))).toEqual(INVALID);
  });
});

describe('clock skew (default 60 s)', () => {
  const authenticate = authenticator();

  it('refuses a token issued in the future beyond the skew, e.g. 10 years ahead', async () => {
    expect(await authenticate(await token({ iat: NOW + 10 * YEAR, exp: NOW + 10 * YEAR + 600 }))).toEqual(INVALID);
    expect(await authenticate(await token({ iat: NOW + SKEW + 1, exp: NOW + 600 }))).toEqual(INVALID);
  });

  it('accepts a token issued up to the skew ahead of our clock', async () => {
    expect(await authenticate(await token({ iat: NOW + SKEW, exp: NOW + 600 }))).toEqual(CUSTOMER_VIEWER);
  });

  it('honours nbf with the skew', async () => {
    expect(await authenticate(await token({ iat: NOW, nbf: NOW + SKEW, exp: NOW + 600 }))).toEqual(CUSTOMER_VIEWER);
    expect(await authenticate(await token({ iat: NOW, nbf: NOW + SKEW + 1, exp: NOW + 600 }))).toEqual(INVALID);
  });

  it('accepts a token up to the skew past its exp, and says "expired" after', async () => {
    expect(await authenticate(await token({ iat: NOW - 600, exp: NOW - SKEW + 1 }))).toEqual(CUSTOMER_VIEWER);
    expect(await authenticate(await token({ iat: NOW - 600, exp: NOW - SKEW }))).toEqual(EXPIRED);
  });

  it('an expired token that also broke a bound is invalid, not merely expired', async () => {
    expect(await authenticate(await token({ iat: NOW - 3 * DAY, exp: NOW - 600 }))).toEqual(INVALID);
  });

  it('is AUTH_CLOCK_SKEW_SECONDS', async () => {
    const exact = authenticator({ clockSkewSeconds: 0 });
    expect(await exact(await token({ iat: NOW + 1, exp: NOW + 600 }))).toEqual(INVALID);
    expect(await exact(await token({ iat: NOW, nbf: NOW + 1, exp: NOW + 600 }))).toEqual(INVALID);
    expect(await exact(await token({ iat: NOW - 600, exp: NOW }))).toEqual(EXPIRED);
    expect(await exact(await token({ iat: NOW, exp: NOW + MAX + 1 }))).toEqual(INVALID);
    const loose = authenticator({ clockSkewSeconds: 300 });
    expect(await loose(await token({ iat: NOW + 300, nbf: NOW + 300, exp: NOW + 600 }))).toEqual(CUSTOMER_VIEWER);
  });
});
