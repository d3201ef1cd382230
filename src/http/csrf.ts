/** CSRF prevention (Yoga's plugin), answered with the contract's code. */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { Plugin } from 'graphql-yoga';
import { appError } from '../errors.js';

/** Headers that mark a GET (or a simple-content-type POST) as not a plain cross-site form or link. */
export const CSRF_HEADERS = ['x-graphql-csrf', 'graphql-require-preflight', 'x-graphql-yoga-csrf'];

/**
 * Yoga's CSRF prevention: a request a browser could send cross-site without a CORS preflight (a GET, or a POST
 * with a form or text/plain content type) must carry one of `CSRF_HEADERS`; refused with FORBIDDEN, 403.
 */
export function useCsrf(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        csrf.onRequestParse?.(payload);
      } catch {
        throw appError(
          'FORBIDDEN',
          `This request could come from another site: send it as application/json, or add one of the headers ${CSRF_HEADERS.join(', ')}.`,
          { http: { status: 403 } },
        );
      }
    },
  };
}
