/**
 * "Off at no cost": a gateway without `OTEL_*` must load none of OpenTelemetry. Each case runs a real gateway in a
 * child process (demo mode, one GraphQL request that calls Stripe, then a stop) under a module-resolution hook that
 * writes down every module the process resolves; the same run with an OTLP endpoint set is the control, which must
 * show OpenTelemetry loaded and spans exported, so that the hook is known to see what it is asked about.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OPEN_TELEMETRY = /\/node_modules\/(@opentelemetry|@envelop\/opentelemetry)\/|\/src\/observability\/tracing[^/]*\.ts$/;

let dir: string;
let receiver: OtlpReceiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracing-off-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { log: process.env.MODULE_LOG } });
`,
  );
  const src = (file: string) => JSON.stringify(pathToFileURL(join(ROOT, 'src', file)).href);
  writeFileSync(
    join(dir, 'gateway.mts'),
    `import { startApp } from ${src('app.ts')};
import { loadGatewayConfig } from ${src('config.ts')};
const env = JSON.parse(process.argv[2] ?? '{}');
const app = await startApp(loadGatewayConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }));
const response = await fetch(app.graphqlUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer ' + app.demo.adminKey },
  body: JSON.stringify({ query: '{ customers(first: 2) { edges { node { id } } } }' }),
});
const body = await response.json();
await app.stop();
console.log(JSON.stringify({ status: response.status, customers: body.data?.customers?.edges?.length ?? null, traceresponse: response.headers.get('traceresponse') }));
`,
  );
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the gateway script with `env`; what it printed, and every module URL it resolved. */
async function runGateway(name: string, env: Record<string, string>): Promise<{ result: { status: number; customers: number | null; traceresponse: string | null }; modules: string[] }> {
  const log = join(dir, `${name}.modules`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'gateway.mts'), JSON.stringify(env)], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', MODULE_LOG: log, STRIPE_SUPPRESS_NOTICES: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`the gateway (${name}) exited with ${code}:\n${err}\n${out}`);
  const last = out.trim().split('\n').at(-1) ?? '';
  return { result: JSON.parse(last), modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('tracing off', () => {
  it('loads no OpenTelemetry module at all without OTEL_* (and with it, the control, loads them and exports)', { timeout: 90_000 }, async () => {
    const off = await runGateway('off', {});
    expect(off.result).toEqual({ status: 200, customers: 2, traceresponse: null });
    // The hook saw the gateway's own modules (so an empty list cannot pass for "nothing of OpenTelemetry").
    expect(off.modules.some((url) => url.endsWith('/src/app.ts'))).toBe(true);
    expect(off.modules.filter((url) => OPEN_TELEMETRY.test(url))).toEqual([]);

    const on = await runGateway('on', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(on.result.status).toBe(200);
    expect(on.result.customers).toBe(2);
    expect(on.result.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(on.modules.some((url) => url.includes('/node_modules/@opentelemetry/sdk-trace/'))).toBe(true);
    expect(on.modules.some((url) => url.includes('/node_modules/@envelop/opentelemetry/'))).toBe(true);
    const traceId = on.result.traceresponse!.split('-')[1];
    expect(receiver.spans.filter((span) => span.traceId === traceId).map((span) => span.name)).toContain('POST /graphql');
  });
});
