/**
 * Security headers on every answer of the gateway (GraphQL, `/health`, GraphiQL):
 * - `Cache-Control: no-store`: answers depend on the caller (and GraphiQL's page carries demo mode's admin key), so
 *   no browser or proxy may keep one; a health check must never be answered from a cache either;
 * - `X-Content-Type-Options: nosniff`: a JSON answer echoing the caller's input is never sniffed into HTML or script;
 * - `Referrer-Policy: no-referrer`: links followed from GraphiQL (an invoice's hosted URL) leak nothing;
 * - framing denied: `X-Frame-Options: DENY`, and for everything but HTML `Content-Security-Policy: default-src
 *   'none'; frame-ancestors 'none'` (a JSON answer loads nothing). GraphiQL's page runs its inline scripts and
 *   styles, so it gets `frame-ancestors 'none'` alone.
 * A header an answer already carries is kept.
 */
import type { Plugin } from 'graphql-yoga';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
export const CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
export const HTML_CONTENT_SECURITY_POLICY = "frame-ancestors 'none'";

export function useSecurityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      const set = (name: string, value: string) => {
        if (!response.headers.has(name)) response.headers.set(name, value);
      };
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) set(name, value);
      const html = /^text\/html\b/i.test(response.headers.get('content-type') ?? '');
      set('content-security-policy', html ? HTML_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY);
    },
  };
}
