/**
 * Declarative parameter specs for each endpoint, checked the way Stripe checks them: unknown parameters are
 * rejected (`parameter_unknown`), required ones must be present (`parameter_missing`), empty strings mean "unset"
 * and are only allowed where a field can be unset (`parameter_invalid_empty`), integers and enums are validated.
 * The spec also gives the handler a typed, decoded value.
 */
import {
  invalidParam,
  parameterInvalidEmpty,
  parameterInvalidInteger,
  parameterMissing,
  parameterUnknown,
} from './errors.js';
import { paramPath, type FormObject, type FormValue } from './form.js';

export interface Spec<T, R extends boolean = boolean> {
  readonly required: R;
  parse(value: FormValue, path: string): T;
}

type Infer<S> = S extends Spec<infer T, boolean> ? T : never;
export type Shape = Record<string, Spec<unknown>>;
export type InferShape<S extends Shape> = {
  [K in keyof S as S[K] extends Spec<unknown, true> ? K : never]: Infer<S[K]>;
} & {
  [K in keyof S as S[K] extends Spec<unknown, true> ? never : K]?: Infer<S[K]>;
};

function spec<T>(parse: (value: FormValue, path: string) => T): Spec<T, false> {
  return { required: false, parse };
}

/** Marks a spec as required: absent → `parameter_missing`. */
export function required<T>(s: Spec<T>): Spec<T, true> {
  return { required: true, parse: s.parse };
}

function scalar(value: FormValue, path: string): string {
  if (typeof value !== 'string') throw invalidParam(path, `Invalid ${path}: must be a string, not a hash`);
  return value;
}

/** A string; empty means "unset" only when `clearable`, and then parses to null. */
export function str(opts: { max?: number; clearable?: false }): Spec<string, false>;
export function str(opts: { max?: number; clearable: true }): Spec<string | null, false>;
export function str(): Spec<string, false>;
export function str(opts: { max?: number; clearable?: boolean } = {}): Spec<string | null, false> {
  return spec((value, path) => {
    const s = scalar(value, path);
    if (s === '') {
      if (opts.clearable) return null;
      throw parameterInvalidEmpty(path);
    }
    if (opts.max !== undefined && s.length > opts.max) {
      throw invalidParam(path, `Invalid ${path}: must be at most ${opts.max} characters`, 'parameter_invalid_string');
    }
    return s;
  });
}

export function oneOf<const V extends string>(values: readonly V[]): Spec<V, false> {
  return spec((value, path) => {
    const s = scalar(value, path);
    if (s === '') throw parameterInvalidEmpty(path);
    if (!(values as readonly string[]).includes(s)) {
      throw invalidParam(path, `Invalid ${path}: must be one of ${formatChoices(values)}`);
    }
    return s as V;
  });
}

