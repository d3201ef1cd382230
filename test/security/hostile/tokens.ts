/**
 * Hostile token times: correctly signed customer tokens (the gateway's own secret) whose `exp` or `iat` break the
 * bounds — a credential that would outlive any revocation, or one from an issuer whose clock (or forger) is off.
 * Each is refused as UNAUTHENTICATED before any Stripe call, with the default bounds (lifetime 24 h, skew 60 s).
 */
import { SignJWT } from 'jose';
import { DEMO } from '../../../src/local-stripe/index.js';
import { JWT_SECRET } from '../../support/gateway.js';
import { type Entry, unauthenticated } from './corpus.js';

const NOW = Math.floor(Date.now() / 1000);
const DAY = 86_400;
const YEAR = 365 * DAY;

/** `Authorization` for a token signed with the gateway's secret, with exactly these times. */
async function signedAt(times: { iat?: number; exp: number }): Promise<{ authorization: string }> {
  const token = await new SignJWT({ stripe_customer_id: DEMO.customer, ...times })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(JWT_SECRET));
  return { authorization: `Bearer ${token}` };
}

const VIEWER = '{ viewer { customer { name email invoices(first: 5) { edges { node { id } } } } } }';

export const TOKEN_ENTRIES: Entry[] = [
  {
    name: 'a correctly signed token that expires in 100 years',
    as: await signedAt({ iat: NOW, exp: NOW + 100 * YEAR }),
    query: VIEWER,
    expect: unauthenticated,
  },
  {
    name: 'a correctly signed token without iat that expires in 100 years',
    as: await signedAt({ exp: NOW + 100 * YEAR }),
    query: VIEWER,
    expect: unauthenticated,
  },
  {
    name: 'a correctly signed token issued 10 years in the future',
    as: await signedAt({ iat: NOW + 10 * YEAR, exp: NOW + 10 * YEAR + 600 }),
    query: VIEWER,
    expect: unauthenticated,
  },
  {
    name: 'a correctly signed token whose lifetime (exp - iat) is over the maximum, though it expires in 10 minutes',
    as: await signedAt({ iat: NOW - 7 * DAY, exp: NOW + 600 }),
    query: VIEWER,
    expect: unauthenticated,
  },
];
