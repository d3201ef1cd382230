/**
 * Stripe's Search Query Language, for `/v1/customers/search` and `/v1/invoices/search`.
 *
 * Supported forms: `field:'value'` (exact, case-insensitive for text), `field~'sub'` (substring, at least 3
 * characters), `field>N` `<` `>=` `<=` on numbers, `-clause` (negation), `metadata['key']:'value'`,
 * `field:null` (missing value), clauses joined by `AND` or by `OR` (not both), at most 10 clauses.
 * Quoted strings take `\'` / `\"` / `\\` escapes. Results come newest first; `page` is an opaque cursor.
 */
import { readParams, route, type Route } from './api.js';
import { invalidParam } from './errors.js';
import { renderList } from './expand.js';
import { searchParams } from './params.js';
import type { Store } from './store.js';

type Op = ':' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  negated: boolean;
  field: string;
  /** For `metadata['key']`. */
  metadataKey: string | undefined;
  op: Op;
  value: string | number | null;
}

export interface Query {
  clauses: Clause[];
  join: 'AND' | 'OR';
}

export type FieldType = 'text' | 'token' | 'number';

/** How one searchable field reads its value from an object. */
export interface SearchField<T> {
  type: FieldType;
  get(item: T): string | number | null | undefined;
}

export interface Searchable<T> {
  /** `customers`, `invoices`: used in error messages. */
  resource: string;
  fields: Record<string, SearchField<T>>;
  metadata(item: T): Record<string, string> | null;
}

function queryError(message: string): never {
  throw invalidParam('query', message, 'parameter_invalid_string');
}

class Lexer {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(s: string): boolean {
    this.skipSpace();
    return this.text.startsWith(s, this.pos);
  }

  expect(s: string): void {
    if (!this.peek(s)) this.fail(`expected '${s}'`);
    this.pos += s.length;
  }

  word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a field name');
    this.pos += m[0].length;
    return m[0];
  }

  quoted(): string {
    this.skipSpace();
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail('expected a quoted string');
    this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++] as string;
      if (c === '\\') {
        const next = this.text[this.pos++];
        if (next === undefined) break;
        out += next;
      } else if (c === quote) {
        return out;
      } else {
        out += c;
      }
    }
    return this.fail('unterminated string');
  }

  fail(what: string): never {
    return queryError(
      `Invalid search query: ${what} at position ${this.pos} of \`${this.text.slice(0, 200)}\`. ` +
        'See https://stripe.com/docs/search#search-query-language for the query language.',
    );
  }
}

const OPS: Op[] = ['>=', '<=', ':', '~', '>', '<'];

export function parseQuery<T>(text: string, searchable: Searchable<T>): Query {
  const lexer: Lexer = new Lexer(text);
  const clauses: Clause[] = [];
  let join: 'AND' | 'OR' | undefined;
  if (lexer.done()) lexer.fail('empty query');
  for (;;) {
    let negated = false;
    if (lexer.peek('-')) {
      lexer.expect('-');
      negated = true;
    }
    const field = lexer.word();
    let metadataKey: string | undefined;
    if (field === 'metadata') {
      lexer.expect('[');
      metadataKey = lexer.quoted();
      lexer.expect(']');
    } else if (searchable.fields[field] === undefined) {
      queryError(
        `Field \`${field}\` is an unsupported search field for resource \`${searchable.resource}\`. ` +
          `See https://stripe.com/docs/search#query-fields-for-${searchable.resource} for a list of supported fields.`,
      );
    }
    lexer.skipSpace();
    const op = OPS.find((o) => lexer.text.startsWith(o, lexer.pos));
    if (op === undefined) lexer.fail('expected an operator (:, ~, >, <, >=, <=)');
    lexer.pos += op.length;
    lexer.skipSpace();
    let value: string | number | null;
    const next = lexer.text[lexer.pos];
    if (next === "'" || next === '"') {
      value = lexer.quoted();
    } else {
      const m = /^-?\d+(\.\d+)?|^null\b/.exec(lexer.text.slice(lexer.pos));
      if (!m) lexer.fail('expected a quoted string, a number or null');
      lexer.pos += m[0].length;
      value = m[0] === 'null' ? null : Number(m[0]);
    }
    const type = metadataKey !== undefined ? 'text' : (searchable.fields[field]?.type as FieldType);
    if (op === '~') {
      if (type !== 'text' || typeof value !== 'string') lexer.fail(`'~' only applies to text fields`);
      if (value.length < 3) queryError('Substring search (~) needs a value of at least 3 characters.');
    }
    if ((op === '>' || op === '<' || op === '>=' || op === '<=') && (type !== 'number' || typeof value !== 'number')) {
      lexer.fail(`'${op}' only applies to numeric fields`);
    }
    clauses.push({ negated, field, metadataKey, op, value });
    if (clauses.length > 10) queryError('A search query can have at most 10 clauses.');
    if (lexer.done()) break;
    const conj = lexer.word().toUpperCase();
    if (conj !== 'AND' && conj !== 'OR') lexer.fail(`expected AND or OR, found '${conj}'`);
    if (join !== undefined && join !== conj) queryError('A search query cannot combine AND and OR.');
    join = conj;
  }
  return { clauses, join: join ?? 'AND' };
}

