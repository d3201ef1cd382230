/** Who is calling: decided once per request from its headers (never from GraphQL arguments). */

export type Viewer =
  | { role: 'ADMIN'; /** A stable, non-secret id of the API key used (for idempotency scoping, logs). */ keyId: string }
  | { role: 'CUSTOMER'; customerId: string }
  | { role: 'ANONYMOUS' };

export const ANONYMOUS: Viewer = { role: 'ANONYMOUS' };

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
