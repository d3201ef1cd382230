/**
 * The typed client as another repository's web app gets it: `npm run build:client` builds the package, `npm pack`
 * packs it, and a scratch app (`test/client/scratch-app/`) in a temp dir installs the tarball with npm, type-checks
 * against the installed `.d.ts` (misuse must fail to compile), bundles itself with esbuild for the browser, and the
 * bundle runs with node against a demo-mode gateway on a free port; the data it prints is checked against the
 * gateway's own answer. No network: npm installs offline from the cache the repository's `npm ci` filled, through a
 * lock file the test writes from this repository's lock (offline npm has the tarballs but not the registry's
 * metadata to resolve versions with).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { CLIENT_PACKAGE_NAME } from '../../src/client/package/build.js';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SETUP_MS = 240_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never throws on a non-zero exit: the caller asserts). Bounded generously. */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: `${stderr}${error !== null && error.killed ? '\n(killed: it ran past 180 s)' : ''}` });
    });
  });
}

/** Fails with the command's output when it did not exit 0. */
function succeeded(result: Run, what: string): Run {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

interface LockEntry {
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * The scratch app's package-lock.json: the tarball, and its dependency closure copied from this repository's lock
 * (same versions, resolved URLs and integrity), which is what lets `npm install --offline` find them in the cache.
 */
function scratchLock(tarball: string, dependencies: Record<string, string>): unknown {
  const root = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:../${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'scratch-web-app', dependencies: { [CLIENT_PACKAGE_NAME]: spec } },
    [`node_modules/${CLIENT_PACKAGE_NAME}`]: { version: '0.0.0-packed', resolved: spec, dependencies },
  };
  const pending = Object.keys(dependencies);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const key = `node_modules/${name}`;
    if (key in packages) continue;
    const entry = root.packages[key];
    if (entry === undefined) throw new Error(`${name} is not in this repository's package-lock.json`);
    packages[key] = entry;
    pending.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}));
  }
  return { name: 'scratch-web-app', lockfileVersion: 3, requires: true, packages };
}

let work: string;
let app: App;
let packed: { filename: string; files: string[]; manifest: Record<string, any> };
let installed: Record<string, any>;
let typecheck: Record<'bundler' | 'nodenext' | 'wrong', Run>;
let bundle: { text: string; inputs: string[] };
let printed: Record<string, any>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'client-package-'));
  const scratch = join(work, 'app');
  app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error' }));

  // The package, as the README tells a user to build and pack it.
  succeeded(await run('npm', ['run', 'build:client', '--', '--out', join(work, 'package')], ROOT), 'npm run build:client');
  const pack = succeeded(await run('npm', ['pack', join(work, 'package'), '--pack-destination', work, '--json'], ROOT), 'npm pack');
  const [report] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = {
    filename: report!.filename,
    files: report!.files.map((file) => file.path).sort(),
    manifest: JSON.parse(readFileSync(join(work, 'package/package.json'), 'utf8')) as Record<string, any>,
  };

  // Someone else's app: its own package.json, the tarball as a dependency, installed by npm.
  cpSync(join(ROOT, 'test/client/scratch-app'), scratch, { recursive: true });
  const appManifest = { name: 'scratch-web-app', private: true, type: 'module', dependencies: { [CLIENT_PACKAGE_NAME]: `file:../${packed.filename}` } };
  writeFileSync(join(scratch, 'package.json'), `${JSON.stringify(appManifest, null, 2)}\n`);
  writeFileSync(join(scratch, 'package-lock.json'), JSON.stringify(scratchLock(packed.filename, packed.manifest['dependencies'])));
  succeeded(
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], scratch),
    'npm install --offline in the scratch app (it needs the dependencies in the npm cache, where `npm ci` here leaves them)',
  );
  installed = JSON.parse(readFileSync(join(scratch, 'node_modules', CLIENT_PACKAGE_NAME, 'package.json'), 'utf8')) as Record<string, any>;

  const [bundler, nodenext, wrong] = await Promise.all(
    ['tsconfig.json', 'tsconfig.nodenext.json', 'tsconfig.wrong.json'].map((config) => run(process.execPath, [TSC, '-p', config], scratch)),
  );
  typecheck = { bundler: bundler!, nodenext: nodenext!, wrong: wrong! };

  // The app's own bundler, for the browser; what a web app's build injects comes in through `define`.
  const outfile = join(scratch, 'dist/app.js');
  const result = await build({
    absWorkingDir: scratch,
    entryPoints: ['src/main.ts'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile,
    metafile: true,
    logLevel: 'silent',
    define: {
      GATEWAY_URL: JSON.stringify(app.graphqlUrl),
      CUSTOMER_TOKEN: JSON.stringify(app.demo!.customerToken),
      ADMIN_KEY: JSON.stringify(app.demo!.adminKey),
    },
  });
  bundle = { text: readFileSync(outfile, 'utf8'), inputs: Object.keys((result.metafile as Metafile).inputs) };

  const ran = succeeded(await run(process.execPath, [outfile], scratch), 'node dist/app.js (the bundled scratch app)');
  printed = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as Record<string, any>;
}, SETUP_MS);

