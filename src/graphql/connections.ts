/**
 * Relay connections over Stripe's cursor pagination. Cursors are Stripe ids, so paging maps one to one:
 * `first`/`after` → `limit`/`starting_after`, `last`/`before` → `limit`/`ending_before`. Edges are in Stripe's
 * list order both ways. `pageInfo`: going forward, `hasNextPage` is Stripe's `has_more` and `hasPreviousPage`
 * is whether a cursor was given (something precedes it); going backward, the other way round.
 *
 * `last` needs `before`: Stripe pages backward only from a cursor, and walking a whole list to find its end
 * would cost a call per page. Bad combinations are refused before any Stripe call.
 */
import type { Page, PageRequest } from '../stripe/gateway.js';
import { builder, type Args, type Ref } from './builder.js';
import { badInput } from './errors.js';
import { stripeCalls } from './stripe-calls.js';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

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
}

function size(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw badInput(`${name} must be between 1 and ${MAX_PAGE_SIZE}, got ${value}.`, name);
  }
  return value;
}

function cursor(value: string, name: string): string {
  if (!/^[A-Za-z0-9_]{3,255}$/.test(value)) throw badInput(`${name} is not a cursor this connection returned.`, name);
  return value;
}

/** Validates Relay arguments and turns them into Stripe's paging parameters. */
export function pageRequest(args: ConnectionArgs): CursorRequest {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw badInput('Use either first/after or last/before, not both.', 'last');
  if (after != null && before != null) throw badInput('Use either after or before, not both.', 'before');
  if (last != null || before != null) {
    if (first != null || after != null) throw badInput('Use either first/after or last/before, not both.', 'before');
    if (before == null) {
      throw badInput('last needs before: Stripe pages backward from a cursor. Use first to start from the newest.', 'last');
    }
    return { direction: 'backward', limit: size(last ?? DEFAULT_PAGE_SIZE, 'last'), endingBefore: cursor(before, 'before') };
  }
  return {
    direction: 'forward',
    limit: size(first ?? DEFAULT_PAGE_SIZE, 'first'),
    ...(after != null ? { startingAfter: cursor(after, 'after') } : {}),
  };
}

export function toConnection<T extends { id: string }, N>(
  page: Page<T>,
  request: CursorRequest,
  toNode: (item: T) => N,
): Connection<N> {
  const edges = page.data.map((item) => ({ cursor: item.id, node: toNode(item) }));
  const forward = request.direction === 'forward';
  return {
    edges,
    pageInfo: {
      hasNextPage: forward ? page.hasMore : request.endingBefore !== undefined,
      hasPreviousPage: forward ? request.startingAfter !== undefined : page.hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
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
      cursor: t.exposeString('cursor', { description: 'Pass as `after` or `before` to page from here (a Stripe id).' }),
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

/** The Relay arguments every connection field takes. */
export const connectionArgs = (t: { arg: Args }) => ({
  first: t.arg.int({ required: false, description: `Page forward: how many (1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).` }),
  after: t.arg.string({ required: false, description: 'Page forward from this cursor (exclusive).' }),
  last: t.arg.int({ required: false, description: `Page backward: how many (1–${MAX_PAGE_SIZE}); needs \`before\`.` }),
  before: t.arg.string({ required: false, description: 'Page backward from this cursor (exclusive).' }),
});
