/**
 * The signed-in session: the customer token the demo sign-in minted, kept in `sessionStorage` — this tab only,
 * gone when the tab closes — so that the page is still signed in when the billing portal's "return" link
 * brings the customer back.
 */

export interface SessionCustomer {
  id: string;
  name: string;
  email: string | null;
}

export interface Session {
  token: string;
  /** ISO-8601; the token is useless after it. */
  expiresAt: string | null;
  customer: SessionCustomer;
}

const KEY = 'billing-gateway:demo-session';

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const customer = v['customer'] as Record<string, unknown> | null | undefined;
  return (
    typeof v['token'] === 'string' &&
    (v['expiresAt'] === null || typeof v['expiresAt'] === 'string') &&
    typeof customer === 'object' &&
    customer !== null &&
    typeof customer['id'] === 'string' &&
    typeof customer['name'] === 'string'
  );
}

/** The stored session, unless there is none, it is unreadable, or its token has expired. */
export function loadSession(): Session | undefined {
  let raw: string | null;
  try {
    raw = sessionStorage.getItem(KEY);
  } catch {
    return undefined;
  }
  if (raw === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isSession(parsed)) throw new Error('not a session');
    if (parsed.expiresAt !== null && Date.parse(parsed.expiresAt) <= Date.now()) throw new Error('expired');
    return parsed;
  } catch {
    clearSession();
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage unavailable: nothing was stored either
  }
}