function formatChoices(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`;
}

export function int(opts: { min?: number; max?: number } = {}): Spec<number, false> {
  return spec((value, path) => {
    const s = scalar(value, path);
    if (s === '') throw parameterInvalidEmpty(path);
    if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw parameterInvalidInteger(path, s);
    const n = Number(s);
    if (opts.min !== undefined && n < opts.min) throw rangeError(path, opts);
    if (opts.max !== undefined && n > opts.max) throw rangeError(path, opts);
    return n;
  });
}

function rangeError(path: string, opts: { min?: number; max?: number }) {
  const bounds =
    opts.min !== undefined && opts.max !== undefined
      ? `between ${opts.min} and ${opts.max}`
      : opts.min !== undefined
        ? `greater than or equal to ${opts.min}`
        : `less than or equal to ${opts.max}`;
  return invalidParam(path, `Invalid ${path}: must be ${bounds}`, 'parameter_invalid_integer');
}

export function bool(): Spec<boolean, false> {
  return spec((value, path) => {
    const s = scalar(value, path);
    if (s === 'true') return true;
    if (s === 'false') return false;
    if (s === '') throw parameterInvalidEmpty(path);
    throw invalidParam(path, `Invalid boolean: ${s}`, 'parameter_invalid_boolean');
  });
}

function asObject(value: FormValue, path: string): FormObject {
  if (typeof value === 'string') {
    throw invalidParam(path, `Invalid ${path}: must be a hash, not a string`, 'parameter_invalid_string');
  }
  return value;
}

/** Reads the fields of `raw` against `shape`; used for the top level of every request too. */
export function parseShape<S extends Shape>(raw: FormObject, shape: S, path = ''): InferShape<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    const fieldSpec = shape[key];
    const fieldPath = paramPath(path, key);
    if (fieldSpec === undefined) throw parameterUnknown(fieldPath);
    out[key] = fieldSpec.parse(raw[key] as FormValue, fieldPath);
  }
  for (const [key, fieldSpec] of Object.entries(shape)) {
    if (fieldSpec.required && out[key] === undefined) throw parameterMissing(paramPath(path, key));
  }
  return out as InferShape<S>;
}

export function obj<S extends Shape>(shape: S): Spec<InferShape<S>, false> {
  return spec((value, path) => parseShape(asObject(value, path), shape, path));
}

/** An object that may also be sent as `''` to unset it (parses to null). */
export function clearableObj<S extends Shape>(shape: S): Spec<InferShape<S> | null, false> {
  return spec((value, path) => (value === '' ? null : parseShape(asObject(value, path), shape, path)));
}

/** Indexed (`a[0]`) or appended (`a[]`) arrays; a bare string is taken as a one-element array, as Stripe does. */
export function arr<T>(item: Spec<T>, opts: { max?: number } = {}): Spec<T[], false> {
  return spec((value, path) => {
    if (typeof value === 'string') return value === '' ? [] : [item.parse(value, paramPath(path, '0'))];
    const keys = Object.keys(value);
    if (!keys.every((k) => /^\d+$/.test(k))) {
      throw invalidParam(path, `Invalid array: ${path} must be an array`, 'parameter_invalid_array');
    }
    keys.sort((a, b) => Number(a) - Number(b));
    if (opts.max !== undefined && keys.length > opts.max) {
      throw invalidParam(path, `Invalid ${path}: must have at most ${opts.max} elements`);
    }
    return keys.map((k) => item.parse(value[k] as FormValue, paramPath(path, k)));
  });
}

/**
 * Metadata as Stripe validates it: at most 50 keys, keys up to 40 characters without square brackets, values up
 * to 500 characters; `metadata[k]=` deletes a key, `metadata=` clears all. Parses to a patch.
 */
export function metadata(): Spec<Record<string, string | null> | null, false> {
  return spec((value, path) => {
    if (value === '') return null;
    const raw = asObject(value, path);
    const keys = Object.keys(raw);
    if (keys.length > 50) throw invalidParam(path, 'Invalid metadata: metadata can have at most 50 keys');
    const out: Record<string, string | null> = {};
    for (const key of keys) {
      const v = raw[key];
      const keyPath = paramPath(path, key);
      if (typeof v !== 'string') {
        throw invalidParam(keyPath, `Invalid value for ${keyPath}: metadata values must be strings`);
      }
      if (key.length > 40) {
        throw invalidParam(keyPath, `Metadata keys can have up to 40 characters (key '${key.slice(0, 60)}' is longer)`);
      }
      if (v.length > 500) {
        throw invalidParam(keyPath, `Metadata values can have up to 500 characters, but you passed in a value that is ${v.length} characters`);
      }
      out[key] = v === '' ? null : v;
    }
    return out;
  });
}

/** Applies a parsed metadata patch to existing metadata. */
export function applyMetadata(
  current: Record<string, string> | null | undefined,
  patch: Record<string, string | null> | null | undefined,
): Record<string, string> {
  if (patch === undefined) return { ...(current ?? {}) };
  if (patch === null) return {};
  const next: Record<string, string> = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next;
}

export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** A timestamp filter: an exact integer or `{gt, gte, lt, lte}`. */
export function range(): Spec<RangeFilter, false> {
  const bounds = obj({ gt: int(), gte: int(), lt: int(), lte: int() });
  return spec((value, path) => {
    if (typeof value === 'string') {
      const n = int().parse(value, path);
      return { gte: n, lte: n };
    }
    return bounds.parse(value, path);
  });
}

export function inRange(value: number | null | undefined, filter: RangeFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (value === null || value === undefined) return false;
  if (filter.gt !== undefined && !(value > filter.gt)) return false;
  if (filter.gte !== undefined && !(value >= filter.gte)) return false;
  if (filter.lt !== undefined && !(value < filter.lt)) return false;
  if (filter.lte !== undefined && !(value <= filter.lte)) return false;
  return true;
}

/** `expand[]`: a list of dotted paths. */
export const expand = (): Spec<string[], false> => arr(str({ max: 5000 }));

/** The pagination parameters every list endpoint takes. */
export const listParams = {
  limit: int({ min: 1, max: 100 }),
  starting_after: str(),
  ending_before: str(),
  expand: expand(),
} as const;

export const searchParams = {
  query: required(str({ max: 10_000 })),
  limit: int({ min: 1, max: 100 }),
  page: str(),
  expand: expand(),
} as const;

/** Address as Stripe accepts it in params (every field optional, `''` clears). */
export const addressShape = {
  city: str({ clearable: true }),
  country: str({ clearable: true }),
  line1: str({ clearable: true }),
  line2: str({ clearable: true }),
  postal_code: str({ clearable: true }),
  state: str({ clearable: true }),
} as const;
