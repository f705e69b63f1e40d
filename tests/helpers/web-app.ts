/**
 * The app as e2e tests drive it: web mode (`serve`) on a project, opened in headless Chromium,
 * with the page's uncaught errors collected so each test can assert there were none.
 */
import type { Browser, Page } from 'playwright-core';
import { startServe } from './app';
import { launchChromium } from './browser';

export interface WebApp {
  page: Page;
  browser: Browser;
  server: Awaited<ReturnType<typeof startServe>>;
  /** Messages of uncaught errors in the page. */
  pageErrors: string[];
  /** Closes the browser and stops web mode (safe to call after a failed start). */
  close(): Promise<void>;
}

/** Serves `project`, loads the app in Chromium and waits for its top bar. */
export async function openWebApp(
  project: string,
  env: Record<string, string>,
  viewport = { width: 1440, height: 960 },
): Promise<WebApp> {
  const server = await startServe(project, env);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(server.url);
  await page.getByTestId('topbar').waitFor();
  return {
    page,
    browser,
    server,
    pageErrors,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
}

/** Opens the library's first video and waits until the player shows its frame 0. */
export async function openFirstVideo(page: Page): Promise<void> {
  await page.getByTestId('video-item').first().click();
  await page.waitForSelector('[data-testid="player-canvas"][data-frame="0"]', { timeout: 30_000 });
}
