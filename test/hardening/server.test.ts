/**
 * Slow and numerous clients (issue 10): `startApp`'s `node:http` server closes a client whose headers
 * (`HTTP_HEADERS_TIMEOUT_MS`) or whole request (`HTTP_REQUEST_TIMEOUT_MS`) have not arrived in time, and closes
 * connections beyond `MAX_CONNECTIONS` as they arrive — while ordinary requests are served. Over real sockets
 * against the whole app in-process on port 0; every wait is bounded generously and fails with what it waited for.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverOptions, startApp, type App } from '../../src/app.js';
import { DEFAULT_HTTP_SERVER_LIMITS, loadGatewayConfig } from '../../src/config.js';

/** Resolves with `promise`, or rejects with `message` after `ms` (a bound on a wait, never a measurement). */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Client {
  socket: Socket;
  /** Everything the server sent, once it has closed the connection. */
  closed: Promise<string>;
}

/**
 * A raw client that sends `first` once connected, then `drip` every 200 ms until the server closes the
 * connection (`drip` empty: it sends nothing more).
 */
function client(port: number, first: string, drip = ''): Client {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  // A write racing the server's close fails (EPIPE, ECONNRESET): the close is what is being waited for.
  socket.on('error', () => {});
  socket.on('connect', () => {
    if (first !== '') socket.write(first);
    if (drip !== '') timer = setInterval(() => socket.writable && socket.write(drip), 200);
  });
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
  return { socket, closed };
}

