/**
 * OpenTelemetry tracing's settings, from the standard `OTEL_*` variables (the OpenTelemetry specification's names,
 * so that a platform's usual settings just work), read from the environment object `src/config.ts` hands over.
 *
 * Tracing is on only when an OTLP endpoint is set and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`
 * turns it off: a gateway with none of these loads nothing of OpenTelemetry. The exporter's headers usually carry a
 * vendor's API key, so a problem names a header's place in the list, never its value.
 */
import { isLoopback, type Env } from './config-values.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** The specification's samplers; `ratio` is `OTEL_TRACES_SAMPLER_ARG` for the two ratio-based ones. */
export type TracingSampler =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

export interface TracingSettings {
  /** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  endpoint: URL;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`; default `http/protobuf` (gRPC is not built in). */
  protocol: OtlpProtocol;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`, the traces' own winning per name. Secrets: never logged. */
  headers: Readonly<Record<string, string>>;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT` in milliseconds; default 10000. */
  timeoutMs: number;
  /** `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION`; default none. */
  compression: 'gzip' | 'none';
  /** `OTEL_SERVICE_NAME`, else `service.name` of `OTEL_RESOURCE_ATTRIBUTES`; default `billing-gateway`. */
  serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES` (`key=value,…`, values percent-decoded), `service.name` set to `serviceName`. */
  resourceAttributes: Readonly<Record<string, string>>;
  /** `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`; default `parentbased_always_on`. */
  sampler: TracingSampler;
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
type SamplerKind = (typeof SAMPLERS)[number];
const isSampler = (value: string): value is SamplerKind => (SAMPLERS as readonly string[]).includes(value);

/** The first of these variables that is set (the traces' own before the one for every signal). */
function firstSet(env: Env, ...names: string[]): { name: string; raw: string } | undefined {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (raw !== undefined && raw !== '') return { name, raw };
  }
  return undefined;
}

/** An http(s) URL; the value is not echoed, since endpoints sometimes carry a token in their query or user part. */
function endpointOf(env: Env, problems: string[]): URL | undefined {
  // The traces' own endpoint is used as it is; the shared one is a base, to which each signal appends its path.
  const own = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const found = own ?? firstSet(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (found === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(found.raw);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    problems.push(`${found.name} must be an http(s) URL such as http://127.0.0.1:4318 (an OTLP/HTTP collector)`);
    return undefined;
  }
  if (own === undefined) parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/v1/traces`;
  return parsed;
}

/**
 * `key=value,key2=value2` (the W3C Baggage form the specification uses), values percent-decoded. `secret`: the
 * values are credentials, so a bad entry is named by its place only.
 */
function keyValues(name: string, raw: string | undefined, secret: boolean, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined || raw.trim() === '') return out;
  const entries = raw.split(',').filter((entry) => entry.trim() !== '');
  entries.forEach((entry, i) => {
    const at = entry.indexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    const where = entries.length === 1 ? 'its entry' : `entry ${i + 1} of ${entries.length}`;
    if (key === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      problems.push(`${name}: ${where} is not key=value${secret ? '' : ` (got '${entry.trim()}')`}`);
      return;
    }
    try {
      out[key] = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      problems.push(`${name}: the value of ${secret ? where : `'${key}'`} is not valid percent-encoding`);
    }
  });
  return out;
}

function protocolOf(env: Env, problems: string[]): OtlpProtocol {
  const found = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (found === undefined) return 'http/protobuf';
  if (found.raw === 'http/protobuf' || found.raw === 'http/json') return found.raw;
  problems.push(
    found.raw === 'grpc'
      ? `${found.name}=grpc is not supported: use http/protobuf (a collector's port 4318) or http/json`
      : `${found.name} must be http/protobuf or http/json, got '${found.raw}'`,
  );
  return 'http/protobuf';
}

