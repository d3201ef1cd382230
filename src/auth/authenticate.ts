/**
 * Reads the caller from `Authorization: Bearer …`: a gateway API key (role ADMIN) or a customer JWT (role
 * CUSTOMER) — HS256 verified with the secret, RS256/ES256 with the identity provider's JWKS, the verifier chosen by
 * the token's `alg` — with `exp` required, its lifetime and clock skew bounded, issuer and audience checked when
 * configured, and the Stripe customer id taken from the configured claim.
 *
 * Anything else is ANONYMOUS, carrying why when credentials were presented (`Rejection`): expired, invalid, or not
 * checkable because the provider's keys are unavailable. Which check an invalid token failed is never said (it
 * could help a forger).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { JwtConfig } from '../config.js';
import { createJwksKeys, KeysUnavailable } from './jwks.js';
import { ANONYMOUS, rejected, type Viewer } from './viewer.js';
import { stripeId } from '../stripe/ids.js';

export interface AuthConfig {
  apiKeys: readonly string[];
  jwt: JwtConfig;
  /** The clock tokens are checked against and the JWKS cool-down runs on (ms since the epoch); default `Date.now`. */
  now?: () => number;
}

export type Authenticate = (authorization: string | null) => Promise<Viewer>;

const digest = (value: string) => createHash('sha256').update(value).digest();

const CUSTOMER_ID = stripeId('cus');

const INVALID = rejected({ reason: 'invalid_token' });
const EXPIRED = rejected({ reason: 'expired_token' });

type Key = Uint8Array | JWTVerifyGetKey;

/**
 * The bounds jose does not check: an `exp` further ahead than a token may live, an `iat` in the future, a lifetime
 * (`exp - iat`) over the maximum. jose checks `exp` and `nbf`, both with the same skew. A token that lives for a
 * century is a credential that cannot be taken back; one issued in the future comes from a broken or forged issuer.
 */
function timesInBounds(claims: JWTPayload, nowSeconds: number, jwt: JwtConfig): boolean {
  const { exp, iat } = claims;
  const max = jwt.maxTokenLifetimeSeconds;
  const skew = jwt.clockSkewSeconds;
  if (typeof exp !== 'number' || exp - nowSeconds > max + skew) return false;
  if (typeof iat === 'number' && (iat > nowSeconds + skew || exp - iat > max)) return false;
  return true;
}

export function createAuthenticator(config: AuthConfig): Authenticate {
  const now = config.now ?? Date.now;
  const { jwt } = config;
  const keys = config.apiKeys.map((key) => ({ digest: digest(key), id: digest(key).toString('hex').slice(0, 12) }));
  const secret = jwt.secret !== undefined ? new TextEncoder().encode(jwt.secret) : undefined;
  const jwks =
    jwt.jwksUrl !== undefined
      ? createJwksKeys(jwt.jwksUrl, { timeoutMs: jwt.jwksTimeoutMs, cooldownSeconds: jwt.jwksCooldownSeconds, now })
      : undefined;
  // The verifier by the token's `alg`: an HS256 token never waits on the JWKS, a JWKS token never meets the secret
  // (and the public key can never be used as an HMAC secret: the alg-confusion attack).
  const verifiers = new Map<unknown, Key>();
  if (secret !== undefined) verifiers.set('HS256', secret);
  if (jwks !== undefined) for (const alg of ['RS256', 'ES256']) verifiers.set(alg, jwks);
  const options: JWTVerifyOptions = {
    requiredClaims: ['exp'],
    clockTolerance: jwt.clockSkewSeconds,
    ...(jwt.issuer !== undefined ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience !== undefined ? { audience: jwt.audience } : {}),
  };

  const customerOf = (claims: JWTPayload, nowSeconds: number): string | undefined => {
    const customerId = claims[jwt.customerClaim];
    return typeof customerId === 'string' && CUSTOMER_ID.test(customerId) && timesInBounds(claims, nowSeconds, jwt)
      ? customerId
      : undefined;
  };

  const verifyToken = async (token: string): Promise<Viewer> => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return INVALID;
    }
    const key = verifiers.get(alg);
    if (alg === undefined || key === undefined) return INVALID;
    const at = now();
    const nowSeconds = Math.floor(at / 1000);
    const checks: JWTVerifyOptions = { ...options, algorithms: [alg], currentDate: new Date(at) };
    try {
      const { payload } = typeof key === 'function' ? await jwtVerify(token, key, checks) : await jwtVerify(token, key, checks);
      const customerId = customerOf(payload, nowSeconds);
      return customerId !== undefined ? { role: 'CUSTOMER', customerId, expiresAt: payload.exp } : INVALID;
    } catch (error) {
      if (error instanceof KeysUnavailable) {
        return rejected({ reason: 'keys_unavailable', retryAfterSeconds: error.retryAfterSeconds });
      }
      // jose checks `exp` after the signature, issuer, audience and `nbf`: an expired token that would otherwise
      // be accepted is worth telling apart (its holder only needs a fresh one).
      if (error instanceof errors.JWTExpired && error.claim === 'exp' && customerOf(error.payload, nowSeconds) !== undefined) {
        return EXPIRED;
      }
      return INVALID;
    }
  };

  return async (authorization) => {
    // No Bearer credentials at all (no header, another scheme): the caller is simply not signed in.
    if (authorization === null || !/^Bearer(\s|$)/i.test(authorization)) return ANONYMOUS;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (token === undefined) return INVALID;
    // API keys first, compared in constant time over their digests.
    const presented = digest(token);
    const key = keys.find((k) => timingSafeEqual(k.digest, presented));
    if (key !== undefined) return { role: 'ADMIN', keyId: key.id };
    if (token.split('.').length !== 3) return INVALID;
    return verifyToken(token);
  };
}
