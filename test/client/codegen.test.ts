/**
 * Every generated file is exactly what `npm run codegen` would write now: codegen runs here in memory (`generate(config,
 * false)` returns the outputs without writing them) and each output is compared with the file on disk. A schema field
 * or an operation changed without regenerating fails `npm test`. The last test proves the check can fail: codegen over
 * a changed schema no longer matches the committed files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type CodegenConfig } from '@graphql-codegen/cli';
import { buildSchema, printSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import config, { CLIENT_OUTPUT_DIR, MANIFEST_FILE, MANIFEST_HEADER, MANIFEST_HEADER_KEY, SCHEMA_HEADER, TS_HEADER } from '../../codegen.js';
import { sortedSchema } from '../../src/graphql/schema.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Output {
  filename: string;
  content: string;
}

async function generated(overrides: Partial<CodegenConfig> = {}): Promise<Output[]> {
  const outputs = (await generate({ ...config, ...overrides, cwd: ROOT, silent: true }, false)) as Output[];
  return outputs.map((o) => ({ filename: relative(ROOT, join(ROOT, o.filename)), content: o.content }));
}

/** The outputs whose file on disk differs (or is missing). */
async function stale(outputs: readonly Output[]): Promise<string[]> {
  const differing: string[] = [];
  for (const output of outputs) {
    const onDisk = await readFile(join(ROOT, output.filename), 'utf8').catch(() => undefined);
    if (onDisk !== output.content) differing.push(output.filename);
  }
  return differing;
}

describe('generated files', () => {
  let outputs: Output[];
  beforeAll(async () => {
    outputs = await generated();
  });

  it('are what `npm run codegen` generates now (run it and commit when this fails)', async () => {
    expect(outputs.map((o) => o.filename).sort()).toEqual(
      ['schema/schema.graphql', MANIFEST_FILE, `${CLIENT_OUTPUT_DIR}gql.ts`, `${CLIENT_OUTPUT_DIR}graphql.ts`, `${CLIENT_OUTPUT_DIR}index.ts`].sort(),
    );
    expect(await stale(outputs), 'stale generated files: run `npm run codegen` and commit the result').toEqual([]);
  });

  it('are all there is in src/client/generated/ (nothing left over from an old run)', async () => {
    const onDisk = (await readdir(join(ROOT, CLIENT_OUTPUT_DIR))).map((f) => `${CLIENT_OUTPUT_DIR}${f}`).sort();
    expect(onDisk).toEqual(outputs.filter((o) => o.filename.startsWith(CLIENT_OUTPUT_DIR)).map((o) => o.filename).sort());
  });

  it('each carry a do-not-edit header', () => {
    for (const { filename, content } of outputs) {
      if (filename.endsWith('.ts')) expect(content.startsWith(`${TS_HEADER}\n`), filename).toBe(true);
      else if (filename.endsWith('.graphql')) expect(content.startsWith(SCHEMA_HEADER), filename).toBe(true);
      else expect((JSON.parse(content) as Record<string, string>)[MANIFEST_HEADER_KEY], filename).toBe(MANIFEST_HEADER);
    }
  });

  it('go stale when the schema changes without a regeneration', async () => {
    // One more invoice status: the SDL and the generated enum type both change.
    const sdl = printSchema(sortedSchema()).replace(/(enum InvoiceStatus \{\n)/, '$1  """Only in this test."""\n  ON_HOLD\n');
    expect(sdl).toContain('ON_HOLD');
    const changed = await generated({ schema: buildSchema(sdl) });
    const differing = await stale(changed);
    expect(differing).toContain('schema/schema.graphql');
    expect(differing).toContain(`${CLIENT_OUTPUT_DIR}graphql.ts`);
  });
});
