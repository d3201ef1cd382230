/**
 * Stripe's form encoding, decoded.
 *
 * stripe-node sends nested objects as `flow_data[type]=…`, arrays as indexed brackets `expand[0]=a` (brackets left
 * unescaped), and Stripe's docs use curl's `expand[]=a`. Both arrive here as query strings (GET, DELETE) or
 * `application/x-www-form-urlencoded` bodies (POST). The decoder keeps every container an object with string
 * keys (`[]` becomes the next free index); whether a container is an array is decided by the parameter spec that
 * reads it (`params.ts`), so that `metadata[0]=x` stays a metadata key.
 */
import { invalidParam } from './errors.js';

export type FormValue = string | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw invalidParam(raw.slice(0, 40), `Invalid URL encoding in request: '${raw.slice(0, 40)}'`);
  }
}

/** `a[b][0]` → `['a', 'b', '0']`; `a[]` → `['a', '']`. Returns undefined for malformed names. */
function splitName(name: string): string[] | undefined {
  const open = name.indexOf('[');
  if (open === -1) return [name];
  const parts = [name.slice(0, open)];
  let rest = name.slice(open);
  while (rest.length > 0) {
    if (rest[0] !== '[') return undefined;
    const close = rest.indexOf(']');
    if (close === -1) return undefined;
    parts.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  return parts;
}

function nextIndex(container: FormObject): string {
  let i = 0;
  while (Object.hasOwn(container, String(i))) i++;
  return String(i);
}

/** Decodes one query string or form body into nested objects. The last of repeated plain keys wins. */
export function decodeForm(input: string, into: FormObject = {}): FormObject {
  if (input.length === 0) return into;
  for (const pair of input.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    const parts = splitName(name);
    if (parts === undefined || parts[0] === '') {
      throw invalidParam(name, `Invalid parameter name: '${name}'`);
    }
    let container = into;
    for (let i = 0; i < parts.length - 1; i++) {
      let key = parts[i] as string;
      if (key === '') key = nextIndex(container);
      const existing = container[key];
      if (typeof existing === 'string') {
        throw invalidParam(parts.slice(0, i + 1).join('.'), `Invalid value for ${name}: cannot mix a value and nested parameters`);
      }
      if (existing === undefined) {
        const created: FormObject = {};
        container[key] = created;
        container = created;
      } else {
        container = existing;
      }
    }
    let last = parts[parts.length - 1] as string;
    if (last === '') last = nextIndex(container);
    if (typeof container[last] === 'object') {
      throw invalidParam(name, `Invalid value for ${name}: cannot mix a value and nested parameters`);
    }
    container[last] = value;
  }
  return into;
}

/** Stripe's way of naming a nested parameter in errors: `flow_data[subscription_cancel][subscription]`. */
export function paramPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}[${key}]`;
}
