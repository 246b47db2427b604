/**
 * What the embed costs a page: the gzip sizes of the loader and the widget against their
 * budgets, and a page with the script tag against the same page without it, before anyone
 * interacts: bytes transferred and long tasks (over 50 ms).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { WEB_DIST } from '../scripts/build-web.ts';
import { DESKTOP } from './support/browser.ts';
import { useEmbedHarness } from './support/embed-harness.ts';

const LOADER_BUDGET = 4 * 1024;
const WIDGET_BUDGET = 45 * 1024;
const gzipped = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;

describe('the weight of the embed', () => {
  it('keeps the loader under 4 KB and the widget (JS and CSS) under 45 KB, gzip', () => {
    const loader = gzipped(join(WEB_DIST, 'widget.js'));
    const widgetDirectory = join(WEB_DIST, 'widget');
    const widget = readdirSync(widgetDirectory)
      .filter((file) => /\.(js|css)$/.test(file))
      .reduce((total, file) => total + gzipped(join(widgetDirectory, file)), 0);
    process.stdout.write(
      `embed sizes, gzip: loader ${loader} B (budget ${LOADER_BUDGET}), widget ${widget} B (budget ${WIDGET_BUDGET})\n`,
    );
    expect(loader).toBeLessThanOrEqual(LOADER_BUDGET);
    expect(widget).toBeLessThanOrEqual(WIDGET_BUDGET);
  });

  describe('page load', () => {
    const harness = useEmbedHarness();

    /** Bytes transferred and long tasks, once the page has loaded and settled, without interaction. */
    async function cost(path: string) {
      const context = await harness.browser.newContext(DESKTOP);
      const page: Page = await context.newPage();
      await page.addInitScript(() => {
        const longTasks: number[] = [];
        (window as unknown as { __longTasks: number[] }).__longTasks = longTasks;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) longTasks.push(entry.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      await page.goto(`${harness.pages.origin}${path}`, { waitUntil: 'load' });
      await page.waitForTimeout(1500);
      const measured = await page.evaluate(() => {
        const entries = [
          ...performance.getEntriesByType('navigation'),
          ...performance.getEntriesByType('resource'),
        ] as PerformanceResourceTiming[];
        return {
          bytes: entries.reduce((total, entry) => total + entry.transferSize, 0),
          resources: entries.map((entry) => entry.name),
          loader: entries.find((entry) => entry.name.endsWith('/widget.js'))?.transferSize ?? 0,
          longTasks: (window as unknown as { __longTasks: number[] }).__longTasks,
        };
      });
      await context.close();
      return measured;
    }

    it('adds no more than the loader before any interaction, and no long task', async () => {
      const without = await cost('/bare.html');
      const withTag = await cost('/plain.html');
      process.stdout.write(
        `page load before interaction: ${without.bytes} B without the script tag, ${withTag.bytes} B with it (loader ${withTag.loader} B); long tasks ${JSON.stringify(withTag.longTasks)}\n`,
      );
      expect(withTag.loader).toBeGreaterThan(0);
      expect(withTag.bytes - without.bytes).toBeLessThanOrEqual(withTag.loader);
      expect(withTag.resources.filter((url) => url.startsWith(harness.platform.url))).toEqual([
        `${harness.platform.url}/widget.js`,
      ]);
      expect(withTag.longTasks).toEqual([]);
    });
  });
});
