/**
 * Several gateway PROCESSES on one Redis and one Stripe, as a deployment runs them: each is `node --import tsx
 * src/main.ts` with an environment of its own (production, `PORT=0`, the support's admin key and JWT secret, JSON
 * logs), its URL read from the banner, its output kept for the test's messages, stopped with SIGTERM (SIGKILL if it
 * has not exited within 20 s). Every wait is bounded and fails with what the process printed.
 *
 * Process start-up costs seconds: a test file starts its replicas once (`beforeAll`) and shares them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY, JWT_SECRET } from './gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a child keeps of this process's environment: how to find programs and a home, nothing the gateway reads. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
/** Output kept per replica (the newest). */
const OUTPUT_LIMIT = 2_000_000;

export interface Replica {
  /** 1, 2, 3…: how the test's messages name it. */
  index: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  graphqlUrl: string;
  webhookUrl: string;
  pid: number;
  /** Everything it printed so far (the banner, JSON log lines, errors). */
  output(): string;
  /** Its JSON log lines with this `msg`, parsed. */
  logLines(msg: string): Array<Record<string, any>>;
  /** SIGTERM, then waits for the exit (SIGKILL past 20 s); the exit code (null: killed). */
  stop(): Promise<number | null>;
}

export interface ReplicaOptions {
  /** Stripe the replicas talk to (the test process's local Stripe). */
  stripe: { url: string; secretKey: string };
  /** The Redis they share; none: each replica on its own (one process started as a deployment would). */
  redisUrl?: string | undefined;
  /** More environment for every replica (`STRIPE_WEBHOOK_SECRET`, budgets, cache…). */
  env?: Record<string, string>;
}

/** One gateway process with exactly `env` (and `INHERITED`); resolves once it has printed where it listens. */
export function spawnReplica(index: number, env: Record<string, string>): Promise<Replica> {
  const base: Record<string, string> = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) base[name] = process.env[name]!;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    })());

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearInterval(poll);
      clearTimeout(timer);
      void stop();
      reject(new Error(`replica ${index} ${why}; it printed:\n${output.slice(-5_000)}`));
    };
    const timer = setTimeout(() => fail(`did not print its banner within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    void exited.then((code) => fail(`exited with ${code} before it listened`));
    const poll = setInterval(() => {
      const match = /billing-gateway listening on (http:\/\/\S+)/.exec(output);
      if (match === null) return;
      clearInterval(poll);
      clearTimeout(timer);
      const url = match[1]!;
      resolve({
        index,
        url,
        graphqlUrl: `${url}/graphql`,
        webhookUrl: `${url}/webhooks/stripe`,
        pid: child.pid!,
        output: () => output,
        logLines: (msg) =>
          output
            .split('\n')
            .filter((line) => line.startsWith('{') && line.includes(`"msg":${JSON.stringify(msg)}`))
            .map((line) => JSON.parse(line) as Record<string, any>),
        stop,
      });
    }, 20);
  });
}

/** `count` replicas, started side by side; if one fails to start, the others are stopped and the error names it. */
export async function startReplicas(count: number, options: ReplicaOptions): Promise<Replica[]> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: options.stripe.secretKey,
    STRIPE_API_BASE: options.stripe.url,
    GATEWAY_API_KEYS: ADMIN_KEY,
    AUTH_JWT_SECRET: JWT_SECRET,
    ...(options.redisUrl !== undefined ? { REDIS_URL: options.redisUrl } : {}),
    LOG_LEVEL: 'info',
    // Stopped by the test, not a load balancer: no drain delay (production's default is 5 s) unless a test asks.
    DRAIN_DELAY_SECONDS: '0',
    ...options.env,
  };
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => spawnReplica(i + 1, env)));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await stopReplicas(started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    throw failed.reason;
  }
  return started.map((result) => (result as PromiseFulfilledResult<Replica>).value);
}

/** Stops every replica; fails if one did not exit 0 on SIGTERM (its output in the message). */
export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  const codes = await Promise.all(replicas.map((replica) => replica.stop()));
  const bad = replicas.filter((_, i) => codes[i] !== 0);
  if (bad.length > 0) {
    throw new Error(bad.map((r) => `replica ${r.index} exited with ${codes[replicas.indexOf(r)]}:\n${r.output().slice(-3_000)}`).join('\n'));
  }
}

/** Polls `check` (async) every 50 ms until it is true, for up to `ms`; fails with `what` otherwise. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
