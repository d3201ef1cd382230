/**
 * `prepare`, which npm runs after every `npm ci` and `npm install` in this repository: builds dist/ (`npm run build`)
 * so that `npm start` runs compiled JavaScript with plain `node` right after a fresh install.
 *
 * Plain JavaScript, not TypeScript like the other scripts: an install without the dev dependencies (`npm ci
 * --omit=dev`, `NODE_ENV=production npm ci`) runs it too, and has neither tsx nor TypeScript nor esbuild. There it
 * skips the build with a note and leaves whatever dist/ holds (a build copied from a build stage) as it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILD_TOOLS = ['typescript', 'tsx', 'esbuild'];

const missing = BUILD_TOOLS.filter((name) => !existsSync(join(ROOT, 'node_modules', name, 'package.json')));
if (missing.length > 0) {
  const left = existsSync(join(ROOT, 'dist', 'main.js'))
    ? 'dist/ is left as it is'
    : 'there is no build in dist/: build in a stage with the dev dependencies (npm ci), then npm prune --omit=dev';
  console.log(`prepare: build skipped, ${missing.join(', ')} not installed (an install without dev dependencies); ${left}`);
  process.exit(0);
}

// npm_execpath is the npm that runs this script; without it (run by hand), the npm on PATH.
const npmCli = process.env['npm_execpath'];
const result = npmCli
  ? spawnSync(process.execPath, [npmCli, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
process.exit(result.status ?? 1);