async function adminRequest(app: App, init: RequestInit = {}): Promise<string> {
  const response = await fetch(app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${app.demo!.adminKey}` },
    body: JSON.stringify({ query: '{ viewer { role } }' }),
    ...init,
  });
  // The data alone (`extensions` reports the request's Stripe calls).
  return `${response.status} ${JSON.stringify(((await response.json()) as { data?: unknown }).data)}`;
}

describe('configuration', () => {
  const base = { STRIPE_SECRET_KEY: 'sk_test_abc', GATEWAY_API_KEYS: 'k'.repeat(20) };

  it('defaults to headers 10 s, request 30 s, keep-alive 5 s, 1000 connections; Node checks every 2 s', () => {
    expect(loadGatewayConfig(base).http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1_000 });
    expect(DEFAULT_HTTP_SERVER_LIMITS).toEqual(loadGatewayConfig(base).http);
    // Node's own default checks every 30 s: a 10 s timeout would be up to 40 s.
    expect(serverOptions(DEFAULT_HTTP_SERVER_LIMITS)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 2_000,
    });
  });

  it('reads HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS, MAX_CONNECTIONS', () => {
    const config = loadGatewayConfig({
      ...base,
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '4000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
      MAX_CONNECTIONS: '10',
    });
    expect(config.http).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 65_000, maxConnections: 10 });
  });

  it('refuses nonsense, one line per problem: sub-second timeouts, headers longer than the request, no connections', () => {
    const problems = (env: Record<string, string>): readonly string[] => {
      try {
        loadGatewayConfig({ ...base, ...env });
        return [];
      } catch (error) {
        return (error as { problems: string[] }).problems;
      }
    };
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '10', HTTP_REQUEST_TIMEOUT_MS: '30s', HTTP_KEEP_ALIVE_TIMEOUT_MS: '0', MAX_CONNECTIONS: '0' })).toEqual([
      "HTTP_HEADERS_TIMEOUT_MS must be a whole number of at least 1000, got '10'",
      "HTTP_REQUEST_TIMEOUT_MS must be a whole number of at least 1000, got '30s'",
      "HTTP_KEEP_ALIVE_TIMEOUT_MS must be a whole number of at least 1000, got '0'",
      "MAX_CONNECTIONS must be a whole number of at least 1, got '0'",
    ]);
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '15000' })).toEqual([
      'HTTP_HEADERS_TIMEOUT_MS (20000) must not exceed HTTP_REQUEST_TIMEOUT_MS (15000)',
    ]);
  });
});

describe('slow clients', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(
      loadGatewayConfig({
        PORT: '0',
        LOG_LEVEL: 'silent',
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
      }),
    );
  });
  afterAll(() => app?.stop());

  it('closes 150 slowloris connections after the headers timeout (408), serving an ordinary request meanwhile', async () => {
    const slow = [
      // Headers begun, a header line every 200 ms: never complete.
      ...Array.from({ length: 120 }, (_, i) => client(app.port, `POST /graphql HTTP/1.1\r\nHost: gateway\r\nX-Slow-${i}: `, 'a')),
      // Connected, and silent.
      ...Array.from({ length: 30 }, () => client(app.port, '')),
    ];
    // While they hang on, an ordinary client is answered.
    expect(await within(adminRequest(app), 10_000, 'an ordinary request was not answered beside the slow clients')).toBe(
      '200 {"viewer":{"role":"ADMIN"}}',
    );
    const answers = await within(
      Promise.all(slow.map((c) => c.closed)),
      30_000,
      'slow clients are still connected 30 s on: the headers timeout (1 s) did not close them',
    );
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(await adminRequest(app)).toBe('200 {"viewer":{"role":"ADMIN"}}');
  }, 60_000);

  it('closes a request whose body trickles in after the request timeout', async () => {
    const body = JSON.stringify({ query: '{ viewer { role } }' }).padEnd(1000, ' ');
    const trickle = client(
      app.port,
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nAuthorization: Bearer ${app.demo!.adminKey}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      ' ',
    );
    const answer = await within(trickle.closed, 30_000, 'a trickling body is still being read 30 s on: the request timeout (2 s) did not end it');
    // Nothing answered but the timeout: the gateway never saw the whole request.
    expect(answer).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  }, 60_000);

  it('announces its keep-alive timeout (HTTP_KEEP_ALIVE_TIMEOUT_MS) and closes an idle kept-alive connection', async () => {
    const kept = client(app.port, 'GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n');
    const answer = await within(kept.closed, 30_000, 'an idle kept-alive connection is still open 30 s on');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/\r\nKeep-Alive: timeout=3\r\n/i);
  }, 60_000);
});

describe('MAX_CONNECTIONS', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', MAX_CONNECTIONS: '5', HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000' }));
  });
  afterAll(() => app?.stop());

  /** A kept-alive connection that has been served once: the server has certainly accepted it. */
  async function held(): Promise<Client> {
    const c = client(app.port, '');
    let received = '';
    await within(
      new Promise<void>((resolve) => {
        c.socket.on('data', (chunk: string) => {
          received += chunk;
          if (received.includes('\r\n\r\n')) resolve();
        });
        c.socket.write('GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n');
      }),
      10_000,
      'a connection under the cap was not served',
    );
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    return c;
  }

  it('closes connections beyond the cap unanswered, and serves again once one is freed', async () => {
    const holders: Client[] = [];
    for (let i = 0; i < 5; i++) holders.push(await held());
    const refused = Array.from({ length: 3 }, () => client(app.port, 'GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n'));
    const answers = await within(Promise.all(refused.map((c) => c.closed)), 10_000, 'a connection over the cap was kept open');
    expect(answers).toEqual(['', '', '']);
    // The held ones are still served.
    expect(holders.every((c) => !c.socket.destroyed)).toBe(true);
    // One freed, a newcomer is served (the server counts the close when it sees it: retried for a while).
    holders.pop()!.socket.destroy();
    const served = await within(
      (async () => {
        for (;;) {
          const answer = await adminRequest(app, { headers: { 'content-type': 'application/json', authorization: `Bearer ${app.demo!.adminKey}`, connection: 'close' } }).catch(
            (error: unknown) => `failed: ${String(error)}`,
          );
          if (!answer.startsWith('failed')) return answer;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
      10_000,
      'no request was served after a connection under the cap was freed',
    );
    expect(served).toBe('200 {"viewer":{"role":"ADMIN"}}');
    for (const c of holders) c.socket.destroy();
  }, 60_000);
});
