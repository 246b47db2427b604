/**
 * What each embed test file needs: a platform, the third-party pages that embed it, and Chromium,
 * started before the file's tests and stopped after them.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.ts';
import { type HostPages, serveHostPages } from './host-pages.ts';
import { type BrowserPlatform, startBrowserPlatform } from './platform.ts';

export interface EmbedHarness {
  platform: BrowserPlatform;
  pages: HostPages;
  browser: Browser;
}

/** Registers the file's set-up and tear-down; the returned object is filled in before its tests run. */
export function useEmbedHarness(): EmbedHarness {
  const harness = {} as EmbedHarness;
  beforeAll(async () => {
    harness.platform = await startBrowserPlatform();
    harness.pages = await serveHostPages(harness.platform.url);
    harness.browser = await launchChromium();
  });
  afterAll(async () => {
    await harness.browser?.close();
    await harness.pages?.close();
    await harness.platform?.close();
  });
  return harness;
}
