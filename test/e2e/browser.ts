/**
 * Browser tests' support: Debian's Chromium driven by playwright-core (never a downloaded browser), one browser
 * per test file, a fresh context (an empty profile: no cookies, storage or cache) per test file, and numbered
 * screenshots under `test-results/e2e/`. `demoJourney()` is the set-up the journeys against the whole app share:
 * the app in demo mode, the browser, the local Stripe through the SDK, screenshots and the page watch.
 *
 * Without /usr/bin/chromium the tests fail, loudly, saying how to install it; `SKIP_BROWSER_TESTS=1` leaves
 * them out of the run instead (`vitest.config.ts`), with a warning.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where screenshots go (gitignored: `test-results/`). */
export const ARTEFACTS_DIR = fileURLToPath(new URL('../../test-results/e2e/', import.meta.url));

/**
 * Without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed network
 * refuses; `--no-sandbox` because CI runs as root.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Timeouts for one whole browser journey and for starting the browser and the app. */
export const JOURNEY_TIMEOUT_MS = 90_000;
export const SETUP_TIMEOUT_MS = 60_000;

export function missingChromiumMessage(): string {
  return [
    '',
    '='.repeat(100),
    `BROWSER TESTS CANNOT RUN: no Chromium at ${CHROMIUM_PATH}.`,
    '  Install Debian\'s Chromium (as root):   apt-get update && apt-get install -y chromium',
    '  or leave the browser tests out:         SKIP_BROWSER_TESTS=1 npm test',
    '='.repeat(100),
    '',
  ].join('\n');
}

/** Fails the calling file (loudly) when Chromium is not installed. */
export function requireChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const message = missingChromiumMessage();
  console.error(message);
  throw new Error(message);
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request the page made (URLs), in order, from the moment the page was opened. */
  requests: string[];
  close(): Promise<void>;
}

/** Chromium, a fresh context (its own empty profile) and one page that records every request it makes. */
export async function openBrowser(): Promise<BrowserSession> {
  requireChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({
      viewport: { width: 1200, height: 860 },
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    // Generous for a shared 2-core machine, but a missing selector still fails well inside the test timeout.
    context.setDefaultTimeout(20_000);
    context.setDefaultNavigationTimeout(30_000);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request: Request) => requests.push(request.url()));
    return {
      browser,
      context,
      page,
      requests,
      close: async () => {
        await context.close().catch(() => undefined);
        await browser.close();
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** `shot('signed-in')` saves `test-results/e2e/<prefix>-01-signed-in.png` (numbered in the order taken). */
export function screenshots(page: () => Page, prefix: string): (step: string) => Promise<string> {
  mkdirSync(ARTEFACTS_DIR, { recursive: true });
  // Only this run's pictures: an earlier run's may have had other steps.
  for (const file of readdirSync(ARTEFACTS_DIR)) {
    if (file.startsWith(`${prefix}-`) && file.endsWith('.png')) rmSync(join(ARTEFACTS_DIR, file));
  }
  let count = 0;
  return async (step) => {
    count++;
    const path = join(ARTEFACTS_DIR, `${prefix}-${String(count).padStart(2, '0')}-${step}.png`);
    await page().screenshot({ path, fullPage: true });
    return path;
  };
}

/**
 * Watches a page for what the billing-page journeys assert about: the bodies of its GraphQL POSTs to `graphqlUrl`,
 * and its problems (uncaught errors, console errors — a CSP violation shows up there — and HTTP errors).
 */
export function watchPage(page: Page, graphqlUrl: () => string, graphqlBodies: Array<Record<string, unknown>>, problems: string[]): void {
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url() === graphqlUrl()) graphqlBodies.push(request.postDataJSON() as Record<string, unknown>);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A failed request is logged here without its URL; the response listener below names it.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    // The browser's own favicon probe of the local Stripe's portal page is not the page's doing.
    const url = new URL(response.url());
    if (response.status() >= 400 && url.pathname !== '/favicon.ico') problems.push(`HTTP ${response.status()}: ${url.pathname}`);
  });
}

/** A browser journey against the whole app; every field but the two lists is there once the file's `beforeAll` ran. */
export interface DemoJourney {
  /** The app, started in-process in demo mode on port 0 (its embedded local Stripe beside it). */
  readonly app: App;
  readonly browser: BrowserSession;
  /** The browser's page (`browser.page`). */
  readonly page: Page;
  /** The embedded local Stripe through the real `stripe` SDK: to act as Stripe's own pages do and to read its state. */
  readonly stripe: Stripe;
  /** `shot('signed-in')`: a numbered screenshot of the page (`screenshots`). */
  shot(step: string): Promise<string>;
  /** Uncaught page errors, console errors (a CSP violation shows up here too) and failed responses (`watchPage`). */
  readonly problems: string[];
  /** The bodies of the page's GraphQL requests (`watchPage`). */
  readonly graphqlBodies: Array<Record<string, unknown>>;
}

/**
 * Registers the calling file's `beforeAll` (Chromium, then `startApp` in demo mode on port 0 with `env` over
 * `PORT=0 LOG_LEVEL=error`, the SDK on its local Stripe, screenshots named `<prefix>-…`, the page watched) and
 * `afterAll` (the browser closed, the app stopped). Call it at the top level of a test file.
 */
export function demoJourney(prefix: string, env: Record<string, string> = {}): DemoJourney {
  let app: App | undefined;
  let browser: BrowserSession | undefined;
  let stripe: Stripe | undefined;
  let shot: ((step: string) => Promise<string>) | undefined;
  const problems: string[] = [];
  const graphqlBodies: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const session = await openBrowser();
    browser = session;
    const started = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error', ...env }));
    app = started;
    const local = started.localStripe;
    if (local === undefined) throw new Error('demoJourney: the app has no embedded local Stripe (is it in demo mode?)');
    stripe = new Stripe(local.secretKey, { ...local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
    shot = screenshots(() => session.page, prefix);
    watchPage(session.page, () => started.graphqlUrl, graphqlBodies, problems);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`demoJourney: no ${name} yet (its beforeAll has not run, or failed)`);
    return value;
  };
  return {
    get app() {
      return ready(app, 'app');
    },
    get browser() {
      return ready(browser, 'browser');
    },
    get page() {
      return ready(browser, 'browser').page;
    },
    get stripe() {
      return ready(stripe, 'Stripe client');
    },
    shot: (step) => ready(shot, 'screenshots')(step),
    problems,
    graphqlBodies,
  };
}
