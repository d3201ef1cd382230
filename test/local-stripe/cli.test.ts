/**
 * `npm run local-stripe` as a user runs it: a separate process, seeded, reachable from the SDK, configured by
 * environment and flags, refusing bad configuration with one line per problem, and stopping on SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/local-stripe/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  ready.catch(() => undefined); // awaited only by the tests that expect a start
  return { child, ready, exited, output: () => output };
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('npm run local-stripe', () => {
  it('serves the demo seed on the port LOCAL_STRIPE_PORT names, and stops on SIGTERM', async () => {
    const process = run([], { LOCAL_STRIPE_PORT: '0' });
    const url = new URL(await process.ready);
    const stripe = new Stripe('sk_test_cli', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    const customer = await stripe.customers.retrieve(DEMO.customer);
    expect(customer.deleted ? null : customer.name).toBe('Ada Lovelace');
    process.child.kill('SIGTERM');
    expect(await process.exited).toBe(0);
  });

  it('takes the seed and faults from flags', async () => {
    const process = run(['--port', '0', '--seed', 'empty', '--fault', '503:1:/v1/invoices']);
    const url = new URL(await process.ready);
    const stripe = new Stripe('sk_test_cli', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    expect((await stripe.customers.list()).data).toEqual([]);
    const error = await stripe.invoices.list().catch((e: Stripe.errors.StripeError) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(503);
  });

  it('refuses bad configuration with one clear line per problem', async () => {
    const badPort = run([], { LOCAL_STRIPE_PORT: 'twelve' });
    expect(await badPort.exited).toBe(1);
    expect(badPort.output()).toContain("LOCAL_STRIPE_PORT must be a port number between 0 and 65535, got 'twelve'");
    const badFlag = run(['--port', '1.5']);
    expect(await badFlag.exited).toBe(1);
    expect(badFlag.output()).toContain("--port must be a port number between 0 and 65535, got '1.5'");
    const badFault = run(['--port', '0', '--fault', 'meteor']);
    expect(await badFault.exited).toBe(1);
    expect(badFault.output()).toContain("unknown fault kind 'meteor'");
  });
});
