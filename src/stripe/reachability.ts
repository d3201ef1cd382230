/**
 * Whether Stripe is reachable, as last seen — one of the facts `/ready` answers with (`src/http/health.ts`).
 *
 * A tap on every HTTP request the SDK sends (`./budget-http.ts`) records what became of it: any HTTP response, a 4xx
 * or a 5xx too, proves Stripe reachable; no response (refused, reset, no DNS, TLS failure, timeout) marks it
 * unreachable, with when and why in words built from the error's code alone (never its message, never a header:
 * no key can get in). The latest request to start wins, so that a slow answer to an old request does not hide a
 * newer failure, nor an old hang's timeout a newer answer.
 *
 * A replica that gets no traffic would never see Stripe come back, and a failure may be the caller's own (a request
 * whose deadline ran out in flight): so while it is marked unreachable, `check()` asks Stripe itself, at most once
 * every few seconds — an unauthenticated `GET /v1/`, which needs no permission and costs the account nothing (Stripe
 * answers 401 before it knows any account) — and its outcome counts like any other.
 */
import type { StripeHttpOutcome, StripeHttpRequest, StripeHttpTap } from './budget-http.js';

/** What `/ready` and `/health` say of Stripe. */
export interface StripeReachabilityState {
  reachable: boolean;
  /** When Stripe last answered (any HTTP status), ISO 8601; null until it has. */
  lastSeenAt: string | null;
  /** The HTTP status of that answer. */
  lastStatus?: number;
  /** While unreachable: since when (the first request in a row that got no answer). */
  unreachableSince?: string;
  /** While unreachable: why, in words (`connection refused by api.stripe.com:443`). */
  error?: string;
  /** When the gateway last asked Stripe itself because it was marked unreachable. */
  lastProbeAt?: string;
}

export interface StripeReachabilityOptions {
  /** The API's origin the SDK talks to (`https://api.stripe.com`, `STRIPE_API_BASE`, the embedded local Stripe). */
  base: string;
  /** At most one probe this often. Default 3 s. */
  probeEveryMs?: number;
  /** A probe with no answer after this counts as unreachable. Default 3 s. */
  probeTimeoutMs?: number;
}

const DEFAULT_PROBE_EVERY_MS = 3_000;
const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

function codeOf(error: unknown): string | undefined {
  // fetch wraps the socket's error in `cause`; a timeout signal throws a DOMException named TimeoutError.
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return 'ETIMEDOUT';
  }
  return undefined;
}

/** Why a request got no answer, from its error's code only (an error's message may quote anything). */
export function unreachableReason(error: unknown, host: string, port: number): string {
  const where = `${host}:${port}`;
  const code = codeOf(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${where}`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return `connection reset by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${host}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return `no route to ${where}`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `no answer from ${where} in time`;
    case undefined:
      return `no answer from ${where}`;
    default:
      // Node's and OpenSSL's codes are fixed words (ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED…), safe to show.
      return /^[A-Z][A-Z0-9_]{1,60}$/.test(code) ? `no answer from ${where} (${code})` : `no answer from ${where}`;
  }
}

export class StripeReachability implements StripeHttpTap {
  private readonly probeUrl: URL;
  private readonly probeEveryMs: number;
  private readonly probeTimeoutMs: number;
  /** Requests are numbered as they start; the outcome of a later one always wins. */
  private started = 0;
  private latest = 0;
  private reachable = true;
  private lastSeenAt: number | undefined;
  private lastStatus: number | undefined;
  private unreachableSince: number | undefined;
  private error: string | undefined;
  private lastProbeAt: number | undefined;
  private probing: Promise<void> | undefined;
  /** Probes sent so far (tests, and whoever wants to see that probes stay rare). */
  probes = 0;

  constructor(options: StripeReachabilityOptions) {
    this.probeUrl = new URL('/v1/', options.base);
    this.probeEveryMs = options.probeEveryMs ?? DEFAULT_PROBE_EVERY_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  }

  sent(request: StripeHttpRequest): (outcome: StripeHttpOutcome) => void {
    const order = ++this.started;
    return (outcome) => this.record(order, outcome.status, outcome.error, request.host, request.port);
  }

  state(): StripeReachabilityState {
    const iso = (ms: number | undefined) => (ms !== undefined ? new Date(ms).toISOString() : undefined);
    return {
      reachable: this.reachable,
      lastSeenAt: iso(this.lastSeenAt) ?? null,
      ...(this.lastStatus !== undefined ? { lastStatus: this.lastStatus } : {}),
      ...(!this.reachable ? { unreachableSince: iso(this.unreachableSince), error: this.error } : {}),
      ...(this.lastProbeAt !== undefined ? { lastProbeAt: iso(this.lastProbeAt) } : {}),
    };
  }

  /**
   * The state, after asking Stripe itself when it is marked unreachable and the last probe is older than
   * `probeEveryMs`; waits for that probe at most `waitMs` (a readiness probe has a timeout of its own), and the
   * probe's outcome, if later, is there for the next check.
   */
  async check(waitMs: number): Promise<StripeReachabilityState> {
    if (!this.reachable && this.probing === undefined && (this.lastProbeAt === undefined || Date.now() - this.lastProbeAt >= this.probeEveryMs)) {
      this.probing = this.probe().finally(() => (this.probing = undefined));
    }
    if (this.probing !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.probing, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
    return this.state();
  }

  private async probe(): Promise<void> {
    const order = ++this.started;
    this.lastProbeAt = Date.now();
    this.probes++;
    const port = Number(this.probeUrl.port || (this.probeUrl.protocol === 'https:' ? 443 : 80));
    const host = this.probeUrl.hostname.replace(/^\[(.*)\]$/, '$1');
    try {
      // No Authorization header at all: the probe must never carry the key. `redirect: manual`: any answer is one.
      const response = await fetch(this.probeUrl, { redirect: 'manual', signal: AbortSignal.timeout(this.probeTimeoutMs) });
      await response.body?.cancel();
      this.record(order, response.status, undefined, host, port);
    } catch (error) {
      this.record(order, undefined, error, host, port);
    }
  }

  private record(order: number, status: number | undefined, error: unknown, host: string, port: number): void {
    if (order < this.latest) return;
    this.latest = order;
    if (status !== undefined) {
      this.reachable = true;
      this.lastSeenAt = Date.now();
      this.lastStatus = status;
      this.unreachableSince = undefined;
      this.error = undefined;
      return;
    }
    if (this.reachable) this.unreachableSince = Date.now();
    this.reachable = false;
    this.error = unreachableReason(error, host, port);
  }
}
