/**
 * `window.MIPTech`, the embed's API for the page: calls queued before the loader runs are
 * replayed, `open`/`close`/`toggle` drive the widget, events reach `on` listeners, `identify`
 * reaches the operators, and `reset` starts a new session (a site's logout).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../packages/server/src/testing/test-app.ts';
import { DESKTOP, launchChromium } from './support/browser.ts';
import { type HostPages, serveHostPages } from './support/host-pages.ts';
import { type BrowserPlatform, startBrowserPlatform } from './support/platform.ts';
import { ask, input, replies } from './support/widget.ts';

describe('window.MIPTech', () => {
  let platform: BrowserPlatform;
  let browser: Browser;
  let pages: HostPages;

  beforeAll(async () => {
    platform = await startBrowserPlatform();
    pages = await serveHostPages(platform.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await platform?.close();
  });

  async function pageWithSnippet(): Promise<Page> {
    const page = await (await browser.newContext(DESKTOP)).newPage();
    await page.goto(`${pages.origin}/snippet.html`);
    return page;
  }

  const events = (page: Page) => page.evaluate(() => (window as unknown as { events: string[] }).events);

  it('replays queued calls, opens and closes on command, and tells the page what happens', async () => {
    const page = await pageWithSnippet();
    // `identify` was queued before the loader ran: the widget loaded for it, and is ready.
    await expect.poll(() => events(page)).toContain('ready');
    await page.evaluate(() => (window as unknown as { MIPTech: (command: string) => void }).MIPTech('open'));
    await expect.poll(() => input(page, 'Type your message…').count()).toBe(1);
    await ask(page, 'How can I contact you?', 'Type your message…');
    await expect.poll(() => replies(page), { timeout: 15_000 }).toHaveLength(1);
    await page.evaluate(() => (window as unknown as { MIPTech: { close(): void } }).MIPTech.close());
    await expect.poll(() => input(page, 'Type your message…').count()).toBe(0);
    await expect.poll(() => events(page)).toEqual(['ready', 'open', 'message:assistant', 'close']);

    // What the site said of the visitor is with the chat, where operators see it.
    const chatId = await page.evaluate(
      () => JSON.parse(localStorage.getItem('miptech:miptech-company:session') ?? '{}').chatId as string,
    );
    const chat = await platform.app.inject({ url: `/api/v1/chat/${chatId}`, headers: DEMO });
    expect(chat.json().context.visitor).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const [question] = await platform.stored(chatId);
    expect((question as unknown as { metadata: { visitor: unknown } }).metadata.visitor).toMatchObject({
      name: 'Ada Lovelace',
    });

    // reset(): a new session, so the next conversation is a new chat.
    await page.evaluate(() => (window as unknown as { MIPTech: (command: string) => void }).MIPTech('reset'));
    await page.evaluate(() =>
      (window as unknown as { MIPTech: (command: string) => void }).MIPTech('toggle'),
    );
    await expect.poll(() => input(page, 'Type your message…').count()).toBe(1);
    expect(await replies(page)).toEqual([]);
    await page.context().close();
  });
});
