/**
 * GraphiQL, offline: the build from `@graphql-yoga/render-graphiql` (Yoga's default loads its assets from a CDN and
 * never renders without internet). That module is ~9 MB and costs ~300 MB of memory once imported, so it is
 * imported on the first GraphiQL request, and never when GraphiQL is off. It opens with the example operations
 * (`examples.ts`) and, in demo mode, the admin header.
 */
import { createHash } from 'node:crypto';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import { GRAPHQL_PATH } from './paths.js';

/** One tab GraphiQL opens with: an example document and its variables (JSON). */
export interface GraphiQLTab {
  query: string;
  variables?: string | undefined;
}

/** What GraphiQL opens with, until the browser has tabs of its own in local storage. */
export interface GraphiQLDefaults {
  /** One tab per example operation. */
  tabs?: readonly GraphiQLTab[];
  /** The document a tab starts with when there are no `tabs`. */
  query?: string;
  /**
   * Headers every opening tab (and every new tab) is pre-filled with. They are written into the page: demo mode
   * only (the demo admin key), never a real secret.
   */
  headers?: Readonly<Record<string, string>>;
}

export function graphiqlOptions(defaults: GraphiQLDefaults = {}): GraphiQLOptions {
  const headers = defaults.headers !== undefined ? JSON.stringify(defaults.headers, null, 2) : undefined;
  return {
    title: 'billing-gateway',
    ...(defaults.query !== undefined ? { defaultQuery: defaults.query } : {}),
    ...(defaults.tabs !== undefined && defaults.tabs.length > 0
      ? { defaultTabs: defaults.tabs.map((tab) => ({ query: tab.query, variables: tab.variables ?? null, headers: headers ?? null })) }
      : {}),
    // Yoga hands `headers` to GraphiQL as the headers of every new tab.
    ...(headers !== undefined ? { headers } : {}),
  };
}

/**
 * GraphiQL keeps its tabs, headers included, in the browser's local storage and prefers them to the defaults on
 * the next visit. The demo admin key and customer token are new on every `npm start`, so a stored tab would send
 * yesterday's key and get UNAUTHENTICATED. When the pre-filled headers change, this rewrites the stored tabs'
 * headers once (queries and variables are kept). On a first visit it also stores the opening tab's variables,
 * which GraphiQL reads from local storage rather than from the default tab.
 */
function graphiqlStorageScript(defaults: GraphiQLDefaults): string | undefined {
  const headers = defaults.headers !== undefined ? JSON.stringify(defaults.headers, null, 2) : undefined;
  const firstVariables = defaults.tabs?.[0]?.variables;
  if (headers === undefined && firstVariables === undefined) return undefined;
  const version = headers !== undefined ? createHash('sha256').update(headers).digest('hex').slice(0, 16) : undefined;
  // JSON.stringify output is safe inside a script once `<` is escaped.
  const literal = (value: string | undefined) => (value === undefined ? 'null' : JSON.stringify(value).replaceAll('<', '\\u003c'));
  return `<script>
(function () {
  try {
    var mark = 'billing-gateway:graphiql-headers', version = ${literal(version)}, headers = ${literal(headers)};
    var firstVariables = ${literal(firstVariables)};
    var stored = localStorage.getItem('graphiql:tabState');
    // First visit: GraphiQL takes the opening tab's variables from storage, not from the default tab.
    if (!stored && firstVariables !== null) localStorage.setItem('graphiql:variables', firstVariables);
    if (headers === null || localStorage.getItem(mark) === version) return;
    if (stored) {
      var state = JSON.parse(stored);
      (state.tabs || []).forEach(function (tab) { tab.headers = headers; });
      localStorage.setItem('graphiql:tabState', JSON.stringify(state));
    }
    // The active tab's headers, kept apart: stale, they would no longer match that tab and GraphiQL would open
    // an extra, empty tab.
    localStorage.setItem('graphiql:headers', headers);
    localStorage.setItem(mark, version);
  } catch (error) {
    localStorage.removeItem('graphiql:tabState');
  }
})();
</script>`;
}

/**
 * Renders the offline GraphiQL page, importing the renderer on first use. The options are fixed for the
 * instance, so the ~9 MB page is rendered once and reused.
 */
export function offlineGraphiQL(defaults: GraphiQLDefaults | undefined): (options: GraphiQLOptions) => Promise<string> {
  const refresh = defaults !== undefined ? graphiqlStorageScript(defaults) : undefined;
  let page: Promise<string> | undefined;
  return (options) => {
    page ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => {
      const html = renderGraphiQL(options);
      return refresh !== undefined ? html.replace('</head>', () => `${refresh}\n</head>`) : html;
    });
    // A failed import is retried on the next request rather than cached.
    page.catch(() => (page = undefined));
    return page;
  };
}

/** `GET /` in a browser goes to GraphiQL (it is also the demo portal's default return URL). */
export function rootToGraphiQL(): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method === 'GET' && url.pathname === '/') {
        endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: GRAPHQL_PATH } }));
      }
    },
  };
}
