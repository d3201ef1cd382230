/**
 * Tracing's settings from the standard `OTEL_*` variables (`src/config-tracing.ts`), tested with env objects: when
 * tracing is on at all, how the endpoint, protocol, headers, resource and sampler are read, and that a problem
 * never quotes an OTLP header's value (a collector's credential).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadGatewayConfig } from '../../src/config.js';
import { tracingLocation, tracingSecrets, tracingSettings, type TracingSettings } from '../../src/config-tracing.js';
import { configProblems } from '../support/config.js';

type Env = Record<string, string | undefined>;

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.internal:4318' };

function read(env: Env, production = false): { settings: TracingSettings | undefined; problems: string[] } {
  const problems: string[] = [];
  const settings = tracingSettings(env, problems, { production });
  return { settings, problems };
}

function settingsOf(env: Env): TracingSettings {
  const { settings, problems } = read(env);
  expect(problems).toEqual([]);
  if (settings === undefined) throw new Error('expected tracing to be on');
  return settings;
}

describe('when tracing is on', () => {
  it('is off without an OTLP endpoint, whatever else is set', () => {
    expect(read({})).toEqual({ settings: undefined, problems: [] });
    expect(read({ OTEL_SERVICE_NAME: 'billing', OTEL_TRACES_SAMPLER: 'always_on' })).toEqual({ settings: undefined, problems: [] });
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, and on with false or otlp', () => {
    expect(read({ ...ENDPOINT, OTEL_SDK_DISABLED: 'true' })).toEqual({ settings: undefined, problems: [] });
    expect(read({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' }).settings).toBeUndefined();
    expect(read({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' })).toEqual({ settings: undefined, problems: [] });
    expect(settingsOf({ ...ENDPOINT, OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }).endpoint.href).toBe(
      'http://collector.internal:4318/v1/traces',
    );
  });

  it('refuses exporters and switches it does not know', () => {
    expect(read({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'zipkin', OTEL_SDK_DISABLED: 'maybe' }).problems).toEqual([
      "OTEL_SDK_DISABLED must be true or false, got 'maybe'",
      "OTEL_TRACES_EXPORTER must be otlp or none (spans go over OTLP/HTTP), got 'zipkin'",
    ]);
  });

  it('reaches config.observability.tracing through loadGatewayConfig, and a bad value stops start-up', () => {
    expect(loadGatewayConfig({}).observability.tracing).toBeUndefined();
    expect(loadGatewayConfig({ ...ENDPOINT }).observability.tracing?.endpoint.href).toBe('http://collector.internal:4318/v1/traces');
    expect(configProblems(loadGatewayConfig, ConfigError, { ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual([
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf (a collector\'s port 4318) or http/json',
    ]);
  });
});

describe('the endpoint and protocol', () => {
  it("appends /v1/traces to the shared endpoint, and takes the traces' own as it is", () => {
    expect(settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/otlp/' }).endpoint.href).toBe('https://otlp.example.com/otlp/v1/traces');
    expect(
      settingsOf({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/api/spans' }).endpoint.href,
    ).toBe('https://traces.example.com/api/spans');
  });

  it('refuses an endpoint that is not an http(s) URL without repeating it', () => {
    const { settings, problems } = read({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://user:token-123@collector' });
    expect(settings).toBeUndefined();
    expect(problems).toEqual(['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL such as http://127.0.0.1:4318 (an OTLP/HTTP collector)']);
  });

  it('shows the banner where spans go without the user part or query of the URL', () => {
    expect(tracingLocation(settingsOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://me:pw@otlp.example.com/v1/traces?token=t' }))).toBe(
      'https://otlp.example.com/v1/traces',
    );
  });

  it("defaults to http/protobuf; the traces' own protocol wins; grpc and others are refused", () => {
    expect(settingsOf(ENDPOINT).protocol).toBe('http/protobuf');
    expect(settingsOf({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
    expect(read({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' }).problems).toEqual([
      "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL must be http/protobuf or http/json, got 'thrift'",
    ]);
  });

  it('reads the timeout and compression, the traces’ own first', () => {
    expect(settingsOf(ENDPOINT)).toMatchObject({ timeoutMs: 10_000, compression: 'none' });
    expect(
      settingsOf({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TIMEOUT: '5000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }),
    ).toMatchObject({ timeoutMs: 2500, compression: 'gzip' });
    expect(read({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TIMEOUT: '-1', OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }).problems).toEqual([
      "OTEL_EXPORTER_OTLP_TIMEOUT must be a whole number of milliseconds above 0, got '-1'",
      "OTEL_EXPORTER_OTLP_COMPRESSION must be gzip or none, got 'brotli'",
    ]);
  });
});

describe('headers', () => {
  it("decodes key=value pairs, the traces' own winning per name, and hands their values to the log's redaction", () => {
    const settings = settingsOf({
      ...ENDPOINT,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20dXNlcjpwYXNz, x-tenant=acme',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=acme-traces',
    });
    expect(settings.headers).toEqual({ authorization: 'Basic dXNlcjpwYXNz', 'x-tenant': 'acme-traces' });
    expect(tracingSecrets(settings).sort()).toEqual(['Basic dXNlcjpwYXNz', 'acme-traces']);
    expect(tracingSecrets(undefined)).toEqual([]);
  });

  it('names a bad entry by its place, never by its value', () => {
    const { problems } = read({ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'api-key=ok-value,sk-live-secret-value,x=%E0%A4%A' });
    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS: entry 2 of 3 is not key=value',
      'OTEL_EXPORTER_OTLP_HEADERS: the value of entry 3 of 3 is not valid percent-encoding',
    ]);
    expect(problems.join('\n')).not.toContain('sk-live-secret-value');
  });

  it('must go over https in production when set, unless to a loopback collector', () => {
    const headers = { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc' };
    expect(read({ ...ENDPOINT, ...headers }, true).problems).toEqual([
      'OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT must use https in production when OTLP headers are set (plain http only to a loopback host): they usually carry a credential',
    ]);
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com', ...headers }, true).problems).toEqual([]);
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', ...headers }, true).problems).toEqual([]);
    // Without a credential, an in-cluster collector over plain http is fine.
    expect(read(ENDPOINT, true).problems).toEqual([]);
  });
});

describe('the resource and the sampler', () => {
  it('names the service by OTEL_SERVICE_NAME, else the resource attributes, else billing-gateway', () => {
    expect(settingsOf(ENDPOINT)).toMatchObject({ serviceName: 'billing-gateway', resourceAttributes: { 'service.name': 'billing-gateway' } });
    const fromResource = settingsOf({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: 'service.name=billing-eu,deployment.environment.name=prod%20eu' });
    expect(fromResource.serviceName).toBe('billing-eu');
    expect(fromResource.resourceAttributes).toEqual({ 'service.name': 'billing-eu', 'deployment.environment.name': 'prod eu' });
    expect(settingsOf({ ...ENDPOINT, OTEL_SERVICE_NAME: 'gw', OTEL_RESOURCE_ATTRIBUTES: 'service.name=other' }).resourceAttributes).toEqual({ 'service.name': 'gw' });
    expect(read({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: 'novalue' }).problems).toEqual(["OTEL_RESOURCE_ATTRIBUTES: its entry is not key=value (got 'novalue')"]);
  });

  it('defaults to parentbased_always_on, reads a ratio for the ratio samplers, and refuses the rest', () => {
    expect(settingsOf(ENDPOINT).sampler).toEqual({ kind: 'parentbased_always_on' });
    expect(settingsOf({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).sampler).toEqual({
      kind: 'parentbased_traceidratio',
      ratio: 0.25,
    });
    expect(settingsOf({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'traceidratio' }).sampler).toEqual({ kind: 'traceidratio', ratio: 1 });
    expect(read({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }).problems).toEqual([
      "OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1 for traceidratio, got '1.5'",
    ]);
    expect(read({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'jaeger_remote' }).problems).toEqual([
      "OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got 'jaeger_remote'",
    ]);
  });
});
