/**
 * API keys on the wire: which key a request carries (`Bearer` or Basic auth, as the SDKs and curl send it), whether
 * the server accepts it, and the redacted form that is all a message or the request log ever shows.
 */
import type { IncomingMessage } from 'node:http';
import { authenticationInvalid, authenticationMissing } from './errors.js';
import type { FormObject, FormValue } from './form.js';

const KEY_PATTERN = /^(sk|rk)_test_[A-Za-z0-9]+$/;

/** `sk_test_****1234`: enough to recognise a key in a message, never the key itself. */
export function redactKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  const tail = key.length > prefix.length + 4 ? key.slice(-4) : '';
  return `${prefix}${'*'.repeat(Math.max(4, Math.min(24, key.length - prefix.length - tail.length)))}${tail}`;
}

function apiKeyFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]?.trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    return decoded.split(':')[0];
  }
  return '';
}

/**
 * The key of an `Authorization` header, if the server accepts it: one of `allowed`, or (when undefined) any
 * well-formed test key. Throws Stripe's 401s otherwise.
 */
export function authenticate(authorization: string | undefined, allowed: readonly string[] | undefined): string {
  const key = apiKeyFrom(authorization);
  if (key === undefined || key === '') throw authenticationMissing();
  const valid = allowed !== undefined ? allowed.includes(key) : KEY_PATTERN.test(key);
  if (!valid) throw authenticationInvalid(redactKey(key));
  return key;
}

/** Request headers for the log, lower-cased, with the key in `authorization` redacted. */
export function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = name === 'authorization' ? redactAuthorization(text) : text;
  }
  return out;
}

function redactAuthorization(value: string): string {
  const key = apiKeyFrom(value);
  const scheme = value.split(/\s+/)[0] ?? '';
  return key ? `${scheme} ${redactKey(key)}` : scheme;
}

/**
 * Request parameters for the log, with card data masked as Stripe's request logs mask it: a `card[number]` keeps
 * only its last four digits and a `card[cvc]` is starred out, wherever a `card` hash appears. The parameters the
 * handler reads are untouched (this is a copy).
 */
export function redactParams(params: FormObject): FormObject {
  const out: FormObject = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = typeof value === 'string' ? value : key === 'card' ? redactCard(value) : redactParams(value);
  }
  return out;
}

function redactCard(card: FormObject): FormObject {
  const out = redactParams(card);
  const mask = (value: FormValue | undefined, keep: number): string | undefined =>
    typeof value === 'string' ? `${'*'.repeat(Math.max(0, value.length - keep))}${value.slice(value.length - keep)}` : undefined;
  const number = mask(card['number'], 4);
  if (number !== undefined) out['number'] = number;
  const cvc = mask(card['cvc'], 0);
  if (cvc !== undefined) out['cvc'] = cvc;
  return out;
}
