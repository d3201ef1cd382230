/**
 * Prometheus's text exposition format, read back: a scrape of the gateway's metrics listener parsed into samples
 * (name, labels, value), so that tests assert counts and label sets rather than grep lines.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** One scrape, and lookups into it. */
export class Scrape {
  constructor(readonly samples: readonly Sample[]) {}

  /** Samples of `name` whose labels include `labels`. */
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The sum of the values of `name` whose labels include `labels` (0 when none). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  /** The label sets of `name`, each as `k=v,k=v` (sorted), for comparing whole sets. */
  labelSets(name: string): string[] {
    return this.find(name)
      .map((s) =>
        Object.entries(s.labels)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      )
      .sort();
  }

  /** Every label value of every sample. */
  labelValues(): string[] {
    return this.samples.flatMap((s) => Object.values(s.labels));
  }
}

/** GETs `url` (with `Bearer key` when given) and parses the scrape; throws with the body when it is not a 200. */
export async function scrape(url: string, key?: string): Promise<Scrape> {
  const response = await fetch(url, { headers: key !== undefined ? { authorization: `Bearer ${key}` } : {} });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`scrape of ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return new Scrape(parseMetrics(text));
}
