/**
 * Relay connections over Stripe's cursor pagination. A cursor is the Stripe id of its edge, then a short tag:
 * `in_1Abc….Xy3…`. Paging maps one to one: `first`/`after` → `limit`/`starting_after`, `last`/`before` →
 * `limit`/`ending_before`. Edges are in Stripe's list order both ways. `pageInfo`: going forward, `hasNextPage` is
 * Stripe's `has_more` and `hasPreviousPage` is whether a cursor was given (something precedes it); going backward,
 * the other way round.
 *
 * `last` needs `before`: Stripe pages backward only from a cursor, and walking a whole list to find its end
 * would cost a call per page. Bad combinations are refused before any Stripe call.
 *
 * Cursors cannot be forged. Stripe pages from any object it knows, and tells which it does not: a cursor that was
 * a bare id would let a customer ask Stripe about another customer's objects ("is `in_…` an invoice?") and page
 * around them. The tag is an HMAC of the id, the list and the caller's scope (a customer's own id, or `admin`), so
 * a cursor works only for the caller it was given to, on its list, and anything else is refused with no Stripe
 * call. The key is derived from the Stripe secret key: every replica agrees, and there is no setting to add.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Viewer } from '../auth/viewer.js';
import type { Page, PageRequest } from '../stripe/gateway.js';
import { notACursor } from '../stripe/errors.js';
import { builder, type Args, type Ref } from './builder.js';
import { badInput } from './errors.js';
import { stripeCalls } from './stripe-calls.js';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

/** A connection field: one with a `first` or `last` argument (what the cost limit and the call estimate multiply by). */
export const isConnectionField = (field: { args: readonly { name: string }[] }): boolean =>
  field.args.some((arg) => arg.name === 'first' || arg.name === 'last');

export interface ConnectionArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

export interface CursorRequest extends PageRequest {
  direction: 'forward' | 'backward';
  /** The list the cursors belong to (the connection's name: `Invoice`, `Customer`, …). */
  list: string;
}

/** Whose cursors: a customer's are bound to its customer id; all admins share one scope (services pass cursors on). */
export type CursorScope = 'admin' | `customer:${string}`;

export function cursorScope(viewer: Viewer): CursorScope {
  return viewer.role === 'ADMIN' ? 'admin' : `customer:${viewer.role === 'CUSTOMER' ? viewer.customerId : ''}`;
}

/** What a Stripe list pages from: its ids are at most 255 characters (`il_tmp_…` lines have more than one `_`). */
const STRIPE_CURSOR = /^[A-Za-z0-9_]{3,255}$/;
/** 16 base64url characters: 96 bits of HMAC-SHA256, beyond guessing one request at a time. */
const TAG_LENGTH = 16;
const TAGGED = new RegExp(`^([A-Za-z0-9_]{3,255})\\.([A-Za-z0-9_-]{${TAG_LENGTH}})$`);

/**
 * The one cursor codec of every connection. `encode` what a page returns; `decode` what a caller sends back, to the
 * Stripe id — or refuse it. Admins may also page from a bare Stripe id (one copied from the dashboard): they may
 * read any object, so Stripe's answer tells them nothing they could not ask for.
 */
export class CursorCodec {
  private readonly key: Buffer;

  /** `stripeSecretKey`: the gateway's own; the cursor key is derived from it, never the key itself used. */
  constructor(stripeSecretKey: string) {
    this.key = createHmac('sha256', stripeSecretKey).update('billing-gateway cursors v1').digest();
  }

  private tag(id: string, scope: CursorScope, list: string): Buffer {
    return createHmac('sha256', this.key).update(JSON.stringify([scope, list, id])).digest().subarray(0, (TAG_LENGTH * 3) / 4);
  }

  encode(id: string, scope: CursorScope, list: string): string {
    return `${id}.${this.tag(id, scope, list).toString('base64url')}`;
  }

  /** The Stripe id of a cursor this caller was given on this list; any other string is "not a cursor of this list". */
  decode(cursor: string, scope: CursorScope, list: string, field: 'after' | 'before'): string {
    const tagged = TAGGED.exec(cursor);
    if (tagged !== null) {
      const [, id, tag] = tagged as unknown as [string, string, string];
      if (timingSafeEqual(Buffer.from(tag, 'base64url'), this.tag(id, scope, list))) return id;
    } else if (scope === 'admin' && STRIPE_CURSOR.test(cursor)) {
      return cursor;
    }
    throw notACursor(field);
  }
}

/** The codec and the caller's scope, as a request's context carries them. */
export interface CursorContext {
  cursors: CursorCodec;
  viewer: Viewer;
}

function size(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badInput(`${name} must be between 1 and ${MAX_PAGE_SIZE}, got ${value}.`, name);
  }
  return value;
}

