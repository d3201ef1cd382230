/**
 * Late webhook deliveries: a real HTTP hop between the local Stripe and a gateway's `/webhooks/stripe`, as a slow
 * network or a busy load balancer would be. Each delivery is, by a seeded draw, passed on at once, held for a while
 * first, or — on an event's first attempt only — answered 503 without reaching the gateway, so that the local
 * Stripe's retry schedule brings it again later. Bytes and headers pass unchanged (the signature still verifies);
 * the gateway's answer is relayed as it is. The local Stripe's own faults (`reorder`, `duplicate`) happen before
 * this hop, so the three combine: late, duplicated and out of order.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../src/local-stripe/ids.js';

export interface LateDeliveryOptions {
  /** The gateway's webhook URL. */
  target: string;
  seed: number;
  /** Chance that a delivery is held before it is passed on. Default 0.3. */
  holdProbability?: number;
  /** The longest hold, in milliseconds. Default 400. */
  maxHoldMs?: number;
  /** Chance that an event's first attempt is refused with a 503 (Stripe retries it). Default 0.15. */
  refuseProbability?: number;
}

export interface LateDeliveryCounts {
  passed: number;
  held: number;
  refused: number;
}

export interface LateDeliveries {
  /** Point the local Stripe's forwarding here. */
  url: string;
  counts: LateDeliveryCounts;
  /** Deliveries being held or passed on right now. */
  inFlight(): number;
  stop(): Promise<void>;
}

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

const PASSED_HEADERS = ['content-type', 'stripe-signature', 'user-agent'];

export async function startLateDeliveries(options: LateDeliveryOptions): Promise<LateDeliveries> {
  const random = seededRandom(options.seed);
  const hold = options.holdProbability ?? 0.3;
  const maxHoldMs = options.maxHoldMs ?? 400;
  const refuse = options.refuseProbability ?? 0.15;
  const counts: LateDeliveryCounts = { passed: 0, held: 0, refused: 0 };
  const seen = new Set<string>();
  let inFlight = 0;

  const server: Server = createServer((request, response) => {
    inFlight++;
    response.once('close', () => inFlight--);
    void (async () => {
      const bytes = await body(request);
      const eventId = (/"id": "(evt_[A-Za-z0-9]+)"/.exec(bytes.toString('utf8')) ?? [])[1] ?? '';
      const first = !seen.has(eventId);
      seen.add(eventId);
      const draw = random();
      if (first && draw < refuse) {
        counts.refused++;
        response.writeHead(503, { 'retry-after': '1' }).end('held back by the late-delivery hop');
        return;
      }
      if (random() < hold) {
        counts.held++;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * maxHoldMs)));
      }
      counts.passed++;
      const headers: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(options.target, { method: 'POST', headers, body: new Uint8Array(bytes), signal: AbortSignal.timeout(10_000) });
      const text = await answer.text();
      response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(text);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    counts,
    inFlight: () => inFlight,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
