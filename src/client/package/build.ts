/**
 * `npm run build:client`: turns the typed client (`src/client/`) into a package a web app in another repository
 * installs from a path or a packed tarball — `dist/client-package/` unless `--out <dir>` says otherwise.
 *
 * tsc compiles the client alone (`tsconfig.client.json`: ESM, `.d.ts`, source maps with their sources inlined, and
 * no Node types, so the package stays browser-safe); then this writes the package's own `package.json` and README.
 * Its dependencies are read off the compiled output (every bare import in the `.js` and `.d.ts` files) and pinned
 * exactly as this repository pins them, so that a new import in the client can't ship undeclared or drift from the
 * version the tests ran. Runs at build time only (Node); nothing in the client imports it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DEFAULT_OUT = join(ROOT, 'dist/client-package');

/** The package's name: what a web app writes in its package.json and imports from. */
export const CLIENT_PACKAGE_NAME = '@billing-gateway/client';

interface RootManifest {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** The package a bare specifier names: `graphql`, `@scope/name` (subpaths dropped). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** The bare imports of the compiled files (static `import`/`export … from`, and `import()` of a literal). */
export function importedPackages(dir: string): string[] {
  const found = new Set<string>();
  for (const file of filesUnder(dir).filter((name) => /\.(js|d\.ts)$/.test(name))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (!specifier.startsWith('.')) found.add(specifier);
    }
  }
  return [...found].map(packageOf).filter((name, index, all) => all.indexOf(name) === index).sort();
}

/** The package's dependencies: each imported package at this repository's exact pin; anything else is refused. */
function pinnedDependencies(imported: readonly string[], root: RootManifest): Record<string, string> {
  const problems: string[] = [];
  const pins: Record<string, string> = {};
  for (const name of imported) {
    const version = root.dependencies?.[name];
    if (name.startsWith('node:')) problems.push(`${name}: a Node module, but the client must stay browser-safe`);
    else if (version === undefined) problems.push(`${name}: imported by the client but not in package.json's dependencies`);
    else if (!/^\d+\.\d+\.\d+$/.test(version)) problems.push(`${name}: pinned as "${version}", not an exact version`);
    else pins[name] = version;
  }
  if (problems.length > 0) throw new Error(`build:client: ${problems.join('; ')}`);
  return pins;
}

/** What the web app's npm, TypeScript and bundler read. */
function manifest(root: RootManifest, dependencies: Record<string, string>): Record<string, unknown> {
  return {
    name: CLIENT_PACKAGE_NAME,
    version: root.version,
    description: 'The typed client of billing-gateway: typed documents for its operations, requests and live subscriptions (browser-safe ESM)',
    type: 'module',
    // No module does anything on import, so a bundler may drop the documents an app never uses.
    sideEffects: false,
    exports: {
      '.': { types: './index.d.ts', import: './index.js', default: './index.js' },
      './package.json': './package.json',
    },
    // For resolvers that predate `exports` (TypeScript's `node10`, old bundlers).
    main: './index.js',
    types: './index.d.ts',
    files: ['**/*.js', '**/*.js.map', '**/*.d.ts', 'README.md'],
    dependencies,
  };
}

const CLIENT_SOURCES = join(ROOT, 'src/client');

/**
 * tsc's maps name their sources by a path from `outDir` back into this checkout, which means nothing once the
 * package is installed (and, for an `--out` elsewhere, names this machine's directories). The sources are inlined;
 * name them as if the package held them under `src/`, the same wherever it was built.
 */
function relocateSourceMaps(outDir: string): void {
  for (const file of filesUnder(outDir).filter((name) => name.endsWith('.js.map'))) {
    const path = join(outDir, file);
    const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[]; sourceRoot?: string };
    map.sources = map.sources.map((source) => {
      const inClient = relative(CLIENT_SOURCES, resolve(dirname(path), map.sourceRoot ?? '', source));
      return relative(dirname(path), join(outDir, 'src', inClient));
    });
    delete map.sourceRoot;
    writeFileSync(path, JSON.stringify(map));
  }
}

/** Empties `outDir` for a new build — only when it is missing, empty or an earlier build of the package. */
function clear(outDir: string): void {
  if (!existsSync(outDir) || readdirSync(outDir).length === 0) return;
  const previous = join(outDir, 'package.json');
  const name = existsSync(previous) ? (JSON.parse(readFileSync(previous, 'utf8')) as { name?: unknown }).name : undefined;
  if (name !== CLIENT_PACKAGE_NAME) throw new Error(`build:client: ${outDir} holds something else than a build of ${CLIENT_PACKAGE_NAME}; not emptying it`);
  rmSync(outDir, { recursive: true, force: true });
}

/** Builds the package into `outDir` (emptied first); returns its manifest. */
export function buildClientPackage(outDir: string = DEFAULT_OUT): Record<string, unknown> {
  clear(outDir);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.client.json'), '--outDir', outDir], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (compiled.status !== 0) throw new Error(`build:client: tsc -p tsconfig.client.json failed (exit ${compiled.status ?? compiled.signal})`);

  relocateSourceMaps(outDir);
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as RootManifest;
  const result = manifest(root, pinnedDependencies(importedPackages(outDir), root));
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(result, null, 2)}\n`);
  copyFileSync(join(dirname(fileURLToPath(import.meta.url)), 'README.md'), join(outDir, 'README.md'));
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const flag = process.argv.indexOf('--out');
  const outDir = flag >= 0 && process.argv[flag + 1] !== undefined ? resolve(process.argv[flag + 1]!) : DEFAULT_OUT;
  try {
    const built = buildClientPackage(outDir);
    const shown = relative(process.cwd(), outDir) || '.';
    console.log(`${String(built['name'])}@${String(built['version'])} → ${shown}/`);
    console.log(`  pack it:    npm pack ./${shown} --pack-destination <dir>`);
    console.log(`  or install: npm install --install-links <path to>/${shown}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
