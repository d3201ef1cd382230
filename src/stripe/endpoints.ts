/**
 * The name of a Stripe endpoint as Stripe's API reference writes it — `GET /v1/customers/{id}`,
 * `POST /v1/invoices/{id}/pay` — for metrics labels and span names: every object id in the path replaced by `{id}`,
 * the query string dropped, so that one endpoint is one label value however many objects are called.
 */

/**
 * A path segment is an object id when it has Stripe's shape: a lowercase prefix, `_`, and a random suffix (which
 * always holds a digit or a capital). `create_preview`, `billing_portal` and `search` are not ids.
 */
export const OBJECT_ID = /^[a-z]+(?:_[a-z]+)*_[A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*$/;

/** The path without its query, ids replaced: `/v1/customers/cus_X/balance_transactions` → `/v1/customers/{id}/balance_transactions`. */
export function endpointPath(path: string): string {
  const bare = path.split('?', 1)[0] ?? path;
  return bare
    .split('/')
    .map((segment, index) => (index >= 2 && OBJECT_ID.test(segment) ? '{id}' : segment))
    .join('/');
}

/** `GET /v1/customers/{id}`: method and templated path. */
export function stripeEndpoint(method: string, path: string): string {
  return `${method.toUpperCase()} ${endpointPath(path)}`;
}
