/**
 * Fault injection: what real Stripe does on a bad day, on demand. Latency (fixed plus jitter), 429 rate limits
 * (with or without `Stripe-Should-Retry` / `Retry-After`), 500/502/503, connection resets and hangs — for every
 * request or only some paths and methods, with a probability or for the first N matching requests.
 *
 * Injected errors happen "in front of" the API: they are never stored under an idempotency key, so a client
 * that retries with the same key gets through once the fault passes, as it would in production.
 */
import { seededRandom, type RandomSource } from './ids.js';

export type FaultKind = 'rate_limit' | 'server_error' | 'reset' | 'hang';

export interface FaultRule {
  kind: FaultKind;
  /** HTTP status for `server_error` (default 500). */
  status?: 500 | 502 | 503 | 504;
  /** Sent as `Stripe-Should-Retry` when set. */
  shouldRetry?: boolean;
  /** Sent as `Retry-After` (seconds) when set, on `rate_limit`. */
  retryAfterSeconds?: number;
  /** Chance that a matching request is hit, 0–1 (default 1). */
  probability?: number;
  /** Hit only the first `count` matching requests (after the probability draw), then stop. */
  count?: number;
  /** Path prefix (`/v1/invoices`) or a regular expression over the path. Default: every `/v1` path. */
  path?: string | RegExp;
  /** HTTP method to match (default: any). */
  method?: string;
}

export interface FaultOptions {
  /** Added to every `/v1` response, in milliseconds. */
  latencyMs?: number;
  /** Up to this many milliseconds more, uniformly random. */
  jitterMs?: number;
  rules?: FaultRule[];
  /** Seed for the probability draws and jitter, so a faulty run can be replayed exactly. */
  seed?: number;
}

export interface FaultDecision {
  delayMs: number;
  rule: FaultRule | undefined;
}

export class Faults {
  private options: FaultOptions = {};
  private hits: number[] = [];
  private random: RandomSource = seededRandom(1);

  constructor(options?: FaultOptions) {
    this.set(options);
  }

  set(options: FaultOptions | undefined): void {
    this.options = options ?? {};
    this.hits = (this.options.rules ?? []).map(() => 0);
    this.random = seededRandom(this.options.seed ?? 1);
  }

  get current(): FaultOptions {
    return this.options;
  }

  decide(method: string, path: string): FaultDecision {
    const { latencyMs = 0, jitterMs = 0, rules = [] } = this.options;
    const delayMs = latencyMs + (jitterMs > 0 ? this.random() * jitterMs : 0);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as FaultRule;
      if (!matches(rule, method, path)) continue;
      if (rule.count !== undefined && (this.hits[i] ?? 0) >= rule.count) continue;
      if ((rule.probability ?? 1) < 1 && this.random() >= (rule.probability ?? 1)) continue;
      this.hits[i] = (this.hits[i] ?? 0) + 1;
      return { delayMs, rule };
    }
    return { delayMs, rule: undefined };
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.startsWith(rule.path) : rule.path.test(path);
}

/**
 * The command-line form: `KIND[:PROBABILITY][:PATH_PREFIX]`, e.g. `rate_limit:0.1`, `server_error:0.05:/v1/invoices`,
 * `503:0.1`, `reset:0.01`, `hang:0.01`, `rate_limit_retry:0.1` (with `Stripe-Should-Retry: true`).
 */
export function parseFaultRule(text: string): FaultRule {
  const [kindText = '', probabilityText, path] = text.split(':');
  const rule: FaultRule = (() => {
    switch (kindText) {
      case 'rate_limit':
      case '429':
        return { kind: 'rate_limit' } as FaultRule;
      case 'rate_limit_retry':
        return { kind: 'rate_limit', shouldRetry: true } as FaultRule;
      case 'server_error':
      case '500':
        return { kind: 'server_error', status: 500 } as FaultRule;
      case '502':
      case '503':
      case '504':
        return { kind: 'server_error', status: Number(kindText) as 502 | 503 | 504 } as FaultRule;
      case 'reset':
        return { kind: 'reset' } as FaultRule;
      case 'hang':
        return { kind: 'hang' } as FaultRule;
      default:
        throw new Error(`unknown fault kind '${kindText}' (rate_limit, rate_limit_retry, server_error, 500, 502, 503, 504, reset, hang)`);
    }
  })();
  if (probabilityText !== undefined && probabilityText !== '') {
    const p = Number(probabilityText);
    if (!(p >= 0 && p <= 1)) throw new Error(`fault probability must be between 0 and 1, got '${probabilityText}'`);
    rule.probability = p;
  }
  if (path !== undefined && path !== '') rule.path = path;
  return rule;
}
