/**
 * Rendering objects for responses, and Stripe's `expand[]`.
 *
 * Each object kind (`customer`, `invoice`, …) registers how it renders and which of its fields are expandable
 * (an id that can become the object it names) or expand-only (absent unless named in `expand`, like
 * `customer.tax`). Expand paths are checked before the request executes — a bad path is a 400 and nothing is
 * created — and applied afterwards on copies, never on stored objects.
 *
 * Rules, as Stripe has them: dotted paths expand recursively; at most 4 levels (a list's `data.` counts as one);
 * on lists and search results every path starts with `data.`; only expandable fields may be named.
 */
import { invalidParam } from './errors.js';
import type { Store } from './store.js';

export interface RenderContext {
  store: Store;
  /** Base URL of the local Stripe, for hosted pages (`hosted_invoice_url`, portal `url`). */
  baseUrl: string;
}

export interface ExpandableField {
  /** Kind of the object the id expands to, for validating deeper paths; absent = no deeper expansion. */
  target?: string;
  /** The rendered object for an id, or null when Stripe would return null (e.g. nothing to expand to). */
  resolve(id: string, ctx: RenderContext): unknown;
}

export interface Kind<T = never> {
  /** The response shape of a stored object; defaults to the object itself. */
  render?(item: T, ctx: RenderContext): unknown;
  /** Dotted paths within the object whose id value can be expanded. */
  expandable: Record<string, ExpandableField>;
  /**
   * Fields returned only when named in `expand`, by their dotted path within the rendered object
   * (`tax`, or a nested one like `features.subscription_update.products`). The function gets the rendered object.
   */
  includable?: Record<string, (item: T, ctx: RenderContext) => unknown>;
}

const kinds = new Map<string, Kind<unknown>>();

export function defineKind<T>(name: string, kind: Kind<T>): void {
  kinds.set(name, kind as Kind<unknown>);
}

function kindOf(name: string): Kind<unknown> {
  const kind = kinds.get(name);
  if (kind === undefined) throw new Error(`local Stripe: unknown object kind ${name}`);
  return kind;
}

const MAX_DEPTH = 4;

function cannotExpand(path: string, hint?: string): never {
  throw invalidParam('expand', `This property cannot be expanded (${path}).${hint ? ` ${hint}` : ''}`);
}

/** The longest expandable key that `segments` starts with. */
function matchExpandable(kind: Kind<unknown>, segments: readonly string[]): [string, ExpandableField] | undefined {
  let best: [string, ExpandableField] | undefined;
  for (const [key, field] of Object.entries(kind.expandable)) {
    const keySegments = key.split('.');
    if (keySegments.length > segments.length) continue;
    if (!keySegments.every((s, i) => s === segments[i])) continue;
    if (best === undefined || keySegments.length > best[0].split('.').length) best = [key, field];
  }
  return best;
}

function validatePath(kindName: string, segments: readonly string[], fullPath: string): void {
  const kind = kindOf(kindName);
  const match = matchExpandable(kind, segments);
  if (match !== undefined) {
    const rest = segments.slice(match[0].split('.').length);
    if (rest.length === 0) return;
    if (match[1].target === undefined) cannotExpand(fullPath);
    validatePath(match[1].target, rest, fullPath);
    return;
  }
  if (kind.includable?.[segments.join('.')] !== undefined) return;
  cannotExpand(fullPath);
}

export interface ExpandShape {
  kind: string;
  /** A list or search result: paths start with `data.`. */
  list?: boolean;
  /** Top-level expand-only fields of the envelope itself (`total_count` on search results). */
  envelopeFields?: readonly string[];
}