/**
 * Validates Relay arguments and turns them into Stripe's paging parameters, the cursor checked as this caller's on
 * `list` (the connection's name).
 */
export function pageRequest(ctx: CursorContext, args: ConnectionArgs, list: string): CursorRequest {
  const { first, after, last, before } = args;
  const cursor = (value: string, field: 'after' | 'before') => ctx.cursors.decode(value, cursorScope(ctx.viewer), list, field);
  if (first != null && last != null) throw badInput('Use either first/after or last/before, not both.', 'last');
  if (after != null && before != null) throw badInput('Use either after or before, not both.', 'before');
  if (last != null || before != null) {
    if (first != null || after != null) throw badInput('Use either first/after or last/before, not both.', 'before');
    if (before == null) {
      throw badInput('last needs before: Stripe pages backward from a cursor. Use first to start from the newest.', 'last');
    }
    return { direction: 'backward', list, limit: size(last ?? DEFAULT_PAGE_SIZE, 'last'), endingBefore: cursor(before, 'before') };
  }
  return {
    direction: 'forward',
    list,
    limit: size(first ?? DEFAULT_PAGE_SIZE, 'first'),
    ...(after != null ? { startingAfter: cursor(after, 'after') } : {}),
  };
}

/**
 * A page as a connection, each edge with this caller's cursor. A cursor's tag is an HMAC (~7 µs): it is made when a
 * query reads it, not for every edge of every page (a page of 100 whose `cursor`s nobody selects makes none).
 */
export function toConnection<T extends { id: string }, N>(
  ctx: CursorContext,
  page: Page<T>,
  request: CursorRequest,
  toNode: (item: T) => N,
): Connection<N> {
  const scope = cursorScope(ctx.viewer);
  const edges: Edge<N>[] = page.data.map((item) => {
    let cursor: string | undefined;
    return {
      get cursor() {
        return (cursor ??= ctx.cursors.encode(item.id, scope, request.list));
      },
      node: toNode(item),
    };
  });
  const forward = request.direction === 'forward';
  return {
    edges,
    pageInfo: {
      hasNextPage: forward ? page.hasMore : request.endingBefore !== undefined,
      hasPreviousPage: forward ? request.startingAfter !== undefined : page.hasMore,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
  };
}

export const PageInfoRef = builder.objectRef<PageInfo>('PageInfo').implement({
  description: 'Where a page sits in the whole list (Relay).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'More items follow the last edge (page on with `first`/`after: endCursor`).' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', {
      description: 'Items precede the first edge (page back with `last`/`before: startCursor`).',
    }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'Cursor of the first edge; null on an empty page.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Cursor of the last edge; null on an empty page.' }),
  }),
});

/** `XConnection` and `XEdge` for a node type. */
export function defineConnection<N>(nodeRef: Ref<N>, name: string, noun: string): Ref<Connection<N>> {
  const edge = builder.objectRef<Edge<N>>(`${name}Edge`).implement({
    description: `One ${noun} in a page, with its cursor.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', {
        description:
          'Pass as `after` or `before` to page from here. The edge’s Stripe id, a dot, and a tag that ties it to this list and ' +
          'to you: it works only for the caller it was given to.',
      }),
      node: t.expose('node', { type: nodeRef, description: `The ${noun}.` }),
    }),
  });
  return builder.objectRef<Connection<N>>(`${name}Connection`).implement({
    description: `A page of ${noun}s, newest first (Relay connection over Stripe's cursor pagination).`,
    fields: (t) => ({
      edges: t.field({
        type: [edge],
        description: `The ${noun}s on this page, newest first.`,
        // As many as the connection's page size: what is below each edge is counted that many times.
        extensions: stripeCalls(undefined, { listSize: 'page' }),
        resolve: (c) => c.edges,
      }),
      pageInfo: t.field({ type: PageInfoRef, description: 'Paging information.', resolve: (c) => c.pageInfo }),
    }),
  });
}

const CURSOR_ARG =
  'A `cursor`, `startCursor` or `endCursor` this list gave you; admins may also pass a bare Stripe id (e.g. from the ' +
  'dashboard). Anything else is refused as "not a cursor of this list".';

/** The Relay arguments every connection field takes. */
export const connectionArgs = (t: { arg: Args }) => ({
  first: t.arg.int({ required: false, description: `Page forward: how many (1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).` }),
  after: t.arg.string({ required: false, description: `Page forward from this cursor (exclusive). ${CURSOR_ARG}` }),
  last: t.arg.int({ required: false, description: `Page backward: how many (1–${MAX_PAGE_SIZE}); needs \`before\`.` }),
  before: t.arg.string({ required: false, description: `Page backward from this cursor (exclusive). ${CURSOR_ARG}` }),
});
