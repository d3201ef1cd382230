/**
 * `prepare` (`scripts/prepare.mjs`), which every `npm ci` runs: with the build tools installed it runs
 * `npm run build`; without them (`npm ci --omit=dev`) it must skip the build, say so, and succeed, or a production
 * install would fail. The script runs for real, copied into a scratch project whose `build` script only leaves a mark,
 * so that the test neither needs nor touches the repository's dist/.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const PREPARE = fileURLToPath(new URL('../../scripts/prepare.mjs', import.meta.url));
const TOOLS = ['typescript', 'tsx', 'esbuild'];
const scratches: string[] = [];

function scratchProject(tools: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'bg-prepare-'));
  scratches.push(dir);
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(PREPARE, join(dir, 'scripts', 'prepare.mjs'));
  const build = `node -e "require('node:fs').writeFileSync('built', process.env.npm_lifecycle_event)"`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, scripts: { build } }));
  for (const tool of tools) {
    mkdirSync(join(dir, 'node_modules', tool), { recursive: true });
    writeFileSync(join(dir, 'node_modules', tool, 'package.json'), JSON.stringify({ name: tool, version: '0.0.0' }));
  }
  return dir;
}

function prepare(dir: string) {
  const result = spawnSync(process.execPath, [join(dir, 'scripts', 'prepare.mjs')], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

afterEach(() => {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('prepare', () => {
  it('runs npm run build when the build tools are installed', () => {
    const dir = scratchProject(TOOLS);
    const { status, output } = prepare(dir);
    expect(status, output).toBe(0);
    expect(existsSync(join(dir, 'built')), `npm run build did not run:\n${output}`).toBe(true);
  });

  it('skips the build, says why and succeeds without the dev dependencies', () => {
    const dir = scratchProject([]);
    const { status, output } = prepare(dir);
    expect(status, output).toBe(0);
    expect(existsSync(join(dir, 'built'))).toBe(false);
    expect(output).toContain('prepare: build skipped, typescript, tsx, esbuild not installed');
    expect(output).toContain('there is no build in dist/');
  });

  it('keeps a dist/ copied from a build stage, and names the one tool missing', () => {
    const dir = scratchProject(['typescript', 'esbuild']);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'main.js'), '');
    const { status, output } = prepare(dir);
    expect(status, output).toBe(0);
    expect(existsSync(join(dir, 'built'))).toBe(false);
    expect(output).toContain('build skipped, tsx not installed');
    expect(output).toContain('dist/ is left as it is');
  });
});
