/**
 * GraphiQL in a real browser (Debian's Chromium through playwright-core), against the whole app started
 * in-process in demo mode on port 0: it loads from the app alone — every request the page makes is recorded and
 * none goes to another host (no CDN) — and running an example operation shows a result with data.
 * Screenshots go to `test-results/e2e/graphiql-*.png`.
 */
import { describe, expect, it } from 'vitest';
import { demoJourney, JOURNEY_TIMEOUT_MS, openBrowser } from './browser.js';

const journey = demoJourney('graphiql');

/** The text of GraphiQL's result pane. */
function resultText(): Promise<string> {
  return journey.page.$eval('.graphiql-response', (pane) => (pane as HTMLElement).innerText);
}

describe('GraphiQL', () => {
  it('loads from the app alone, and runs an example operation to a result with data', async () => {
    const { page } = journey;
    await page.goto(journey.app.graphqlUrl);
    await page.waitForSelector('.graphiql-container .graphiql-execute-button');
    // The example tabs are there (their titles are the operations' names).
    const tab = page.locator('button.graphiql-tab-button[title="InvoiceWithLines"]');
    await tab.waitFor();
    await journey.shot('loaded');

    // An example with its variables filled in (an invoice id of the demo data) and the admin key pre-filled.
    // GraphiQL's tabs are drag-to-reorder items, which swallow a synthetic mouse click in headless Chromium;
    // the keyboard selects a tab just as well.
    await tab.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('li.graphiql-tab-active > button[title="InvoiceWithLines"]');
    const posted = page.waitForRequest(
      (request) => request.method() === 'POST' && request.url() === journey.app.graphqlUrl && (request.postData() ?? '').includes('InvoiceWithLines'),
    );
    const answered = page.waitForResponse(
      (response) => response.request().method() === 'POST' && (response.request().postData() ?? '').includes('InvoiceWithLines'),
    );
    await page.click('.graphiql-execute-button');
    const request = await posted;
    expect(request.headers()['authorization']).toBe(`Bearer ${journey.app.demo!.adminKey}`);
    const invoiceId = (JSON.parse(request.postData() ?? '{}') as { variables?: { invoiceId?: string } }).variables?.invoiceId;
    expect(invoiceId).toMatch(/^in_/);
    const response = await answered;
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { data?: { invoice?: { id: string; lines: { edges: unknown[] } } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.invoice?.lines.edges.length).toBeGreaterThan(1);

    // The result pane shows it (its editor renders only the lines in view: the top of the result).
    await page.waitForFunction(() => /"data"/.test((document.querySelector('.graphiql-response') as HTMLElement | null)?.innerText ?? ''));
    const text = await resultText();
    expect(text).toContain('"data"');
    expect(text).toContain('"invoice"');
    expect(text).toContain(invoiceId);
    expect(text).not.toContain('"errors"');
    await journey.shot('result');

    // Every request went to the app: no CDN, no fonts, no telemetry. (Blob URLs are GraphiQL's own in-page
    // workers, made from the page's inline scripts; they carry the app's origin.)
    expect(journey.browser.requests.length).toBeGreaterThan(1);
    const elsewhere = journey.browser.requests.filter((url) => {
      const parsed = new URL(url);
      const origin = parsed.protocol === 'blob:' ? new URL(parsed.pathname).origin : parsed.origin;
      return parsed.protocol !== 'data:' && origin !== journey.app.url;
    });
    expect(elsewhere).toEqual([]);
  }, JOURNEY_TIMEOUT_MS);
  it('runs the opening tab as it opens, its variables filled in, on a first visit', async () => {
    // A browser of its own: a first visit, with nothing of GraphiQL's in local storage yet. GraphiQL reads the
    // opening tab's variables from storage, which the page seeds.
    const fresh = await openBrowser();
    try {
      const { page } = fresh;
      await page.goto(journey.app.graphqlUrl);
      await page.waitForSelector('li.graphiql-tab-active > button[title="CustomerWithInvoices"]');
      await page.waitForSelector('.graphiql-container .graphiql-execute-button');
      const answered = page.waitForResponse(
        (response) => response.request().method() === 'POST' && (response.request().postData() ?? '').includes('CustomerWithInvoices'),
      );
      await page.click('.graphiql-execute-button');
      const body = (await (await answered).json()) as { data?: { customer?: { name: string } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.customer?.name).toBe('Ada Lovelace');
    } finally {
      await fresh.close();
    }
  }, JOURNEY_TIMEOUT_MS);
});
