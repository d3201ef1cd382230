/**
 * An OTLP/HTTP trace receiver in the test's own process (node:http, port 0), standing in for an OpenTelemetry
 * collector: it decodes OTLP/JSON exports into spans with plain attributes, and keeps protobuf exports as bytes (the
 * tests look for the trace id's 16 bytes in them, without a protobuf decoder). Every export's headers are kept, so
 * that tests can see what reached the collector, and what did not.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttributeValue = string | number | boolean | undefined;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's numbers: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string | undefined };
  events: Array<{ name: string; attributes: Record<string, AttributeValue> }>;
  resource: Record<string, AttributeValue>;
  scope: string;
}

export interface ReceivedExport {
  path: string;
  contentType: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue ?? value.doubleValue;
  }
  return out;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  status?: { code?: number; message?: string };
  events?: Array<{ name: string; attributes?: OtlpAttribute[] }>;
}

interface OtlpTraces {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }> }>;
}

function spansOf(body: OtlpTraces): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
        status: { code: span.status?.code ?? 0, message: span.status?.message },
        events: (span.events ?? []).map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
        resource,
        scope: scopeSpans.scope?.name ?? '',
      })),
    );
  });
}

export interface OtlpReceiver {
  /** The base URL, e.g. `http://127.0.0.1:43123` (OTEL_EXPORTER_OTLP_ENDPOINT). */
  url: string;
  /** Every span of every OTLP/JSON export so far, in arrival order. */
  spans: ReceivedSpan[];
  /** Every export, JSON or protobuf, as it arrived. */
  exports: ReceivedExport[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const exports: ReceivedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = request.headers['content-type'];
      exports.push({ path: request.url ?? '', contentType, headers: request.headers, body });
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      if (contentType?.startsWith('application/json')) {
        try {
          spans.push(...spansOf(JSON.parse(body.toString('utf8')) as OtlpTraces));
        } catch {
          response.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"not OTLP/JSON"}');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        // An empty ExportTraceServiceResponse is zero bytes.
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    exports,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
