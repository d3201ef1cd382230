/**
 * Test helpers for the hosted portal page: open a session's URL over real HTTP as a browser would, read its form
 * token, and post its forms (with the local Stripe's own `Origin`, as a browser on the page sends it), never
 * following redirects, so that tests see each 303 and where it points.
 */
import type Stripe from 'stripe';
import { expect } from 'vitest';

export interface PageAnswer {
  status: number;
  body: string;
  headers: Headers;
  /** The `Location` of a redirect, resolved against the page URL. */
  location: string | undefined;
}

async function answer(response: Response, url: string): Promise<PageAnswer> {
  const location = response.headers.get('location');
  return {
    status: response.status,
    body: await response.text(),
    headers: response.headers,
    location: location === null ? undefined : new URL(location, url).href,
  };
}

/** The hidden form token a portal page carries (fails the test when the page has none). */
export function tokenOf(body: string): string {
  const match = /name="portal_token" value="([^"]+)"/.exec(body);
  if (match === null) throw new Error(`the page has no form token:\n${body.slice(0, 2000)}`);
  return match[1] as string;
}

export interface PostOptions {
  /** The `Origin` header; default the local Stripe's own; `null` sends none. */
  origin?: string | null;
  /** The form token; default the one the session's last page carried; `null` sends none. */
  token?: string | null;
}

/** One customer's browser on one portal session. */
export class PortalVisit {
  private token: string | undefined;

  constructor(
    /** The session's `url`. */
    readonly url: string,
  ) {}

  get origin(): string {
    return new URL(this.url).origin;
  }

  /** GETs a page under the session URL (`''` is the home screen, or the flow's step), keeping its form token. */
  async open(path = '', expectedStatus: number | null = 200): Promise<PageAnswer> {
    const url = this.url + path;
    const page = await answer(await fetch(url, { redirect: 'manual' }), url);
    if (expectedStatus !== null) {
      expect(page.status, `GET ${path || '/'}: ${page.body.slice(-1500)}`).toBe(expectedStatus);
    }
    const token = /name="portal_token" value="([^"]+)"/.exec(page.body)?.[1];
    if (token !== undefined) this.token = token;
    return page;
  }

  /** POSTs a form to `path` under the session URL, as the page's own form would be sent. */
  async post(path: string, fields: Record<string, string> = {}, options: PostOptions = {}): Promise<PageAnswer> {
    const url = this.url + path;
    const body = new URLSearchParams(fields);
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null && token !== undefined) body.set('portal_token', token);
    const origin = options.origin === undefined ? this.origin : options.origin;
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (origin !== null) headers['Origin'] = origin;
    return answer(await fetch(url, { method: 'POST', body: body.toString(), headers, redirect: 'manual' }), url);
  }

  /** POSTs and expects the 303 back to the portal home with `notice`; returns the home page it leads to. */
  async act(path: string, fields: Record<string, string>, notice: string): Promise<PageAnswer> {
    const sent = await this.post(path, fields);
    expect(sent.status, `POST ${path}: ${sent.body.slice(-2000)}`).toBe(303);
    expect(sent.location).toBe(`${this.url}?notice=${notice}`);
    return this.open(`?notice=${notice}`);
  }
}

/** A portal session for `customer` made through the SDK, and the customer's browser on its home screen. */
export async function visitPortal(
  stripe: Stripe,
  customer: string,
  configuration: string,
  returnUrl = 'https://app.example.com/account',
): Promise<PortalVisit> {
  const session = await stripe.billingPortal.sessions.create({ customer, configuration, return_url: returnUrl });
  const portal = new PortalVisit(session.url);
  await portal.open();
  return portal;
}

/** The text content of the element with `id` (tags stripped), or undefined when the page has none. */
export function textOf(body: string, id: string): string | undefined {
  const match = new RegExp(`<(\\w+)[^>]* id="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(body);
  if (match === null) return undefined;
  return (match[2] as string)
    .replaceAll(/<[^>]+>/g, ' ')
    .replaceAll(/\s+/g, ' ')
    .trim()
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}
