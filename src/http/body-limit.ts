/** The request body limit (`MAX_BODY_BYTES`): 413 before a byte too many is read. */
import type { Plugin } from 'graphql-yoga';
import { appError } from '../errors.js';
import { limitError } from './limits.js';

/** A request's declared `Content-Length`: its number of bytes, `null` when it has none, `'invalid'` when unreadable. */
export function declaredLength(request: Request): number | null | 'invalid' {
  const value = request.headers.get('content-length');
  if (value === null) return null;
  return /^\d+$/.test(value) ? Number(value) : 'invalid';
}

/**
 * The body limit (`MAX_BODY_BYTES`), in place of Yoga's `maxRequestBodySize`, which pipes every body through a
 * counting stream. A valid `Content-Length` is checked against the limit and the body then read as it is: Node's
 * HTTP parser never hands over more bytes than `Content-Length` says. A body without one (chunked) is counted as it
 * streams in, and refused at the first byte too many.
 */
export function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () => limitError('body', `Request body too large: the limit is ${maxBytes} bytes.`, { max: maxBytes });
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const length = declaredLength(request);
      if (length === 'invalid') throw appError('BAD_USER_INPUT', 'Content-Length header is invalid.', { http: { status: 400 } });
      if (length !== null) {
        if (length > maxBytes) throw tooLarge();
        return;
      }
      if (requestParser === undefined || request.body === null) return;
      setRequestParser((req) => {
        if (req.body === null) return requestParser(req);
        let bytesRead = 0;
        const counted = req.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytesRead += chunk.byteLength;
              if (bytesRead > maxBytes) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        // @ts-expect-error `duplex` is not in the DOM typings; a streamed request body needs it.
        return requestParser(new Request(req.url, { method: req.method, headers: req.headers, signal: req.signal, body: counted, duplex: 'half' }));
      });
    },
  };
}
