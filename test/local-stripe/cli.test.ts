/**
 * `npm run local-stripe` as a user runs it: a separate process, seeded, reachable from the SDK, configured by
 * environment and flags, refusing bad configuration with one line per problem, and stopping on SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { startWebhookReceiver, waitFor } from '../support/webhook-receiver.js';

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

  it('--forward-to forwards every event, signed with the secret it prints', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const process = run(['--port', '0', '--seed', 'empty', '--forward-to', receiver.url]);
      const url = new URL(await process.ready);
      const secret = await waitFor('the printed secret', () => /Your webhook signing secret is (whsec_\S+)/.exec(process.output())?.[1]);
      const stripe = new Stripe('sk_test_cli', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
      const customer = await stripe.customers.create({ name: 'Forwarded' });
      const [delivery] = await waitFor('the forwarded event', () => receiver.received.length >= 1 && receiver.received);
      const event = stripe.webhooks.constructEvent(delivery?.body ?? '', delivery?.signature ?? '', secret);
      expect(event.type).toBe('customer.created');
      expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
      process.child.kill('SIGTERM');
      expect(await process.exited).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('LOCAL_STRIPE_WEBHOOK_URL / _SECRET forward with the given secret, which is never printed', async () => {
    const receiver = await startWebhookReceiver(() => 500); // a retry stays pending: SIGTERM must still end it at once
    const secret = 'whsec_cliGivenSecret0000000000000000';
    try {
      const process = run(['--port', '0', '--seed', 'empty'], { LOCAL_STRIPE_WEBHOOK_URL: receiver.url, LOCAL_STRIPE_WEBHOOK_SECRET: secret });
      const url = new URL(await process.ready);
      const stripe = new Stripe('sk_test_cli', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
      await stripe.customers.create();
      const [delivery] = await waitFor('the forwarded event', () => receiver.received.length >= 1 && receiver.received);
      expect(stripe.webhooks.constructEvent(delivery?.body ?? '', delivery?.signature ?? '', secret).type).toBe('customer.created');
      expect(process.output()).toContain(`forwarding every event to ${receiver.url}`);
      expect(process.output()).not.toContain(secret);
      process.child.kill('SIGTERM');
      expect(await process.exited).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a bad forwarding URL or secret, without echoing the secret', async () => {
    const badUrl = run(['--port', '0', '--forward-to', 'localhost:4000']);
    expect(await badUrl.exited).toBe(1);
    expect(badUrl.output()).toContain("--forward-to must be an http or https URL, got 'localhost:4000'");
    const badSecret = run(['--port', '0'], { LOCAL_STRIPE_WEBHOOK_URL: 'http://127.0.0.1:1/hook', LOCAL_STRIPE_WEBHOOK_SECRET: 'sk_test_oops' });
    expect(await badSecret.exited).toBe(1);
    expect(badSecret.output()).toContain('LOCAL_STRIPE_WEBHOOK_SECRET must be a webhook signing secret starting with whsec_');
    expect(badSecret.output()).not.toContain('sk_test_oops');
  });
});
