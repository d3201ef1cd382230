/**
 * A slow hop: a real HTTP proxy between two parts of a test, as a slow network or a busy load balancer would be.
 * Every request is passed on unchanged (method, path, query, headers, bytes: signatures still verify) and the
 * answer relayed as it is; by seeded draws some are held first, or their answers held before they are relayed,
 * and — with `refuseFirstProbability` — the first request for a key (a webhook's event id) may be answered 503
 * without being passed on, so that the sender's retry brings it again later.
 *
 * Uses: between the local Stripe's webhook deliveries and a gateway (deliveries arrive late; the local Stripe's own
 * `reorder` and `duplicate` faults happen before the hop, so the three combine), and between a gateway and the
 * local Stripe (answers arrive a while after Stripe read its state, as over a real network: what a cache's race
 * guard is for).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../src/local-stripe/ids.js';

export interface SlowHopOptions {
  /** The origin requests are passed on to (`http://127.0.0.1:PORT`); the path and query are kept. */
  target: string;
  seed: number;
  /** Chance that a request (or, with `holdAnswers`, its answer) is held. Default 0.3. */
  holdProbability?: number;
  /** The longest hold, in milliseconds. Default 400. */
  maxHoldMs?: number;
  /** Hold answers on their way back instead of requests on their way in. */
  holdAnswers?: boolean;
  /** Chance that the first request for a key is answered 503 and not passed on. Default 0. */
  refuseFirstProbability?: number;
  /** The key of a request, from its body (default: the first `"id": "evt_…"`, a webhook's event id). */
  keyOf?: (body: string) => string | undefined;
}

export interface SlowHopCounts {
  passed: number;
  held: number;
  refused: number;
}

/** Answers held at the hop until `open()`. */
export interface Gate {
  /** How many answers it holds now. */
  held(): number;
  open(): void;
}

export interface SlowHop {
  /** `http://127.0.0.1:PORT`: use it in place of `target`. */
  url: string;
  counts: SlowHopCounts;
  /**
   * From now until `open()`, holds the answers to requests whose path and query match (after the target answered:
   * what they carry is the target's state when they passed).
   */
  gate(matches: (pathAndQuery: string) => boolean): Gate;
  /** Requests being held or passed on right now. */
  inFlight(): number;
  stop(): Promise<void>;
}

function bodyOf(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/** Hop-by-hop headers, and those `fetch` sets or undoes itself. */
const NOT_PASSED = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'content-encoding', 'accept-encoding']);

const eventIdOf = (body: string) => /"id": ?"(evt_[A-Za-z0-9]+)"/.exec(body)?.[1];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSlowHop(options: SlowHopOptions): Promise<SlowHop> {
  const random = seededRandom(options.seed);
  const holdProbability = options.holdProbability ?? 0.3;
  const maxHoldMs = options.maxHoldMs ?? 400;
  const refuse = options.refuseFirstProbability ?? 0;
  const keyOf = options.keyOf ?? eventIdOf;
  const counts: SlowHopCounts = { passed: 0, held: 0, refused: 0 };
  const seen = new Set<string>();
  let inFlight = 0;
  const gates = new Set<{ matches: (path: string) => boolean; held: number; opened: Promise<void>; open: () => void }>();
  const gateFor = (path: string) => [...gates].find((g) => g.matches(path));
  const hold = async () => {
    if (random() >= holdProbability) return;
    counts.held++;
    await sleep(Math.floor(random() * maxHoldMs));
  };

  const server: Server = createServer((request, response) => {
    inFlight++;
    response.once('close', () => inFlight--);
    void (async () => {
      const bytes = await bodyOf(request);
      if (refuse > 0) {
        const key = keyOf(bytes.toString('utf8'));
        const first = key !== undefined && !seen.has(key);
        if (key !== undefined) seen.add(key);
        if (first && random() < refuse) {
          counts.refused++;
          response.writeHead(503, { 'retry-after': '1' }).end('refused once by the slow hop');
          return;
        }
      }
      if (!options.holdAnswers) await hold();
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (!NOT_PASSED.has(name) && value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const method = request.method ?? 'GET';
      const answer = await fetch(new URL(request.url ?? '/', options.target), {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: new Uint8Array(bytes) }),
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      const text = Buffer.from(await answer.arrayBuffer());
      counts.passed++;
      const gate = gateFor(request.url ?? '/');
      if (gate !== undefined) {
        gate.held++;
        await gate.opened;
      } else if (options.holdAnswers) await hold();
      const relayed: Record<string, string> = {};
      answer.headers.forEach((value, name) => {
        if (!NOT_PASSED.has(name)) relayed[name] = value;
      });
      response.writeHead(answer.status, relayed).end(text);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502).end(`the slow hop could not pass this on: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    inFlight: () => inFlight,
    gate(matches) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      const gate = { matches, held: 0, opened, open: () => (gates.delete(gate), open()) };
      gates.add(gate);
      return { held: () => gate.held, open: gate.open };
    },
    async stop() {
      for (const gate of gates) gate.open();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