afterAll(async () => {
  await app?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('declares an ESM entry with its types, no side effects, and dependencies pinned as this repository pins them', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    expect(packed.manifest).toMatchObject({
      name: CLIENT_PACKAGE_NAME,
      version: root.version,
      type: 'module',
      sideEffects: false,
      exports: { '.': { types: './index.d.ts', import: './index.js', default: './index.js' } },
    });
    const dependencies = packed.manifest['dependencies'] as Record<string, string>;
    expect(Object.keys(dependencies).sort()).toEqual(['@graphql-typed-document-node/core', 'eventsource-parser', 'graphql']);
    for (const [name, version] of Object.entries(dependencies)) expect(version, name).toBe(root.dependencies[name]);
    expect(installed['version']).toBe(root.version);
  });

  it('holds the compiled JavaScript, its types and source maps, a README — and no TypeScript sources', () => {
    for (const entry of ['index.js', 'index.d.ts', 'index.js.map', 'core.js', 'subscribe.js', 'generated/graphql.js', 'generated/graphql.d.ts']) {
      expect(packed.files).toContain(entry);
    }
    expect(packed.files).toContain('README.md');
    expect(packed.files).toContain('package.json');
    expect(packed.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(packed.files.filter((file) => file.startsWith('package/'))).toEqual([]);
    // The maps carry their sources, so a browser's devtools show the TypeScript without the repository.
    const map = JSON.parse(readFileSync(join(work, 'package/index.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain('export function createBillingClient');
    // Named inside the package, not by a path back into the checkout that built it.
    expect(map.sources).toEqual(['src/index.ts']);
    const generated = JSON.parse(readFileSync(join(work, 'package/generated/graphql.js.map'), 'utf8')) as { sources: string[] };
    expect(generated.sources).toEqual(['../src/generated/graphql.ts']);
  });
});

describe('a scratch app that installs the tarball', () => {
  it('type-checks against the installed types, under bundler and NodeNext resolution', () => {
    expect(typecheck.bundler.stdout + typecheck.bundler.stderr).toBe('');
    expect(typecheck.bundler.code).toBe(0);
    expect(typecheck.nodenext.stdout + typecheck.nodenext.stderr).toBe('');
    expect(typecheck.nodenext.code).toBe(0);
  });

  it('fails to compile a wrong variable type and a read of an unselected field', () => {
    expect(typecheck.wrong.code).not.toBe(0);
    const output = typecheck.wrong.stdout;
    expect(output).toMatch(/src\/wrong-usage\.ts\(5,\d+\): error TS2322: Type '"PENDING"' is not assignable/);
    expect(output).toMatch(/src\/wrong-usage\.ts\(6,\d+\): error TS2339: Property 'delinquent' does not exist/);
  });

  it('is bundled from the installed package (not this repository) with the unused documents left out', () => {
    const fromPackage = bundle.inputs.filter((input) => input.startsWith(`node_modules/${CLIENT_PACKAGE_NAME}/`));
    expect(fromPackage).toContain(`node_modules/${CLIENT_PACKAGE_NAME}/index.js`);
    expect(bundle.inputs.filter((input) => input.includes('src/client/'))).toEqual([]);
    expect(bundle.inputs).toContain('node_modules/graphql/language/printer.mjs');
    expect(bundle.text).toContain('"CustomerWithInvoices"');
    // ESM without side effects: the documents the app never imports are not in its bundle.
    for (const unused of ['PayInvoice', 'ResumeSubscription', 'InvoiceUpdated', 'CustomersPage']) expect(bundle.text).not.toContain(unused);
  });

  it('runs: typed data as the gateway answers it, typed errors, the documents’ trusted ids', async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'schema/persisted-documents.json'), 'utf8')) as Record<string, string>;
    expect(manifest[printed['viewerDocumentId']]).toMatch(/^query Viewer\b/);
    expect(printed['role']).toBe('CUSTOMER');
    expect(printed['balance']).toMatch(/\d/);
    expect(printed['anonymous']).toEqual({ kind: 'graphql', code: 'UNAUTHENTICATED', status: 401 });

    // The same document and variables, asked of the gateway directly: the app printed exactly its answer.
    const query = Object.values(manifest).find((text) => text.startsWith('query CustomerWithInvoices'))!;
    const response = await fetch(app.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.demo!.customerToken}` },
      body: JSON.stringify({ query, variables: { customerId: DEMO.customer, first: 3, status: 'PAID' } }),
    });
    const answer = (await response.json()) as { data?: { customer: Record<string, any> } };
    expect(answer.data?.customer.id).toBe(DEMO.customer);
    expect(answer.data?.customer.invoices.edges.length).toBeGreaterThan(0);
    expect(printed['customer']).toEqual(answer.data?.customer);
  });

  it('follows a subscription over Server-Sent Events: the change an admin made arrives typed', async () => {
    expect(bundle.inputs).toContain('node_modules/eventsource-parser/dist/index.js');
    expect(printed['live']).toMatchObject({ cancelAtPeriodEnd: true, customer: DEMO.customer });
    // Stripe has it so: the event was the subscription as it now is.
    const response = await fetch(app.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.demo!.adminKey}` },
      body: JSON.stringify({ query: 'query ($id: ID!) { subscription(id: $id) { id cancelAtPeriodEnd } }', variables: { id: printed['live'].id } }),
    });
    expect(await response.json()).toEqual({ data: { subscription: { id: printed['live'].id, cancelAtPeriodEnd: true } }, extensions: expect.anything() });
  });
});
