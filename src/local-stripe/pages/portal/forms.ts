/**
 * The portal's forms and their protection against cross-site request forgery. The session URL is the customer's
 * credential, so a page elsewhere that knows it (a leaked link, a referrer) must not be able to act with it:
 * every POST must carry the session's own form token (random, per session, only ever printed in the portal's own
 * pages) and, when the browser sends an `Origin`, that origin must be the local Stripe's. Anything else is a 403
 * before any state is read or changed.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FormObject } from '../../form.js';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import type { SessionRecord } from '../../store.js';
import { forbiddenPage } from './layout.js';
import type { Portal } from './session.js';

export const TOKEN_FIELD = 'portal_token';

/** Kept beside the session record (not in it): the token is the page's concern, not part of Stripe's object. */
const tokens = new WeakMap<SessionRecord, string>();

export function formToken(record: SessionRecord): string {
  let token = tokens.get(record);
  if (token === undefined) {
    token = randomBytes(24).toString('base64url');
    tokens.set(record, token);
  }
  return token;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Undefined when the POST may proceed; the 403 page otherwise. */
export function refuseForgery(portal: Portal): PageResponse | undefined {
  const { origin, form } = portal.request;
  if (origin !== undefined && origin !== portal.origin) {
    return forbiddenPage('This form was sent from another site.');
  }
  const given = form[TOKEN_FIELD];
  if (typeof given !== 'string' || !sameToken(given, formToken(portal.record))) {
    return forbiddenPage('This form has expired or did not come from this billing portal. Reload the page and try again.');
  }
  return undefined;
}

/** A POST form to `path` (under the session's URL) carrying the token. */
export function postForm(portal: Portal, path: string, inner: string, attributes = ''): string {
  return (
    `<form method="post" action="${html(portal.base + path)}"${attributes ? ` ${attributes}` : ''}>` +
    `<input type="hidden" name="${TOKEN_FIELD}" value="${html(formToken(portal.record))}">` +
    inner +
    `</form>`
  );
}

/** A form with nothing but a button: renew, resume, accept an offer. */
export function buttonForm(portal: Portal, path: string, label: string, id: string, kind = ''): string {
  return postForm(portal, path, `<button type="submit" id="${html(id)}"${kind ? ` class="${kind}"` : ''}>${html(label)}</button>`);
}

/** One text field of a posted form; undefined when absent or nested. */
export function field(form: FormObject, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' ? value : undefined;
}

export function input(name: string, label: string, value: string | null | undefined, attributes = ''): string {
  const id = `field-${name.replaceAll(/[^a-z0-9]+/gi, '-')}`;
  return (
    `<label for="${id}">${html(label)}</label>` +
    `<input id="${id}" name="${html(name)}" value="${html(value ?? '')}"${attributes ? ` ${attributes}` : ''}>`
  );
}