/** Checks every path before the request executes; throws Stripe's 400 for the first bad one. */
export function validateExpand(paths: readonly string[] | undefined, shape: ExpandShape): void {
  for (const path of paths ?? []) {
    const segments = path.split('.');
    if (segments.some((s) => s === '')) cannotExpand(path);
    if (segments.length > MAX_DEPTH) {
      throw invalidParam('expand', `You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`);
    }
    if (shape.list) {
      if (segments.length === 1 && shape.envelopeFields?.includes(path)) continue;
      if (segments[0] !== 'data') {
        cannotExpand(path, `You may want to try expanding 'data.${path}' instead.`);
      }
      if (segments.length === 1) cannotExpand(path);
      validatePath(shape.kind, segments.slice(1), path);
    } else {
      validatePath(shape.kind, segments, path);
    }
  }
}

type Json = Record<string, unknown>;

function expandValue(value: unknown, field: ExpandableField, rest: readonly string[], ctx: RenderContext): unknown {
  if (Array.isArray(value)) return value.map((v) => expandValue(v, field, rest, ctx));
  let expanded = value;
  if (typeof value === 'string') expanded = field.resolve(value, ctx);
  if (rest.length > 0 && field.target !== undefined && expanded !== null && typeof expanded === 'object') {
    expanded = expandIn(expanded as Json, field.target, rest, ctx);
  }
  return expanded;
}

/** A copy of `node` with `value` at `segments`, copying only the objects along the path (a null parent: unchanged). */
function setIn(node: Json, segments: readonly string[], value: unknown): Json {
  const [head, ...rest] = segments as [string, ...string[]];
  if (rest.length === 0) return { ...node, [head]: value };
  const child = node[head];
  if (child === null || typeof child !== 'object') return node;
  return { ...node, [head]: setIn(child as Json, rest, value) };
}

/** Returns a copy of `item` with one path expanded; copies only the objects along the path. */
function expandIn(item: Json, kindName: string, segments: readonly string[], ctx: RenderContext): Json {
  const kind = kindOf(kindName);
  const match = matchExpandable(kind, segments);
  if (match === undefined) {
    const include = kind.includable?.[segments.join('.')];
    return include === undefined ? item : setIn(item, segments, include(item as never, ctx));
  }
  const [key, field] = match;
  const keySegments = key.split('.');
  const rest = segments.slice(keySegments.length);
  const setAt = (node: Json, depth: number): Json => {
    const name = keySegments[depth] as string;
    const child = node[name];
    if (depth === keySegments.length - 1) return { ...node, [name]: expandValue(child, field, rest, ctx) };
    if (child === null || typeof child !== 'object') return node; // e.g. `parent` is null: nothing to expand
    // A list's `data` inside an object (`items.data.price.product` on a subscription): every element.
    if (Array.isArray(child)) {
      return { ...node, [name]: child.map((c: unknown) => (c !== null && typeof c === 'object' ? setAt(c as Json, depth + 1) : c)) };
    }
    return { ...node, [name]: setAt(child as Json, depth + 1) };
  };
  return setAt(item, 0);
}

/** Renders one stored object and applies (already validated) expand paths. */
export function renderObject(kindName: string, item: unknown, ctx: RenderContext, paths?: readonly string[]): Json {
  const kind = kindOf(kindName);
  let out = (kind.render ? kind.render(item as never, ctx) : item) as Json;
  for (const path of paths ?? []) out = expandIn(out, kindName, path.split('.'), ctx);
  return out;
}

/** The data paths of a list's expand (`data.customer` → `customer`). */
export function dataPaths(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).filter((p) => p.startsWith('data.')).map((p) => p.slice('data.'.length));
}

export function renderList(
  kindName: string,
  items: readonly unknown[],
  hasMore: boolean,
  url: string,
  ctx: RenderContext,
  paths?: readonly string[],
): { object: 'list'; data: Json[]; has_more: boolean; url: string } {
  const itemPaths = dataPaths(paths);
  return {
    object: 'list',
    data: items.map((item) => renderObject(kindName, item, ctx, itemPaths)),
    has_more: hasMore,
    url,
  };
}
