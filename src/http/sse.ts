/**
 * Our Server-Sent Events result processor, in place of Yoga's for every `Accept: text/event-stream` response. The
 * framing is Yoga's own (and graphql-sse's "distinct connections" mode): `event: next` with a GraphQL result as
 * `data:`, and `event: complete` at the end. What Yoga's does not do, this does:
 *
 * - `id: <evt_…>` before each payload of a subscription: the Stripe event it answers, which a client sends back as
 *   `Last-Event-ID` when it reconnects (`src/events/hub.ts` replays what it missed). Right after the stream opens,
 *   an `id:` line alone (no event) carries the latest event the gateway had accepted, so that a client which hears
 *   nothing before its connection drops still resumes from there.
 * - a heartbeat comment (`: heartbeat`) every `SSE_HEARTBEAT_MS` (default 15 s) while the stream is idle, so that
 *   proxies and load balancers do not close it; and `X-Accel-Buffering: no`, so that nginx does not hold events back.
 *
 * The stream is pulled: the next payload is read (and its objects re-read from Stripe) only when the socket has
 * taken the previous one, so a consumer that stops reading makes the hub's queue coalesce, not this buffer grow.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { EVENT_ID, isResumeMarker, RESUME_FROM, type LiveResult } from '../graphql/live.js';

type ResultProcessor = Parameters<Parameters<NonNullable<Plugin['onResultProcess']>>[0]['setResultProcessor']>[0];

/** What Yoga's own serialiser leaves out of a result: `extensions.http` (status and headers) and internals. */
function serialise(result: ExecutionResult): string {
  const errors = result.errors?.map((error) => {
    const { extensions, ...json } = error.toJSON();
    if (extensions === undefined) return json;
    const { http: _http, unexpected: _unexpected, ...rest } = extensions as Record<string, unknown>;
    return { ...json, extensions: rest };
  });
  const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  return JSON.stringify({
    ...(errors !== undefined ? { errors } : {}),
    ...('data' in result ? { data: result.data } : {}),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  });
}

/** The HTTP status of a result that ends before streaming: the largest `extensions.http.status` of its errors. */
function statusOf(result: ExecutionResult, headers: Record<string, string>): number {
  let status = 200;
  for (const error of result.errors ?? []) {
    const http = error.extensions['http'] as { status?: number; headers?: Record<string, string> } | undefined;
    if (http?.headers !== undefined) Object.assign(headers, http.headers);
    if (http?.status !== undefined && http.status > status) status = http.status;
  }
  return status;
}

export function sseProcessor(heartbeatMs: number): ResultProcessor {
  return (input, fetchAPI) => {
    const headers: Record<string, string> = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'Content-Encoding': 'none',
      'X-Accel-Buffering': 'no',
    };
    const single = !(Symbol.asyncIterator in input) && !Array.isArray(input) ? (input as ExecutionResult) : undefined;
    const status = single !== undefined ? statusOf(single, headers) : 200;
    const iterator: AsyncIterator<unknown> =
      single !== undefined || Array.isArray(input)
        ? ([single ?? input] as unknown[])[Symbol.iterator]() as unknown as AsyncIterator<unknown>
        : (input as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    const encoder = new fetchAPI.TextEncoder();
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      heartbeat = undefined;
    };
    const body = new fetchAPI.ReadableStream<Uint8Array>({
      start(controller) {
        // Some browsers hold a fetch until the first bytes arrive: a comment at once.
        controller.enqueue(encoder.encode(':\n\n'));
        heartbeat = setInterval(() => {
          // `null`: errored or closed for good; 0: the socket is not taking what is queued (no point adding more).
          if (controller.desiredSize === null) stop();
          else if (controller.desiredSize > 0) controller.enqueue(encoder.encode(': heartbeat\n\n'));
        }, heartbeatMs);
        heartbeat.unref();
      },
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done === true) {
            stop();
            controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
            controller.close();
            return;
          }
          const value = next.value;
          if (isResumeMarker(value)) {
            controller.enqueue(encoder.encode(`id: ${value[RESUME_FROM]}\n\n`));
            return;
          }
          const result = value as LiveResult;
          const id = result[EVENT_ID];
          controller.enqueue(encoder.encode(`${id !== undefined ? `id: ${id}\n` : ''}event: next\ndata: ${serialise(result)}\n\n`));
        } catch (error) {
          stop();
          controller.error(error);
        }
      },
      async cancel() {
        stop();
        await iterator.return?.();
      },
    });
    return new fetchAPI.Response(body, { status, headers });
  };
}

/** Puts `sseProcessor` in place of Yoga's for every response that goes out as `text/event-stream`. */
export function useServerSentEvents(heartbeatMs: number): Plugin {
  const processor = sseProcessor(heartbeatMs);
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      const accept = request.headers.get('accept') ?? '';
      if (!accept.includes('text/event-stream')) return;
      // A stream always goes out as SSE; a single result only when SSE is what the client prefers (Yoga chose it).
      const preferred = accept.split(',')[0]?.trim().startsWith('text/event-stream') ?? false;
      if (Symbol.asyncIterator in result || preferred) setResultProcessor(processor, 'text/event-stream');
    },
  };
}
