/**
 * The `/health` prober: one request at a time, one every 100 ms (or right after the last answer, when that took
 * longer), on a keep-alive connection of its own, for as long as a run lasts. `/health` does no work, so its latency
 * is the gateway's event-loop delay as a caller sees it: what a flood of expensive requests does to everyone else.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export const HEALTH_INTERVAL_MS = 100;
/** A probe still unanswered after this long counts as failed (and the next one starts). */
const PROBE_TIMEOUT_MS = 30_000;

export interface HealthFigures {
  probes: number;
  /** Probes answered with something other than 200, or not at all. */
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** One GET of `url` on `agent`: its latency in ms (to the end of the body), and whether it answered 200. */
function probe(url: URL, agent: Agent): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean) => resolve({ ms: performance.now() - started, ok });
    const req = request(url, { agent, method: 'GET', timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false));
    req.end();
  });
}

export class HealthProbe {
  private readonly url: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly latencies: number[] = [];
  private failures = 0;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(gatewayUrl: string) {
    this.url = new URL('/health', gatewayUrl);
  }

  start(): void {
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const due = performance.now() + HEALTH_INTERVAL_MS;
      const { ms, ok } = await probe(this.url, this.agent);
      if (ok) this.latencies.push(ms);
      else this.failures++;
      const wait = due - performance.now();
      if (wait > 0 && !this.stopping) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Stops after the probe in flight (if any) and returns the figures. */
  async stop(): Promise<HealthFigures> {
    this.stopping = true;
    await this.running;
    this.agent.destroy();
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      probes: sorted.length + this.failures,
      failures: this.failures,
      p50Ms: round(percentile(sorted, 0.5)),
      p99Ms: round(percentile(sorted, 0.99)),
      maxMs: round(sorted[sorted.length - 1] ?? 0),
    };
  }
}

/**
 * Waits until `/health` answers 200 in under `underMs` `times` times in a row — the gateway has worked off what a
 * flood left queued — and returns how long that took, or `undefined` when it did not within `maxMs`.
 */
export async function waitUntilResponsive(gatewayUrl: string, options = { underMs: 50, times: 3, maxMs: 60_000 }): Promise<number | undefined> {
  const url = new URL('/health', gatewayUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  try {
    let fast = 0;
    while (performance.now() - started < options.maxMs) {
      const { ms, ok } = await probe(url, agent);
      fast = ok && ms < options.underMs ? fast + 1 : 0;
      if (fast >= options.times) return Math.round(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  } finally {
    agent.destroy();
  }
}
