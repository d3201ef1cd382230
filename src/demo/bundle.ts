/**
 * The demo page's script: `src/demo/page/main.ts` and what it imports (the typed client among them), bundled
 * by esbuild's JS API into one minified file, in memory. Built on the first request for it, not at start-up, so a
 * gateway that nobody opens the page of never pays for it; a failed build is retried on the next request.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const PAGE_ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

export interface Bundle {
  code: string;
  /** A strong ETag: the content's hash. */
  etag: string;
}

/** Browsers the bundle is written for: anything with ES2020 and the DOM APIs the page uses. */
const TARGET = ['chrome100', 'edge100', 'firefox100', 'safari15'];

export async function bundlePage(entry: string = PAGE_ENTRY): Promise<Bundle> {
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
  const code = file.text;
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
}

/** `bundlePage`, once: the first call builds, later calls share the result; a failure is forgotten. */
export function lazyBundle(entry: string = PAGE_ENTRY): () => Promise<Bundle> {
  let pending: Promise<Bundle> | undefined;
  return () => {
    if (pending === undefined) {
      const started = bundlePage(entry);
      pending = started;
      started.catch(() => {
        if (pending === started) pending = undefined;
      });
    }
    return pending;
  };
}
