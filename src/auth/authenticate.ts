/**
 * Reads the caller from `Authorization: Bearer …`: a gateway API key (role ADMIN) or a customer JWT (role
 * CUSTOMER) verified with the HS256 secret or the identity provider's JWKS (RS256/ES256), `exp` required,
 * issuer and audience checked when configured, the Stripe customer id taken from the configured claim.
 * Anything else is ANONYMOUS; the reason is never echoed to the caller (it could help an attacker).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { JwtConfig } from '../config.js';
import { ANONYMOUS, type Viewer } from './viewer.js';
import { stripeId } from '../stripe/ids.js';

export interface AuthConfig {
  apiKeys: readonly string[];
  jwt: JwtConfig;
}

export type Authenticate = (authorization: string | null) => Promise<Viewer>;

const digest = (value: string) => createHash('sha256').update(value).digest();

const CUSTOMER_ID = stripeId('cus');

export function createAuthenticator(config: AuthConfig): Authenticate {
  const keys = config.apiKeys.map((key) => ({ digest: digest(key), id: digest(key).toString('hex').slice(0, 12) }));
  const secret = config.jwt.secret !== undefined ? new TextEncoder().encode(config.jwt.secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = config.jwt.jwksUrl !== undefined ? createRemoteJWKSet(config.jwt.jwksUrl) : undefined;
  const options: JWTVerifyOptions = {
    requiredClaims: ['exp'],
    ...(config.jwt.issuer !== undefined ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience !== undefined ? { audience: config.jwt.audience } : {}),
  };

  const verify = async (token: string): Promise<Record<string, unknown> | undefined> => {
    if (secret !== undefined) {
      const result = await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] }).catch(() => undefined);
      if (result !== undefined) return result.payload;
    }
    if (jwks !== undefined) {
      const result = await jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256'] }).catch(() => undefined);
      if (result !== undefined) return result.payload;
    }
    return undefined;
  };

  return async (authorization) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return ANONYMOUS;
    // API keys first, compared in constant time over their digests.
    const presented = digest(token);
    const key = keys.find((k) => timingSafeEqual(k.digest, presented));
    if (key !== undefined) return { role: 'ADMIN', keyId: key.id };
    if (token.split('.').length !== 3) return ANONYMOUS;
    const claims = await verify(token);
    const customerId = claims?.[config.jwt.customerClaim];
    if (typeof customerId !== 'string' || !CUSTOMER_ID.test(customerId)) return ANONYMOUS;
    return { role: 'CUSTOMER', customerId };
  };
}
