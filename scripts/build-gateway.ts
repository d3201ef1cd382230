/**
 * `npm run build:gateway`: the production build of the gateway and the local Stripe into dist/ (or `--out-dir`),
 * run by `npm run build` and, through `prepare`, by every `npm ci`, so that `npm start` runs compiled JavaScript
 * with plain `node` right after a fresh install.
 *
 *   node --import tsx scripts/build-gateway.ts [--out-dir DIR]
 *
 * 1. removes what an earlier build left (a deleted module must not linger in dist/), except `client-package/`, which is
 *    `npm run build:client`'s package and not ours;
 * 2. compiles src/ with `tsc -p tsconfig.build.json` (one .js and .js.map per module, src/'s layout);
 * 3. bundles the demo page's script (`src/demo/bundle.ts`, the same esbuild build the sources serve) to
 *    `demo/app.bundle.js`, since the compiled build has no TypeScript to bundle at run time.
 *
 * DIR must sit directly in the repository (like dist/): the compiled modules find schema/ as `../../schema/`
 * from their own place, and node_modules/ by walking up.
 *
 * It needs the dev dependencies (TypeScript, tsx, esbuild): an install without them skips it (`scripts/prepare.mjs`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundlePage } from '../src/demo/bundle.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Left alone by the clean-up: another build's output. */
const KEEP = new Set(['client-package']);

const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
const outDir = resolve(ROOT, values['out-dir']);
if (dirname(outDir) !== resolve(ROOT)) {
  throw new Error(`--out-dir must be a directory directly in the repository (like dist), got '${values['out-dir']}'`);
}
const started = performance.now();

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
if (!existsSync(TSC)) throw new Error('TypeScript is not installed (an install without dev dependencies?): run npm ci first');

mkdirSync(outDir, { recursive: true });
for (const entry of readdirSync(outDir)) if (!KEEP.has(entry)) rmSync(join(outDir, entry), { recursive: true, force: true });

execFileSync(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
  cwd: ROOT,
  stdio: 'inherit',
});

const bundle = await bundlePage();
const bundleFile = join(outDir, 'demo', 'app.bundle.js');
mkdirSync(dirname(bundleFile), { recursive: true });
writeFileSync(bundleFile, bundle.code);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`build:gateway: ${relative(ROOT, outDir)}/ (main.js, local-stripe/main.js, demo/app.bundle.js ${Math.round(bundle.code.length / 1024)} KiB) in ${seconds} s`);
