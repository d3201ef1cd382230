/** The RSS of the gateway's process, sampled from /proc during each run; and its stability across runs. */
import { readFileSync } from 'node:fs';
import { RSS_GROWTH, type Profile } from './options.js';

const RSS_SAMPLE_MS = 250;

export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peakKb = 0;
  private lastKb = 0;
  private hwmKb = 0;
  readonly available: boolean;

  constructor(private readonly pid: number) {
    this.available = this.read() !== undefined;
  }

  private read(): { rss: number; hwm: number } | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
      const hwm = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]);
      return Number.isFinite(rss) ? { rss, hwm: Number.isFinite(hwm) ? hwm : rss } : undefined;
    } catch {
      return undefined;
    }
  }

  private sample(): void {
    const figures = this.read();
    if (figures === undefined) return;
    this.lastKb = figures.rss;
    this.hwmKb = figures.hwm;
    this.peakKb = Math.max(this.peakKb, figures.rss);
  }

  /** Starts a new window: `stop()` returns the peak VmRSS sampled in it. */
  start(): number {
    this.sample();
    this.peakKb = this.lastKb;
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
    return this.lastKb;
  }

  stop(): { peakKb: number; lastKb: number; hwmKb: number } {
    clearInterval(this.timer);
    this.sample();
    return { peakKb: this.peakKb, lastKb: this.lastKb, hwmKb: this.hwmKb };
  }
}

export const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export interface RssCheck {
  profile: Profile;
  peaksMiB: number[];
  growthMiB: number;
  allowedMiB: number;
  ok: boolean;
}

/** Each profile's peak RSS in later runs against its first run's (with at least two runs). */
export function rssStability(results: ReadonlyArray<{ profile: Profile; peakRssMiB: number }>, profiles: readonly Profile[]): RssCheck[] {
  const checks: RssCheck[] = [];
  for (const profile of profiles) {
    const peaks = results.filter((r) => r.profile === profile).map((r) => r.peakRssMiB);
    const first = peaks[0] ?? 0;
    const growth = Math.max(...peaks.slice(1)) - first;
    const allowed = Math.max(RSS_GROWTH.mib, first * RSS_GROWTH.ratio);
    checks.push({ profile, peaksMiB: peaks, growthMiB: Math.round(growth * 10) / 10, allowedMiB: Math.round(allowed * 10) / 10, ok: growth <= allowed });
  }
  return checks;
}
