/**
 * Test helpers for webhook deliveries: a real `node:http` receiver on port 0 that keeps every request it gets (raw
 * body, headers, arrival time) and answers as the test says (a status, or no answer at all, to make the sender time
 * out), and `waitFor`, a bounded poll that fails with a clear message instead of depending on timing.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  /** The body exactly as received (what a signature is checked on). */
  body: string;
  headers: IncomingHttpHeaders;
  /** The `Stripe-Signature` header. */
  signature: string;
  method: string;
  path: string;
  /** Milliseconds since the epoch when it arrived. */
  at: number;
}

/** What to answer to the n-th request (0-based): a status, or `'hang'` (never answer). */
export type Responder = (delivery: ReceivedDelivery, index: number) => number | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/webhooks` */
  url: string;
  readonly received: ReceivedDelivery[];
  /** Changes how later requests are answered (default: 200). */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(responder: Responder = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const hanging = new Set<ServerResponse>();
  let respond = responder;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = req.headers['stripe-signature'];
      const delivery: ReceivedDelivery = {
        body: Buffer.concat(chunks).toString('utf8'),
        headers: req.headers,
        signature: Array.isArray(header) ? (header[0] ?? '') : (header ?? ''),
        method: req.method ?? '',
        path: req.url ?? '',
        at: Date.now(),
      };
      received.push(delivery);
      const answer = respond(delivery, received.length - 1);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ received: answer < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    respond: (next) => {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls `check` until it returns a value other than undefined/false, for up to `timeoutMs` (default 10 s). */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
