/**
 * The gateway's process as the load generator holds it: `load/gateway.ts` spawned (pinned to core 0 when `taskset`
 * exists), its ready line read, its questions asked over IPC, its stderr kept (the first lines) and counted; and
 * the local Stripe's faults, set between runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { FaultOptions } from '../src/local-stripe/index.js';
import { ROOT, TASKSET } from '../bench/support.js';
import type { GatewayReady, GatewayReply, GatewayRequest } from './gateway.js';

export interface GatewayProcess {
  ready: GatewayReady;
  child: ChildProcess;
  ask(request: DistributiveOmit<GatewayRequest, 'id'>): Promise<GatewayReply & { ok: true }>;
  stderr: string[];
  stderrLines(): number;
  stop(): Promise<void>;
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function startGateway(): Promise<GatewayProcess> {
  const command = TASKSET ? 'taskset' : process.execPath;
  const argv = [...(TASKSET ? ['-c', '0', process.execPath] : []), '--import', 'tsx', 'load/gateway.ts'];
  const child = spawn(command, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, STRIPE_SUPPRESS_NOTICES: 'true' },
  });
  const stderr: string[] = [];
  let stderrCount = 0;
  child.stderr?.setEncoding('utf8');
  let partial = '';
  child.stderr?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stderrCount++;
      if (stderr.length < 20) stderr.push(line);
    }
  });

  let nextId = 1;
  const waiting = new Map<number, (reply: GatewayReply) => void>();
  child.on('message', (reply: GatewayReply) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  const ask = (request: DistributiveOmit<GatewayRequest, 'id'>) =>
    new Promise<GatewayReply & { ok: true }>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (reply) => (reply.ok ? resolve(reply) : reject(new Error(`gateway process: ${reply.error}`))));
      child.send({ ...request, id });
    });

  return new Promise((resolve, reject) => {
    let output = '';
    const onExit = (code: number | null) =>
      reject(new Error(`load/gateway.ts exited with ${code} before it was ready:\n${output}\n${stderr.join('\n')}`));
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8');
    const onData = (chunk: string) => {
      output += chunk;
      for (const line of output.split('\n')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        const ready = parsed as Partial<GatewayReady>;
        if (typeof ready.graphqlUrl !== 'string' || typeof ready.adminKey !== 'string' || typeof ready.pid !== 'number') continue;
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // anything the gateway prints from now on (logs) is drained, never shown
        child.off('exit', onExit);
        resolve({
          ready: ready as GatewayReady,
          child,
          ask,
          stderr,
          stderrLines: () => stderrCount,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
        return;
      }
    };
    child.stdout?.on('data', onData);
  });
}

/** Sets the local Stripe's latency and faults (`undefined`: none at all). */
export async function setFaults(stripeUrl: string, faults: FaultOptions | undefined): Promise<void> {
  const response = await fetch(`${stripeUrl}/_local/faults`, {
    method: faults === undefined ? 'DELETE' : 'PUT',
    headers: { 'content-type': 'application/json' },
    ...(faults !== undefined ? { body: JSON.stringify(faults) } : {}),
  });
  if (!response.ok) throw new Error(`local Stripe: /_local/faults answered ${response.status}`);
}
