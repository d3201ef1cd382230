/**
 * Benchmark plumbing: start a server in its own process (pinned to its own core when `taskset` exists), drive
 * it with autocannon from this process (pinned to the other core), and print results.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { nodeArgv } from './runtime.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const TASKSET = hasTaskset();

/** Pins this process (the load generator) to `core`, when possible. */
export function pinSelf(core: number): void {
  if (TASKSET) execFileSync('taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' });
}

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs `script` (compiled, or through tsx: `bench/runtime.ts`) with `…args` on `core` and waits for a line
 * matching `ready` whose first group is the server's URL.
 */
export function startChild(
  script: string,
  args: string[],
  core: number,
  ready: RegExp,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Child> {
  const command = TASKSET ? 'taskset' : process.execPath;
  const argv = [...(TASKSET ? ['-c', String(core), process.execPath] : []), ...nodeArgs, ...nodeArgv(script), ...args];
  const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match?.[1]) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({
          url: match[1],
          process: child,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready:\n${output}`)));
  });
}

export interface LoadResult {
  /** Requests completed in the run. */
  /** Requests answered within the run. */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ ...options });
  return {
    requests: result.requests.total,
    // Completed requests over the run's length (autocannon's own average is per whole second, coarse for short runs).
    requestsPerSecond: Math.round(result.requests.total / (result.duration || 1)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * Resets a process's peak RSS (`VmHWM`) to its current RSS (Linux: `5` into `/proc/<pid>/clear_refs`), so that
 * the next phase's peak is its own, not the earlier phases'. False when the kernel refuses.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A process's resident memory now and its peak (`VmRSS`, `VmHWM`), in MiB: that process alone, not its children. */
export function rssOf(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakRssMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
}

export function printTable(rows: Array<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
}
