/**
 * What the load run reads in every gateway answer, whoever sent the request: the GraphQL response shape, its
 * error codes, and `extensions.stripe = { estimatedCalls, calls, retries, budget }` — what the request cost in
 * Stripe calls (`src/http/stripe-budget.ts`), tallied to the most any single request made.
 */

export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message?: string; extensions?: { code?: unknown } }>;
  extensions?: { stripe?: unknown };
}

/** The body as a GraphQL response (`data` or `errors`), or `undefined` when it is not one. */
export function parseAnswer(body: string): GraphQLBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const answer = parsed as GraphQLBody;
  return 'data' in answer || Array.isArray(answer.errors) ? answer : undefined;
}

/** Each error's `extensions.code` (`NO_CODE` when absent). */
export function errorCodes(answer: GraphQLBody): string[] {
  return (answer.errors ?? []).map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'NO_CODE'));
}

/** What one autocannon instance's answers come to (the workload's, the flood's). */
export interface AnsweredFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  responses: number;
  /** Requests without an answer: autocannon's socket errors and timeouts. */
  noResponse: number;
  /** GraphQL errors by `extensions.code` (`NO_CODE` when absent; `NOT_JSON` for a body that is not a GraphQL response). */
  errorsByCode: Record<string, number>;
  serverErrors5xx: number;
}

export interface StripeReport {
  estimatedCalls: number;
  calls: number;
  retries: number;
  budget: number;
}

function stripeReportOf(answer: GraphQLBody | undefined): StripeReport | undefined {
  const report = answer?.extensions?.stripe as Partial<Record<keyof StripeReport, unknown>> | undefined;
  if (report === null || typeof report !== 'object') return undefined;
  const { estimatedCalls, calls, retries, budget } = report;
  const counts = [estimatedCalls, calls, retries, budget];
  return counts.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)
    ? { estimatedCalls, calls, retries, budget } as StripeReport
    : undefined;
}

/** The Stripe calls the answers reported: the most by any single request (and which), and the answers that broke a promise. */
export class StripeCallTally {
  answers = 0;
  /** Answers with no well-formed `extensions.stripe` (every answer carries one: CONTRACT.md). */
  withoutReport = 0;
  totalCalls = 0;
  maxCalls = 0;
  maxCallsBy: string | undefined;
  maxEstimatedCalls = 0;
  maxEstimatedBy: string | undefined;
  maxRetries = 0;
  /** Answers whose calls, retries aside, passed the up-front estimate (the estimate is an upper bound). */
  overEstimate = 0;
  /** Answers reporting more calls than the budget (the budget is enforced during execution: a call over it is never made). */
  overBudget = 0;
  budget: number | undefined;

  /** Tallies one answer's report; `label` says what sent it (shown for the maxima). */
  note(answer: GraphQLBody | undefined, label: string): void {
    this.answers++;
    const report = stripeReportOf(answer);
    if (report === undefined) {
      this.withoutReport++;
      return;
    }
    this.budget = report.budget;
    this.totalCalls += report.calls;
    if (this.maxCallsBy === undefined || report.calls > this.maxCalls) {
      this.maxCalls = report.calls;
      this.maxCallsBy = label;
    }
    if (this.maxEstimatedBy === undefined || report.estimatedCalls > this.maxEstimatedCalls) {
      this.maxEstimatedCalls = report.estimatedCalls;
      this.maxEstimatedBy = label;
    }
    this.maxRetries = Math.max(this.maxRetries, report.retries);
    if (report.calls - report.retries > report.estimatedCalls) this.overEstimate++;
    if (report.calls > report.budget) this.overBudget++;
  }

  figures() {
    return {
      maxStripeCalls: this.maxCalls,
      maxStripeCallsBy: this.maxCallsBy ?? null,
      maxEstimatedStripeCalls: this.maxEstimatedCalls,
      maxEstimatedStripeCallsBy: this.maxEstimatedBy ?? null,
      maxStripeRetries: this.maxRetries,
      meanStripeCallsPerAnswer: this.answers === 0 ? 0 : Math.round((this.totalCalls / this.answers) * 100) / 100,
      stripeBudget: this.budget ?? null,
      answersWithoutStripeReport: this.withoutReport,
      answersOverEstimate: this.overEstimate,
      answersOverBudget: this.overBudget,
    };
  }

  /** The promises broken, one line each. */
  violations(): string[] {
    return [
      ...(this.withoutReport > 0 ? [`${this.withoutReport} answers carried no extensions.stripe`] : []),
      ...(this.overEstimate > 0 ? [`${this.overEstimate} answers made more Stripe calls (retries aside) than their estimate`] : []),
      ...(this.overBudget > 0 ? [`${this.overBudget} answers made more Stripe calls than the budget (${this.budget})`] : []),
    ];
  }
}

export type StripeCallFigures = ReturnType<StripeCallTally['figures']>;
