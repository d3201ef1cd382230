/**
 * Idempotent requests, as Stripe documents them: a POST with an `Idempotency-Key` stores its first result
 * (status and body, errors included, once the endpoint started executing); the same key with the same
 * parameters replays it with `Idempotent-Replayed: true`; with different parameters it is an
 * `idempotency_error`; while the first request is still in flight a second one gets 409. Keys are scoped to
 * the API key and account, and expire after 24 hours.
 */
import { createHash } from 'node:crypto';
import { idempotencyInFlight, idempotencyMismatch, invalidParam } from './errors.js';
import type { FormValue } from './form.js';

export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  fingerprint: string;
  createdAt: number;
  response: StoredResponse | undefined; // undefined while in flight
}

const TTL_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

function canonical(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] as FormValue)}`).join(',')}}`;
}

export function fingerprint(method: string, path: string, params: FormValue): string {
  return createHash('sha256').update(`${method} ${path} ${canonical(params)}`).digest('hex');
}

export type Claim =
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'execute'; complete(response: StoredResponse | undefined): void };

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** Claims `key` for this request, or returns the stored response to replay. Throws on conflicts. */
  claim(scope: string, key: string, print: string): Claim {
    if (key.length > MAX_KEY_LENGTH) {
      throw invalidParam('Idempotency-Key', `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters long.`);
    }
    const id = `${scope}\u0000${key}`;
    const now = this.now();
    const existing = this.entries.get(id);
    if (existing !== undefined && now - existing.createdAt < TTL_MS) {
      if (existing.fingerprint !== print) throw idempotencyMismatch(key);
      if (existing.response === undefined) throw idempotencyInFlight(key);
      return { kind: 'replay', response: existing.response };
    }
    const entry: Entry = { fingerprint: print, createdAt: now, response: undefined };
    this.entries.set(id, entry);
    return {
      kind: 'execute',
      complete: (response) => {
        // Not storable (validation failure, injected fault): forget the key so a retry executes afresh.
        if (response === undefined) this.entries.delete(id);
        else entry.response = response;
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }
}
