/**
 * The demo page's script: `src/demo/page/main.ts` and what it imports (the typed client among them), bundled
 * by esbuild's JS API into one minified file. From the sources (`npm run dev`, the tests) it is built in memory on
 * the first request for it, not at start-up, so a gateway that nobody opens the page of never pays for it; a failed
 * build is retried on the next request. The production build (`npm run build`) writes the same bundle beside the
 * compiled module (`dist/demo/app.bundle.js`), because dist/ holds no TypeScript to bundle: when that file is there
 * it is served as it is, and esbuild is never loaded.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const PAGE_ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));
/** Where the production build puts the bundle: next to this module once compiled; never present in src/. */
export const PREBUILT_BUNDLE = fileURLToPath(new URL('./app.bundle.js', import.meta.url));

export interface Bundle {
  code: string;
  /** A strong ETag: the content's hash. */
  etag: string;
}

/** Browsers the bundle is written for: anything with ES2020 and the DOM APIs the page uses. */
const TARGET = ['chrome100', 'edge100', 'firefox100', 'safari15'];

const withEtag = (code: string): Bundle => ({ code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` });

export async function bundlePage(entry: string = PAGE_ENTRY): Promise<Bundle> {
  // Loaded here, not at the top: the compiled build serves the prebuilt file and never needs esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    // Libraries that check `process.env.NODE_ENV` get production behaviour and no reference to `process`.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output for the demo page');
  return withEtag(file.text);
}

/** The prebuilt bundle when the build left one at `file`, else undefined. */
async function prebuilt(file: string): Promise<Bundle | undefined> {
  try {
    return withEtag(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The page's bundle, once: the prebuilt file when there is one, else `bundlePage(entry)`; the first call loads or
 * builds, later calls share the result; a failure is forgotten.
 */
export function lazyBundle(entry: string = PAGE_ENTRY, prebuiltFile: string = PREBUILT_BUNDLE): () => Promise<Bundle> {
  let pending: Promise<Bundle> | undefined;
  return () => {
    if (pending === undefined) {
      const started = prebuilt(prebuiltFile).then((found) => found ?? bundlePage(entry));
      pending = started;
      started.catch(() => {
        if (pending === started) pending = undefined;
      });
    }
    return pending;
  };
}
