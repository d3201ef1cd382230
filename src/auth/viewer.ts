/** Who is calling: decided once per request from its headers (never from GraphQL arguments). */

export type Viewer =
  | { role: 'ADMIN'; /** A stable, non-secret id of the API key used (for idempotency scoping, logs). */ keyId: string }
  | {
      role: 'CUSTOMER';
      customerId: string;
      /** The token's `exp` (unix seconds): a subscription stream of this caller ends then. */
      expiresAt?: number | undefined;
    }
  | {
      role: 'ANONYMOUS';
      /** Why the credentials presented were not accepted; absent when none were presented. */
      rejected?: Rejection;
    };

/**
 * Why presented credentials did not sign the caller in, so that the refusal can tell a client what to do (RFC 6750
 * §3.1): `expired_token` — a token that was valid and has expired (get a new one); `invalid_token` — anything else
 * about the credential (never which check failed: that would help a forger); `keys_unavailable` — a token signed
 * by the identity provider whose keys cannot be fetched right now, so it could not be checked at all (try again).
 */
export type Rejection =
  | { reason: 'invalid_token' }
  | { reason: 'expired_token' }
  | { reason: 'keys_unavailable'; retryAfterSeconds: number };

/** No credentials presented. */
export const ANONYMOUS: Viewer = { role: 'ANONYMOUS' };

export const rejected = (rejection: Rejection): Viewer => ({ role: 'ANONYMOUS', rejected: rejection });

/** May this viewer read or act for `customerId`? Admins may for anyone, customers only for themselves. */
export function canAccessCustomer(viewer: Viewer, customerId: string | null | undefined): boolean {
  if (viewer.role === 'ADMIN') return true;
  return viewer.role === 'CUSTOMER' && customerId !== null && customerId !== undefined && viewer.customerId === customerId;
}

/** A stable, non-secret name of a signed-in caller (`admin:<key id>`, `customer:<id>`); undefined when anonymous. */
export function callerId(viewer: Viewer): string | undefined {
  switch (viewer.role) {
    case 'ADMIN':
      return `admin:${viewer.keyId}`;
    case 'CUSTOMER':
      return `customer:${viewer.customerId}`;
    case 'ANONYMOUS':
      return undefined;
  }
}

/** The scope a caller's idempotency keys live in: two callers' equal keys never meet. */
export function idempotencyScope(viewer: Viewer): string {
  return callerId(viewer) ?? 'anonymous';
}