function clauseMatches<T>(clause: Clause, item: T, searchable: Searchable<T>): boolean {
  const actual =
    clause.metadataKey !== undefined
      ? (searchable.metadata(item)?.[clause.metadataKey] ?? null)
      : (searchable.fields[clause.field]?.get(item) ?? null);
  const type = clause.metadataKey !== undefined ? 'text' : searchable.fields[clause.field]?.type;
  let result: boolean;
  if (clause.value === null) {
    result = actual === null || actual === '';
  } else if (actual === null) {
    result = false;
  } else if (clause.op === ':') {
    result =
      type === 'text'
        ? String(actual).toLowerCase() === String(clause.value).toLowerCase()
        : String(actual) === String(clause.value);
  } else if (clause.op === '~') {
    result = String(actual).toLowerCase().includes(String(clause.value).toLowerCase());
  } else {
    const a = Number(actual);
    const v = clause.value as number;
    result =
      clause.op === '>' ? a > v : clause.op === '<' ? a < v : clause.op === '>=' ? a >= v : a <= v;
  }
  return clause.negated ? !result : result;
}

export function matches<T>(query: Query, item: T, searchable: Searchable<T>): boolean {
  return query.join === 'AND'
    ? query.clauses.every((c) => clauseMatches(c, item, searchable))
    : query.clauses.some((c) => clauseMatches(c, item, searchable));
}

/** Opaque page tokens: the offset into the result list. */
export function decodePage(page: string | undefined): number {
  if (page === undefined) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(page, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  return queryErrorParam('page', `Invalid page: '${page.slice(0, 100)}'`);
}

function queryErrorParam(param: string, message: string): never {
  throw invalidParam(param, message);
}

export function encodePage(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** Runs a search over `items` (already newest first) and pages the result. */
export function search<T>(
  items: Iterable<T>,
  params: { query: string; limit?: number | undefined; page?: string | undefined },
  searchable: Searchable<T>,
): { data: T[]; hasMore: boolean; nextPage: string | null; totalCount: number } {
  const query = parseQuery(params.query, searchable);
  const offset = decodePage(params.page);
  const limit = params.limit ?? 10;
  const all: T[] = [];
  for (const item of items) if (matches(query, item, searchable)) all.push(item);
  const data = all.slice(offset, offset + limit);
  const hasMore = all.length > offset + limit;
  return { data, hasMore, nextPage: hasMore ? encodePage(offset + limit) : null, totalCount: all.length };
}

/**
 * `GET /v1/{resource}/search`: the query language over `items` (newest first), rendered as `kind`, in Stripe's
 * search-result envelope (`total_count` only with `expand[]=total_count`).
 */
export function searchRoute<T>(
  path: string,
  kind: string,
  items: (store: Store) => Iterable<T>,
  searchable: Searchable<T>,
): Route {
  return route('GET', path, (req) => {
    const params = readParams(req, searchParams, { kind, list: true, envelopeFields: ['total_count'] });
    const result = search(items(req.store), params, searchable);
    const list = renderList(kind, result.data, result.hasMore, path, req.render, params.expand);
    return {
      object: 'search_result',
      data: list.data,
      has_more: result.hasMore,
      next_page: result.nextPage,
      url: path,
      ...(params.expand?.includes('total_count') ? { total_count: result.totalCount } : {}),
    };
  });
}
