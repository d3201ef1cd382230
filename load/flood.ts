/**
 * The hostile-variables flood of the `+flood` profiles: beside the mixed workload, a second autocannon instance on
 * connections of its own sends, as fast as the gateway answers, one request an attacker needs no credentials for —
 * a trusted document by id (`CreatePortalSession`, sent as `documentId` the way the workload sends documents) with
 * its `$input` stuffed with 11,000 unknown keys (~86 KB, under `MAX_BODY_BYTES`), and no `Authorization` header.
 *
 * A gateway that refuses an anonymous caller before it coerces variables answers a small 401 UNAUTHENTICATED at
 * once; one that coerces first spends a good part of a second of its only core per request and answers a 400 of
 * megabytes (a message per unknown key, each repeating the input). Either way every answer is recorded here: its
 * status, its size in bytes, its error codes and the Stripe calls it reports.
 */
import type autocannon from 'autocannon';
import { cannon, GRAPHQL_HEADERS } from './cannon.js';
import { errorCodes, parseAnswer, StripeCallTally, type AnsweredFigures, type StripeCallFigures } from './answers.js';
import type { HealthFigures } from './health.js';
import { documentIds } from './workload.js';

export const FLOOD_CONNECTIONS = 16;
export const FLOOD_UNKNOWN_KEYS = 11_000;
/** An answer at most this big is a cheap refusal (the anonymous 401 is ~150 B; a coerced 400 is ~4 MB). */
export const FLOOD_CHEAP_BYTES = 2_048;

/** The flood's request body: `CreatePortalSession` by id, `$input` holding only unknown keys. */
export function floodBody(maxBodyBytes: number): string {
  const documentId = documentIds().get('CreatePortalSession');
  const input: Record<string, number> = {};
  // Short keys (base 36: "0" … "8hz") so that 11,000 of them fit well under the body limit.
  for (let i = 0; i < FLOOD_UNKNOWN_KEYS; i++) input[i.toString(36)] = 1;
  const body = JSON.stringify({ documentId, operationName: 'CreatePortalSession', variables: { input } });
  if (Buffer.byteLength(body) >= maxBodyBytes) {
    throw new Error(`the flood's body is ${Buffer.byteLength(body)} bytes, not under MAX_BODY_BYTES ${maxBodyBytes}: it would measure the body limit`);
  }
  return body;
}

export class FloodRecorder {
  responses = 0;
  readonly statuses = new Map<number, number>();
  readonly errorsByCode = new Map<string, number>();
  serverErrors = 0;
  minBytes = Number.POSITIVE_INFINITY;
  maxBytes = 0;
  totalBytes = 0;
  readonly stripe = new StripeCallTally();

  record(status: number, body: string, headers: Record<string, string | string[]>): void {
    this.responses++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 500) this.serverErrors++;
    // The header says the bytes sent; the body string (decoded chunk by chunk) only when there is none.
    const declared = Number(headers['content-length']);
    const bytes = Number.isInteger(declared) && declared >= 0 ? declared : Buffer.byteLength(body);
    this.minBytes = Math.min(this.minBytes, bytes);
    this.maxBytes = Math.max(this.maxBytes, bytes);
    this.totalBytes += bytes;
    const answer = parseAnswer(body);
    this.stripe.note(answer, 'flood');
    for (const code of answer === undefined ? ['NOT_JSON'] : errorCodes(answer)) {
      this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    }
  }

  /** Every answer a 401 UNAUTHENTICATED of at most FLOOD_CHEAP_BYTES (and at least one answer). */
  refusedCheaply(): boolean {
    return (
      this.responses > 0 &&
      this.statuses.get(401) === this.responses &&
      [...this.errorsByCode.keys()].every((code) => code === 'UNAUTHENTICATED') &&
      this.maxBytes <= FLOOD_CHEAP_BYTES
    );
  }
}

/** The flood on its own connections for `seconds`, every answer recorded. */
export function flood(url: string, seconds: number, body: string, recorder: FloodRecorder): Promise<autocannon.Result> {
  return cannon(url, seconds, FLOOD_CONNECTIONS, {
    // No Authorization header: anyone can send this.
    headers: { ...GRAPHQL_HEADERS },
    body,
    onResponse: (status, responseBody, _context, headers) => recorder.record(status, responseBody, headers as Record<string, string | string[]>),
  });
}

