/**
 * `window.MIPTech`, the embed's API for the page: calls queued before the loader runs are
 * replayed, `open`/`close`/`toggle` drive the widget, events reach `on` listeners, `identify`
 * reaches the operators, and `reset` starts a new session (a site's logout).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO } from '../packages/server/src/testing/test-app.ts';
import { DESKTOP } from './support/browser.ts';
import { useEmbedHarness } from './support/embed-harness.ts';
import { ask, input, replies } from './support/widget.ts';

describe('window.MIPTech', () => {
  const harness = useEmbedHarness();

  async function pageWithSnippet(): Promise<Page> {
    const page = await (await harness.browser.newContext(DESKTOP)).newPage();
    await page.goto(`${harness.pages.origin}/snippet.html`);
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
    const chat = await harness.platform.app.inject({ url: `/api/v1/chat/${chatId}`, headers: DEMO });
    expect(chat.json().context.visitor).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const [question] = await harness.platform.stored(chatId);
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
