/**
 * The production build as `npm start` runs it: `scripts/build-gateway.ts` compiles src/ into a directory of its own
 * (beside dist/, so that a gateway someone runs from dist/ meanwhile is left alone), then the compiled gateway and
 * local Stripe run as plain `node` processes on port 0 — no tsx, no TypeScript, no esbuild at run time. They must find
 * everything they read from disk (the example operations, the trusted-documents manifest, the demo page's script)
 * from the compiled layout, answer as the sources do, and stop cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { watchOutput } from '../support/process-output.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT_NAME = `.dist-test-${randomBytes(4).toString('hex')}`;
const OUT = join(ROOT, OUT_NAME);
/** Generous: tsc and esbuild on a busy 2-core machine. */
const BUILD_TIMEOUT_MS = 240_000;

/** Settings of the calling shell that would take the gateway out of demo mode or off port 0. */
const GATEWAY_ENV = [
  'PORT', 'HOST', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'GATEWAY_API_KEYS', 'AUTH_JWT_SECRET', 'AUTH_JWKS_URL',
  'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE', 'AUTH_CUSTOMER_CLAIM', 'PORTAL_RETURN_URL', 'ALLOWED_RETURN_URL_ORIGINS',
  'CORS_ORIGINS', 'GRAPHIQL', 'TRUSTED_DOCUMENTS', 'REDIS_URL', 'LOCAL_STRIPE_PORT', 'LOCAL_STRIPE_HOST', 'NODE_OPTIONS',
];

const children: ChildProcess[] = [];

function run(args: string[], env: Record<string, string>) {
  const base: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'development' };
  for (const name of GATEWAY_ENV) delete base[name];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return { child, ...watchOutput(child) };
}

async function gql(url: string, body: Record<string, unknown>, authorization: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as { data?: Record<string, any>; errors?: unknown[] }) };
}

/** Every file under `dir`, relative to it. */
function filesIn(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesIn(dir, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

beforeAll(() => {
  const build = run(['--import', 'tsx', 'scripts/build-gateway.ts', '--out-dir', OUT_NAME], {});
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the build did not finish within ${BUILD_TIMEOUT_MS / 1000} s:\n${build.output()}`)), BUILD_TIMEOUT_MS);
    void build.exited.then((code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`the build exited with ${code}:\n${build.output()}`));
    });
  });
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(OUT, { recursive: true, force: true });
});

describe('the compiled build', () => {
  it('holds JavaScript with source maps, the demo page bundled, and nothing of TypeScript or the browser client', () => {
    const files = filesIn(OUT);
    for (const file of ['main.js', 'main.js.map', 'app.js', 'local-stripe/main.js', 'demo/app.bundle.js']) expect(files).toContain(file);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    // Every module has its map, and the map leads back to the source it came from.
    const modules = files.filter((f) => f.endsWith('.js') && f !== 'demo/app.bundle.js');
    expect(modules.filter((f) => !files.includes(`${f}.map`))).toEqual([]);
    expect((JSON.parse(readFileSync(join(OUT, 'main.js.map'), 'utf8')) as { sources: string[] }).sources).toEqual(['../src/main.ts']);
    // The typed client is build:client's package, the page's modules live only inside the bundle.
    expect(files.filter((f) => f.startsWith('client/') || f.startsWith('demo/page/'))).toEqual([]);
  });

  it('runs with plain node in demo mode: the banner, GraphQL with the printed key, trusted documents, GraphiQL, /demo and its script, exit 0 on SIGTERM', async () => {
    const gateway = run([join(OUT, 'main.js')], { PORT: '0', LOG_LEVEL: 'error' });
    const [, url] = await gateway.waitFor(/billing-gateway listening on (http:\/\/\S+)/);
    const [, adminKey] = await gateway.waitFor(/Admin key:\s+(\S+)/);
    const [, token] = await gateway.waitFor(/Customer token: (\S+)/);
    await gateway.waitFor(/Try:/);
    const graphql = `${url}/graphql`;

    expect((await fetch(`${url}/health`)).status).toBe(200);
    const customers = await gql(graphql, { query: '{ customers(first: 3) { edges { node { id name } } } }' }, `Bearer ${adminKey}`);
    expect(customers.errors).toBeUndefined();
    expect(customers.data?.customers.edges).toHaveLength(3);

    // The manifest, read from the compiled layout: a customer runs the Viewer document by its id.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'schema/persisted-documents.json'), 'utf8')) as Record<string, string>;
    const viewerId = Object.keys(manifest).find((id) => manifest[id]!.startsWith('query Viewer('));
    expect(viewerId).toBeDefined();
    const viewer = await gql(graphql, { documentId: viewerId, variables: { invoicesFirst: 1 } }, `Bearer ${token}`);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data?.viewer.customer.id).toBe(DEMO.customer);

    // GraphiQL's tabs come from schema/operations/, found from the compiled layout.
    const graphiql = await (await fetch(graphql, { headers: { accept: 'text/html' } })).text();
    for (const name of ['CustomerWithInvoices', 'InvoiceWithLines', 'CreatePortalSession']) expect(graphiql).toContain(name);

    const page = await fetch(`${url}/demo`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/demo/app.js');
    const script = await fetch(`${url}/demo/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    // The build's bundle, as it is: nothing is bundled at run time.
    expect(await script.text()).toBe(readFileSync(join(OUT, 'demo/app.bundle.js'), 'utf8'));

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('SIGTERM: stopping');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('runs the local Stripe alone with plain node, seeded, and stops on SIGTERM', async () => {
    const stripe = run([join(OUT, 'local-stripe/main.js'), '--port', '0'], {});
    const [, stripeUrl] = await stripe.waitFor(/Local Stripe listening on (http:\/\/\S+)/);
    const [, key] = await stripe.waitFor(/curl \S+ -u (\S+):/);
    const response = await fetch(`${stripeUrl}/v1/customers/${DEMO.customer}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe('Ada Lovelace');
    stripe.child.kill('SIGTERM');
    expect(await stripe.exited).toBe(0);
  });
});
