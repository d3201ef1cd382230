/**
 * Where the demo page's script comes from: the production build's prebuilt file when there is one (dist/ holds no
 * TypeScript to bundle), else esbuild over the sources; a missing prebuilt file is not an error, a broken entry is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlePage, lazyBundle, PAGE_ENTRY, PREBUILT_BUNDLE } from '../../src/demo/bundle.js';

const dir = mkdtempSync(join(tmpdir(), 'demo-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the demo page bundle', () => {
  it('serves a prebuilt file as it is, with the ETag of its content, without bundling', async () => {
    const prebuilt = join(dir, 'app.bundle.js');
    writeFileSync(prebuilt, 'console.log("prebuilt");');
    // An entry that cannot be bundled: only the prebuilt file can answer.
    const bundle = await lazyBundle(join(dir, 'missing.ts'), prebuilt)();
    expect(bundle.code).toBe('console.log("prebuilt");');
    expect(bundle.etag).toBe((await lazyBundle(join(dir, 'missing.ts'), prebuilt)()).etag);
    writeFileSync(prebuilt, 'console.log("other");');
    expect((await lazyBundle(join(dir, 'missing.ts'), prebuilt)()).etag).not.toBe(bundle.etag);
  });

  it('bundles the sources when there is no prebuilt file, as `npm run dev` and the tests run', async () => {
    expect(PREBUILT_BUNDLE.endsWith(join('src', 'demo', 'app.bundle.js'))).toBe(true);
    const bundle = await lazyBundle(PAGE_ENTRY, join(dir, 'none.js'))();
    expect(bundle.code).toBe((await bundlePage()).code);
    expect(bundle.code).toContain('/graphql');
  });

  it('fails, and tries again on the next call, when neither exists', async () => {
    const load = lazyBundle(join(dir, 'missing.ts'), join(dir, 'none.js'));
    await expect(load()).rejects.toThrow();
    writeFileSync(join(dir, 'none.js'), 'late();');
    expect((await load()).code).toBe('late();');
  });
});
