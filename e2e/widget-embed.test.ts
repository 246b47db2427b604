/**
 * The one-line embed on pages of another origin, as customers' sites are: it works the same,
 * keeps its looks under hostile CSS and changes nothing outside its root, works under a strict
 * CSP, renders hostile message text as text, and passes axe in light and dark.
 */
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { DESKTOP } from './support/browser.ts';
import { useEmbedHarness } from './support/embed-harness.ts';
import { ARTIFACTS } from './support/paths.ts';
import { ask, launcher, questions, replies } from './support/widget.ts';

const PLACEHOLDER = 'Type your message…';

describe('the script-tag embed on other origins', () => {
  const harness = useEmbedHarness();
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  async function open(path: string): Promise<{ page: Page; violations: string[]; requests: string[] }> {
    const context = await harness.browser.newContext(DESKTOP);
    contexts.push(context);
    const page = await context.newPage();
    const violations: string[] = [];
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.exposeFunction('__cspViolation', (text: string) => violations.push(text));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) =>
        (window as unknown as { __cspViolation(text: string): void }).__cspViolation(
          `${event.violatedDirective} ${event.blockedURI}`,
        ),
      );
    });
    await page.goto(`${harness.pages.origin}${path}`);
    return { page, violations, requests };
  }

  /** Opens the widget from its launcher and asks; resolves once the reply is complete. */
  async function converse(page: Page, question: string) {
    await launcher(page).click();
    await ask(page, question, PLACEHOLDER);
    await expect.poll(() => replies(page), { timeout: 15_000 }).toHaveLength(1);
  }

  it('loads nothing but the loader until the visitor shows interest, then works the same on another origin', async () => {
    const { page, requests } = await open('/plain.html');
    await expect.poll(() => launcher(page).count()).toBe(1);
    // Only the loader so far: no widget chunk, no API call, no socket.
    const early = requests.filter((url) => url.startsWith(harness.platform.url));
    expect(early).toEqual([`${harness.platform.url}/widget.js`]);
    await converse(page, 'What services do you offer?');
    expect(requests.some((url) => /\/widget\/widget-[\w-]+\.js$/.test(url))).toBe(true);
    expect((await replies(page))[0]).toContain('web development');
  });

  it('keeps its looks under hostile page CSS, and changes nothing outside its root', async () => {
    const plain = await open('/plain.html');
    await converse(plain.page, 'Do you build mobile apps?');
    const looks = (page: Page) =>
      page.locator('.panel').evaluate((panel) => {
        const style = getComputedStyle(panel);
        const button = panel.querySelector('.send') as HTMLElement;
        const text = panel.querySelector('.bubble p') as HTMLElement;
        return {
          width: panel.getBoundingClientRect().width,
          font: getComputedStyle(text).fontSize,
          display: getComputedStyle(button).display,
          background: style.backgroundColor,
        };
      });
    const expected = await looks(plain.page);

    const hostile = await open('/hostile.html');
    const outside = () =>
      hostile.page.evaluate(() => {
        const probe = document.querySelector('p.probe') as HTMLElement;
        const box = document.querySelector('.probe-box') as HTMLElement;
        const pageElements = [...document.body.children]
          .map((element) => element.tagName.toLowerCase())
          .filter((tag) => !tag.startsWith('miptech-'));
        return { color: getComputedStyle(probe).color, font: getComputedStyle(box).fontSize, pageElements };
      });
    const before = await outside();
    await converse(hostile.page, 'Do you build mobile apps?');
    expect(await looks(hostile.page)).toEqual(expected);
    expect(expected).toMatchObject({ width: 380, font: '15px', display: 'flex' });
    // The page's own elements and styles are as before; the widget lives in its one host element.
    expect(await outside()).toEqual(before);
    expect(before).toMatchObject({ color: 'rgb(200, 0, 0)', font: '40px' });
    expect(await hostile.page.locator('miptech-chat').count()).toBe(1);
  });

  it('works on a page with a strict Content Security Policy', async () => {
    const { page, violations } = await open('/strict-csp.html');
    await converse(page, 'How can I contact you?');
    expect(violations).toEqual([]);
  });

  it('renders hostile message text as text: no element, no script, no javascript: link', async () => {
    const { page } = await open('/plain.html');
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    await converse(page, '<img src=x onerror=alert(1)> and [x](javascript:alert(1))');
    const [question] = await questions(page);
    expect(question?.text).toBe('<img src=x onerror=alert(1)> and [x](javascript:alert(1))');
    expect(await page.locator('.log img').count()).toBe(0);
    expect(await page.locator('.log a[href^="javascript"]').count()).toBe(0);
    expect(dialogs).toBe(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violations, ${theme}`, async () => {
      const { page } = await open(theme === 'dark' ? '/dark.html' : '/plain.html');
      await converse(page, 'What does a website cost?');
      const results = await new AxeBuilder({ page }).include('miptech-chat').analyze();
      const serious = results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
        );
      expect(serious).toEqual([]);
      const path = join(ARTIFACTS, `widget-embed-${theme}.png`);
      await page.screenshot({ path });
      process.stdout.write(`screenshot of the open widget, ${theme}: ${path}\n`);
    });
  }
});