function samplerOf(env: Env, problems: string[]): TracingSampler {
  const raw = env['OTEL_TRACES_SAMPLER']?.trim() || 'parentbased_always_on';
  const kind: SamplerKind = isSampler(raw) ? raw : 'parentbased_always_on';
  if (!isSampler(raw)) problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')}, got '${raw}'`);
  if (kind !== 'traceidratio' && kind !== 'parentbased_traceidratio') return { kind };
  const arg = env['OTEL_TRACES_SAMPLER_ARG']?.trim() || '1';
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1 || !/^[\d.]+$/.test(arg)) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1 for ${kind}, got '${arg}'`);
    return { kind, ratio: 1 };
  }
  return { kind, ratio };
}

function timeoutOf(env: Env, problems: string[]): number {
  const found = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT');
  if (found === undefined) return 10_000;
  if (/^\d+$/.test(found.raw) && Number(found.raw) > 0) return Number(found.raw);
  problems.push(`${found.name} must be a whole number of milliseconds above 0, got '${found.raw}'`);
  return 10_000;
}

function compressionOf(env: Env, problems: string[]): 'gzip' | 'none' {
  const found = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION');
  if (found === undefined) return 'none';
  if (found.raw === 'none' || found.raw === 'gzip') return found.raw;
  problems.push(`${found.name} must be gzip or none, got '${found.raw}'`);
  return 'none';
}

/** Whether the specification's switches leave tracing on (`OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER`). */
function switchedOn(env: Env, problems: string[]): boolean {
  const disabled = env['OTEL_SDK_DISABLED']?.trim().toLowerCase();
  if (disabled !== undefined && disabled !== '' && disabled !== 'true' && disabled !== 'false') {
    problems.push(`OTEL_SDK_DISABLED must be true or false, got '${env['OTEL_SDK_DISABLED']}'`);
  }
  const exporter = env['OTEL_TRACES_EXPORTER']?.trim() || 'otlp';
  if (exporter !== 'otlp' && exporter !== 'none') {
    problems.push(`OTEL_TRACES_EXPORTER must be otlp or none (spans go over OTLP/HTTP), got '${exporter}'`);
  }
  return disabled !== 'true' && exporter !== 'none';
}

export function tracingSettings(env: Env, problems: string[], context: { production: boolean } = { production: false }): TracingSettings | undefined {
  if (!switchedOn(env, problems)) return undefined;
  const endpoint = endpointOf(env, problems);
  if (endpoint === undefined) return undefined;
  const headers = {
    ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', env['OTEL_EXPORTER_OTLP_HEADERS'], true, problems),
    ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'], true, problems),
  };
  if (context.production && Object.keys(headers).length > 0 && endpoint.protocol === 'http:' && !isLoopback(endpoint)) {
    problems.push(
      'OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT must use https in production when OTLP headers are set (plain http only to a loopback host): they usually carry a credential',
    );
  }
  const resourceAttributes = keyValues('OTEL_RESOURCE_ATTRIBUTES', env['OTEL_RESOURCE_ATTRIBUTES'], false, problems);
  const serviceName = env['OTEL_SERVICE_NAME']?.trim() || resourceAttributes['service.name'] || 'billing-gateway';
  return {
    endpoint,
    protocol: protocolOf(env, problems),
    headers,
    timeoutMs: timeoutOf(env, problems),
    compression: compressionOf(env, problems),
    serviceName,
    resourceAttributes: { ...resourceAttributes, 'service.name': serviceName },
    sampler: samplerOf(env, problems),
  };
}

/** The header values: whatever a log line would otherwise show of them is redacted. */
export function tracingSecrets(settings: TracingSettings | undefined): string[] {
  return Object.values(settings?.headers ?? {}).filter((value) => value.length > 0);
}

/** Where spans go, for the banner: no user part, no query (either may hold a token). */
export function tracingLocation(settings: TracingSettings): string {
  return `${settings.endpoint.origin}${settings.endpoint.pathname}`;
}
