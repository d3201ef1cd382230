/**
 * Start-up time and memory of the ways to start the gateway (`npm run bench -- --only startup`): the sources
 * through tsx (how `npm start` ran before the production build, with and without npm in front) against the
 * compiled build (`node dist/main.js`, with and without `--enable-source-maps`, and `npm start`).
 *
 * Each run starts the gateway as `npm start` does after `npm ci` (demo mode, the embedded local Stripe, on a port
 * chosen up front) pinned to core 0, and measures
 * - **start-up**: spawn → the first 200 from `/health`, polled every 5 ms;
 * - **idle RSS**: the gateway process's `VmRSS` 2 s after that, and its peak so far (`VmHWM`: start-up's own peak);
 * - **peak RSS under load**: `VmHWM` after a short autocannon run of a customer-with-invoices query (10
 *   connections), the same workload for every variant, and its throughput;
 * - under npm, **npm's own RSS** besides: npm stays in memory as the gateway's parent for as long as it runs.
 * The variants take turns, run after run; the figures are the medians.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from '../test/support/redis.js';
import { load, ROOT, rssOf, TASKSET } from './support.js';

interface Variant {
  name: string;
  command: string;
  args: string[];
  /** Started through npm: the gateway is npm's child, and npm's own memory is counted apart. */
  npm: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'node --import tsx src/main.ts', command: process.execPath, args: ['--import', 'tsx', 'src/main.ts'], npm: false },
  { name: 'node dist/main.js', command: process.execPath, args: ['dist/main.js'], npm: false },
  { name: 'node --enable-source-maps dist/main.js', command: process.execPath, args: ['--enable-source-maps', 'dist/main.js'], npm: false },
  { name: 'npm run dev (npm + tsx: the old npm start)', command: 'npm', args: ['run', 'dev', '--silent'], npm: true },
  { name: 'npm start (npm + node dist/main.js)', command: 'npm', args: ['start', '--silent'], npm: true },
];

/** Settings of the calling shell that would take the gateway out of demo mode. */
const GATEWAY_ENV = [
  'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'GATEWAY_API_KEYS', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'REDIS_URL', 'NODE_OPTIONS',
  'STRIPE_WEBHOOK_SECRET', 'METRICS_PORT',
];
const ADMIN_KEY = 'startup-bench-admin-key-0123456789';
const QUERY = '{ customers(first: 5) { edges { node { id name invoices(first: 5) { edges { node { id total { formatted } } } } } } } }';
const START_TIMEOUT_MS = 60_000;

export interface StartupRun {
  startupMs: number;
  idleRssMiB: number;
  startupPeakRssMiB: number;
  loadPeakRssMiB: number;
  loadRequestsPerSecond: number;
  npmRssMiB?: number;
}

export interface StartupFigures extends StartupRun {
  name: string;
  runs: StartupRun[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pid of `parent`'s child process (npm's `sh -c exec node …` is node itself). */
function childOf(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, child: ChildProcess): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before ${what}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${START_TIMEOUT_MS / 1000} s`);
    await sleep(5);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function runOnce(variant: Variant): Promise<StartupRun> {
  const port = await freePort();
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of GATEWAY_ENV) delete env[name];
  Object.assign(env, { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'error', GATEWAY_API_KEYS: ADMIN_KEY, RATE_LIMIT_PER_MINUTE: '0', CALLER_STRIPE_CALLS_PER_MINUTE: '0' });
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = TASKSET
    ? spawn('taskset', ['-c', '0', variant.command, ...variant.args], { cwd: ROOT, env, stdio: 'ignore' })
    : spawn(variant.command, variant.args, { cwd: ROOT, env, stdio: 'ignore' });
  try {
    await until('200 from /health', async () => {
      try {
        const response = await fetch(`${url}/health`);
        await response.arrayBuffer();
        return response.status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, child);
    const startupMs = Math.round(performance.now() - started);
    const gatewayPid = variant.npm ? await until('the gateway process under npm', () => childOf(child.pid!), child) : child.pid!;
    await sleep(2000);
    const idle = rssOf(gatewayPid);
    const npmRssMiB = variant.npm ? rssOf(child.pid!).rssMiB : undefined;
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', accept: 'application/json' };
    const result = await load({ url: `${url}/graphql`, method: 'POST', headers, body: JSON.stringify({ query: QUERY }), connections: 10, duration: 3 });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors under load`);
    return {
      startupMs,
      idleRssMiB: idle.rssMiB,
      startupPeakRssMiB: idle.peakRssMiB,
      loadPeakRssMiB: rssOf(gatewayPid).peakRssMiB,
      loadRequestsPerSecond: result.requestsPerSecond,
      ...(npmRssMiB !== undefined ? { npmRssMiB } : {}),
    };
  } finally {
    await stop(child);
  }
}

export async function benchStartup(runs: number, progress: (line: string) => void): Promise<StartupFigures[]> {
  const byVariant = new Map<Variant, StartupRun[]>(VARIANTS.map((v) => [v, []]));
  for (let run = 0; run < runs; run++) {
    for (const variant of VARIANTS) byVariant.get(variant)!.push(await runOnce(variant));
    progress(`start-up: run ${run + 1} of ${runs}`);
  }
  return VARIANTS.map((variant) => {
    const all = byVariant.get(variant)!;
    const of = (key: keyof StartupRun) => median(all.map((r) => r[key] ?? NaN));
    return {
      name: variant.name,
      startupMs: of('startupMs'),
      idleRssMiB: of('idleRssMiB'),
      startupPeakRssMiB: of('startupPeakRssMiB'),
      loadPeakRssMiB: of('loadPeakRssMiB'),
      loadRequestsPerSecond: of('loadRequestsPerSecond'),
      ...(variant.npm ? { npmRssMiB: of('npmRssMiB') } : {}),
      runs: all,
    };
  });
}
