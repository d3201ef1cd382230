/**
 * The control API under `/_local/`, for tests and tools beside the Stripe API: the request log
 * (`GET`/`DELETE /_local/requests`), fault injection (`GET`/`PUT`/`DELETE /_local/faults`) and a reset
 * (`POST /_local/reset`). Plain JSON, no auth: the local Stripe listens on loopback.
 */
import type { ServerResponse } from 'node:http';
import type { FaultOptions, Faults } from './faults.js';

export interface ControlTarget {
  readonly requests: readonly unknown[];
  clearRequests(): void;
  readonly faults: Faults;
  /** Undefined when the server was built without a reset (then `POST /_local/reset` is not served). */
  reset: (() => void) | undefined;
}

export function handleControl(target: ControlTarget, method: string, path: string, body: string, res: ServerResponse): void {
  const reply = (status: number, value: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  try {
    if (path === '/_local/requests' && method === 'GET') return reply(200, { data: target.requests });
    if (path === '/_local/requests' && method === 'DELETE') {
      target.clearRequests();
      return reply(200, { cleared: true });
    }
    if (path === '/_local/faults' && method === 'GET') return reply(200, target.faults.current);
    if (path === '/_local/faults' && method === 'PUT') {
      target.faults.set(JSON.parse(body || '{}') as FaultOptions);
      return reply(200, target.faults.current);
    }
    if (path === '/_local/faults' && method === 'DELETE') {
      target.faults.set(undefined);
      return reply(200, {});
    }
    if (path === '/_local/reset' && method === 'POST' && target.reset !== undefined) {
      target.reset();
      return reply(200, { reset: true });
    }
    return reply(404, { error: `no control endpoint ${method} ${path}` });
  } catch (error) {
    return reply(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