export interface FloodFigures extends AnsweredFigures {
  connections: number;
  bodyBytes: number;
  unknownKeys: number;
  statuses: Record<string, number>;
  minResponseBytes: number;
  maxResponseBytes: number;
  meanResponseBytes: number;
  stripe: StripeCallFigures;
  /** Every answer a 401 UNAUTHENTICATED of at most FLOOD_CHEAP_BYTES. */
  cheapRefusal: boolean;
  /** The run's normal-traffic p99 and /health without the flood: its twin profile's in the same run (null: not run). */
  normalP99WithoutFloodMs: number | null;
  healthWithoutFlood: HealthFigures | null;
  /** From the end of the run until /health answered fast again (the flood's backlog worked off); null: not in 60 s. */
  recoveryMs: number | null;
}

export function floodFigures(
  result: autocannon.Result,
  recorder: FloodRecorder,
  body: string,
  extra: Pick<FloodFigures, 'normalP99WithoutFloodMs' | 'healthWithoutFlood' | 'recoveryMs'>,
): FloodFigures {
  const statuses = Object.fromEntries([...recorder.statuses].map(([status, n]) => [String(status), n]));
  const errorsByCode = Object.fromEntries([...recorder.errorsByCode].sort((a, b) => b[1] - a[1]));
  return {
    connections: FLOOD_CONNECTIONS,
    bodyBytes: Buffer.byteLength(body),
    unknownKeys: FLOOD_UNKNOWN_KEYS,
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    responses: recorder.responses,
    noResponse: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses,
    errorsByCode,
    serverErrors5xx: recorder.serverErrors,
    minResponseBytes: recorder.responses === 0 ? 0 : recorder.minBytes,
    maxResponseBytes: recorder.maxBytes,
    meanResponseBytes: recorder.responses === 0 ? 0 : Math.round(recorder.totalBytes / recorder.responses),
    stripe: recorder.stripe.figures(),
    cheapRefusal: recorder.refusedCheaply(),
    ...extra,
  };
}

/** The flood's answers in a few words: `401 ×5321 (UNAUTHENTICATED), 153 B`. */
export function describeFloodAnswers(figures: FloodFigures): string {
  if (figures.responses === 0) return 'no answer';
  const statuses = Object.entries(figures.statuses).map(([status, n]) => `${status} ×${n}`).join(', ');
  const codes = Object.keys(figures.errorsByCode).join(', ');
  const size =
    figures.minResponseBytes === figures.maxResponseBytes
      ? `${figures.maxResponseBytes.toLocaleString('en-US')} B`
      : `${figures.minResponseBytes.toLocaleString('en-US')}–${figures.maxResponseBytes.toLocaleString('en-US')} B`;
  return `${statuses}${codes !== '' ? ` (${codes})` : ''}, ${size}`;
}

/**
 * The flood's bounds: it is answered, never with a 5xx, no flood request makes a Stripe call, and it is refused
 * cheaply — every answer a 401 UNAUTHENTICATED of at most FLOOD_CHEAP_BYTES (the gateway refuses an anonymous
 * caller before it prices, bounds or coerces the variables: `src/http/authenticate-first.ts`).
 */
export function floodViolations(figures: FloodFigures): string[] {
  const violations: string[] = [];
  if (figures.responses === 0) violations.push('the flood got no answer at all');
  if (figures.serverErrors5xx > 0) violations.push(`${figures.serverErrors5xx} flood answers were HTTP 5xx`);
  if (figures.stripe.maxStripeCalls > 0) violations.push(`a flood request (anonymous, hostile variables) made ${figures.stripe.maxStripeCalls} Stripe calls`);
  if (figures.responses > 0 && !figures.cheapRefusal) {
    violations.push(
      `the flood was NOT refused cheaply: ${describeFloodAnswers(figures)} — a cheap refusal is a 401 UNAUTHENTICATED of at most ` +
        `${FLOOD_CHEAP_BYTES.toLocaleString('en-US')} B`,
    );
  }
  return violations;
}
