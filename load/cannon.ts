/** autocannon as the load run's two instances (the workload's, the flood's) use it against the gateway's /graphql. */
import autocannon from 'autocannon';

/** What every request to /graphql sends, beside its body (and the workload's Authorization). */
export const GRAPHQL_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json;q=0.9',
} as const;

/** Runs autocannon on `connections` connections for `seconds` against `url` (the gateway's /graphql), POSTing `request`. */
export function cannon(url: string, seconds: number, connections: number, request: autocannon.Request): Promise<autocannon.Result> {
  const target = new URL(url);
  return autocannon({
    url: target.origin,
    connections,
    pipelining: 1,
    duration: seconds,
    // A slow answer is measured, not dropped: the latency figures show it.
    timeout: 30,
    requests: [{ ...request, method: 'POST', path: target.pathname }],
  });
}
