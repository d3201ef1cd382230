/**
 * `/v1/events`: the account's events (made by the change journal, `events/journal.ts`), retrieve and list, as Stripe
 * serves them: newest first, the last 30 days only, filtered by `type` (one type, or a group with `*` as a wildcard:
 * `invoice.*`, `customer.subscription.*`), `types[]` (up to 20 exact types; not both), `created` (a timestamp or
 * `gt`/`gte`/`lt`/`lte`) and `delivery_success` (`false`: events some webhook endpoint is still owed or failed to
 * take, i.e. `pending_webhooks > 0`).
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, resourceMissing } from '../errors.js';
import { EVENT_RETENTION_SECONDS } from '../events/event-log.js';
import { defineKind, renderList, renderObject } from '../expand.js';
import { arr, bool, inRange, listParams, range, str } from '../params.js';

const KIND = 'event';
const LIST_URL = '/v1/events';

// Nothing of an event expands: `data.object` is the object as it was.
defineKind<Stripe.Event>(KIND, { expandable: {} });

const listShape = {
  ...listParams,
  type: str(),
  types: arr(str(), { max: 20 }),
  created: range(),
  delivery_success: bool(),
} as const;

/** `invoice.*` → /^invoice\..*$/: `*` stands for any run of characters, dots included. */
function typePattern(type: string): RegExp {
  const escaped = type.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

export const eventRoutes: Route[] = [
  route('GET', LIST_URL, (req) => {
    const params = readParams(req, listShape, { kind: KIND, list: true });
    if (params.type !== undefined && params.types !== undefined) {
      throw invalidParam('types', 'You may only specify one of these parameters: type, types.');
    }
    const pattern = params.type === undefined ? undefined : typePattern(params.type);
    const types = params.types === undefined ? undefined : new Set<string>(params.types);
    const oldest = req.store.nowSeconds() - EVENT_RETENTION_SECONDS;
    const page = req.store.events.events.page(
      params,
      (event) =>
        event.created >= oldest &&
        (pattern === undefined || pattern.test(event.type)) &&
        (types === undefined || types.has(event.type)) &&
        inRange(event.created, params.created) &&
        (params.delivery_success === undefined || params.delivery_success === (event.pending_webhooks === 0)),
    );
    return renderList(KIND, page.data, page.hasMore, LIST_URL, req.render, params.expand);
  }),
  route('GET', `${LIST_URL}/:id(evt_)`, (req) => {
    const params = readParams(req, { expand: listParams.expand }, { kind: KIND });
    const id = pathId(req);
    const event = req.store.events.get(id);
    if (event === undefined) throw resourceMissing(KIND, id);
    return renderObject(KIND, event, req.render, params.expand);
  }),
];
