/**
 * How the bench runs its server processes: compiled, as `npm start` runs the gateway in production (the default),
 * or from the TypeScript sources through tsx (`--tsx`), as every bench before the production build did.
 *
 * Compiled means: the gateway and the local Stripe from a fresh `npm run build:gateway` into dist/ (made here, at
 * the start of every run, so that figures are never those of a dist/ older than the sources), and the hand-written
 * baseline bundled by esbuild into node_modules/.cache/ (its node_modules imports left as imports), so that both
 * sides of every ratio run the same way. `--source-maps` adds `--enable-source-maps` to both, to measure what
 * Node's source-mapped stack traces cost.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Runtime {
  kind: 'build' | 'tsx';
  sourceMaps: boolean;
}

let current: Runtime = { kind: 'tsx', sourceMaps: false };

/** Where the compiled baseline goes: ignored by git, and node_modules/ is found by walking up from it. */
const BENCH_CACHE = join(ROOT, 'node_modules', '.cache', 'billing-gateway-bench');

/** The compiled counterpart of each script the bench starts. */
const COMPILED: Record<string, string> = {
  'src/main.ts': join(ROOT, 'dist', 'main.js'),
  'src/local-stripe/main.ts': join(ROOT, 'dist', 'local-stripe', 'main.js'),
  'bench/baseline.ts': join(BENCH_CACHE, 'baseline.js'),
};

/** Builds what the compiled runtime runs: the gateway and the local Stripe into dist/, the baseline into the cache. */
export async function buildCompiled(progress: (line: string) => void): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-gateway.ts'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  mkdirSync(BENCH_CACHE, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'bench', 'baseline.ts')],
    outfile: COMPILED['bench/baseline.ts']!,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  progress('compiled: the gateway and the local Stripe into dist/, the baseline into node_modules/.cache/');
}

/** How `nodeArgv` starts scripts from now on (compiled: after `buildCompiled`). */
export function useRuntime(runtime: Runtime): void {
  current = runtime;
}

export const runtime = (): Runtime => current;

/** The node arguments that run `script` (a path from the repository's root) the current way. */
export function nodeArgv(script: string): string[] {
  const maps = current.sourceMaps ? ['--enable-source-maps'] : [];
  if (current.kind === 'tsx') return [...maps, '--import', 'tsx', script];
  const compiled = COMPILED[script];
  if (compiled === undefined) throw new Error(`the bench has no compiled form of ${script}`);
  return [...maps, compiled];
}
