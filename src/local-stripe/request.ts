/** Small readers of an incoming request: one header, the body (bounded), the `expand[]` paths. */
import type { IncomingMessage } from 'node:http';
import type { FormObject } from './form.js';

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `expand` as a list, in index order (`expand[0]`, `expand[1]`, …), whether sent as one value or indexed. */
export function expandList(params: FormObject): string[] {
  const raw = params['expand'];
  if (raw === undefined) return [];
  if (typeof raw === 'string') return [raw];
  return Object.keys(raw)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => raw[k])
    .filter((v): v is string => typeof v === 'string');
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The body as text; past 1 MiB the rest is read and dropped, so a huge body cannot fill memory. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
