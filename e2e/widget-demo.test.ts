/**
 * The demo site with the React ChatWidget, in Chromium, used as a visitor uses it: the answer
 * streams in with its source, the conversation survives a reload, a second tab follows live,
 * going offline loses nothing, an operator takes over, and all of it works with the keyboard.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../packages/server/src/testing/test-app.ts';
import { DESKTOP, launchChromium, PHONE } from './support/browser.ts';
import { ARTIFACTS } from './support/paths.ts';
import { type BrowserPlatform, startBrowserPlatform } from './support/platform.ts';
import {
  ask,
  hasFocus,
  input,
  launcher,
  paintedLengths,
  questions,
  recordPaints,
  replies,
} from './support/widget.ts';

describe('the demo site and its chat widget', () => {
  let platform: BrowserPlatform;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    platform = await startBrowserPlatform();
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  const newContext = async (options: typeof DESKTOP | typeof PHONE = DESKTOP) => {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context;
  };
  const chatIdOf = (context: BrowserContext) =>
    context
      .pages()[0]
      ?.evaluate(
        () => JSON.parse(localStorage.getItem('miptech:miptech-company:session') ?? '{}').chatId as string,
      );
  const shoot = async (page: import('playwright-core').Page, name: string, what: string) => {
    const path = join(ARTIFACTS, name);
    await page.screenshot({ path });
    process.stdout.write(`screenshot of ${what}: ${path}\n`);
  };

  it('streams the answer in, with its source as a link, and shows it again after a reload', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(platform.url);
    await launcher(page).click();
    await expect.poll(() => hasFocus(input(page))).toBe(true);
    await recordPaints(page);
    await ask(page, 'What services do you offer?');
    await expect.poll(() => replies(page), { timeout: 15_000 }).toHaveLength(1);

    // More than one paint of the reply before it was complete: it streamed.
    const lengths = await paintedLengths(page);
    expect(new Set(lengths).size).toBeGreaterThan(1);
    const chatId = String(await chatIdOf(context));
    const stored = await platform.stored(chatId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant']);
    const [reply] = await replies(page);
    expect(reply).toContain('web development');
    const source = page.getByRole('link', { name: /\[1\] Services MIPTech offers/ });
    expect(await source.getAttribute('href')).toBe(`${platform.url}/services`);
    expect(await source.getAttribute('target')).toBe('_blank');
    expect(await source.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await questions(page)).toEqual([{ text: 'What services do you offer?', status: 'complete' }]);
    await shoot(page, 'widget-demo-light.png', 'the open widget, light');

    await page.reload();
    await launcher(page).click();
    await expect.poll(() => replies(page)).toEqual([reply]);
    expect(await questions(page)).toEqual([{ text: 'What services do you offer?', status: 'complete' }]);
  });

  it('shows the same conversation live in a second tab', async () => {
    const context = await newContext();
    const first = await context.newPage();
    await first.goto(platform.url);
    await launcher(first).click();
    await ask(first, 'How can I contact you?');
    await expect.poll(() => replies(first), { timeout: 15_000 }).toHaveLength(1);
    const second = await context.newPage();
    await second.goto(`${platform.url}/contact`);
    await launcher(second).click();
    await expect.poll(() => replies(second)).toHaveLength(1);
    await ask(first, 'How much does a website cost?');
    await expect.poll(() => replies(second), { timeout: 15_000 }).toHaveLength(2);
    expect(await replies(second)).toEqual(await replies(first));
    expect((await questions(second)).map((question) => question.text)).toEqual([
      'How can I contact you?',
      'How much does a website cost?',
    ]);
  });

  it('delivers a message sent offline once, when back online, and answers it once', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(platform.url);
    await launcher(page).click();
    await ask(page, 'Do you build mobile apps?');
    await expect.poll(() => replies(page), { timeout: 15_000 }).toHaveLength(1);

    await context.setOffline(true);
    await ask(page, 'How long does a project take?');
    await expect
      .poll(() => questions(page))
      .toContainEqual({ text: 'How long does a project take?', status: 'error' });
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /offline|Reconnecting/ })
          .count(),
      )
      .toBeGreaterThan(0);
    await context.setOffline(false);
    await expect.poll(() => replies(page), { timeout: 20_000 }).toHaveLength(2);
    const stored = await platform.stored(String(await chatIdOf(context)));
    expect(stored.map((message) => [message.role, message.role === 'user' ? message.content : ''])).toEqual([
      ['user', 'Do you build mobile apps?'],
      ['assistant', ''],
      ['user', 'How long does a project take?'],
      ['assistant', ''],
    ]);
    expect((await questions(page)).map((question) => question.status)).toEqual(['complete', 'complete']);
  });

  it('shows the notice and the person’s reply when an operator takes over', async () => {
    const context = await newContext(PHONE);
    const page = await context.newPage();
    await page.goto(platform.url);
    await launcher(page).click();
    await ask(page, 'Can you help me plan a project?');
    await expect.poll(() => replies(page), { timeout: 15_000 }).toHaveLength(1);
    const chatId = String(await chatIdOf(context));

    const registered = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: DEMO,
      payload: {
        email: `anna-${Date.now()}@example.com`,
        password: 'a long and unguessable passphrase',
        name: 'Anna',
      },
    });
    const auth = { ...DEMO, authorization: `Bearer ${registered.json().access_token}` };
    const taken = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chatId}/takeover`,
      headers: auth,
    });
    expect(taken.statusCode).toBe(200);
    // Said once: the server's "Anna joined the chat.", not also the widget's own notice.
    await expect.poll(() => page.getByText('Anna joined the chat.').count()).toBe(1);
    expect(await page.getByText('A person from the team has joined the chat.').count()).toBe(0);
    await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chatId}/messages`,
      headers: auth,
      payload: { content: 'Hi, I am Anna from MIPTech. Happy to help!' },
    });
    await expect
      .poll(() => page.locator('.row.human .bubble').allInnerTexts())
      .toEqual([expect.stringContaining('Hi, I am Anna from MIPTech. Happy to help!')]);
    await shoot(page, 'widget-demo-phone.png', 'the open widget on a 390×844 phone, after a takeover');

    // Closed, a second reply makes an unread badge, which a reload keeps and opening clears.
    await page.getByRole('button', { name: 'Close chat' }).click();
    await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chatId}/messages`,
      headers: auth,
      payload: { content: 'Are you still there?' },
    });
    const badged = page.getByRole('button', { name: 'Open chat, 1 unread message' });
    await expect.poll(() => badged.count()).toBe(1);
    await page.reload();
    await expect.poll(() => badged.count()).toBe(1);
    await badged.click();
    await page.getByRole('button', { name: 'Close chat' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Open chat', exact: true }).count()).toBe(1);
  });

  it('works with the keyboard alone: open, ask, read, close', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(platform.url);
    // Tab through the page until the launcher has focus.
    for (let presses = 0; presses < 20; presses++) {
      await page.keyboard.press('Tab');
      if (await hasFocus(launcher(page))) break;
    }
    await page.keyboard.press('Enter');
    await expect.poll(() => hasFocus(input(page))).toBe(true);
    await page.keyboard.type('What does your process look like?');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('Step by step, please.');
    await page.keyboard.press('Enter');
    await expect.poll(() => replies(page), { timeout: 15_000 }).toHaveLength(1);
    expect((await questions(page))[0]?.text).toBe('What does your process look like?\nStep by step, please.');
    await page.keyboard.press('Escape');
    await expect.poll(() => hasFocus(launcher(page))).toBe(true);
    expect(await input(page).count()).toBe(0);
  });

  it('shows the ConnectionTest panel with ?debug=1, both checks Connected', async () => {
    const page = await (await newContext()).newPage();
    await page.goto(`${platform.url}/?debug=1`);
    await expect.poll(() => page.getByRole('heading', { name: 'MIPTech Connection Test' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Test API' }).click();
    await page.getByRole('button', { name: 'Test WebSocket' }).click();
    await expect.poll(() => page.getByText('Connected', { exact: true }).count()).toBe(2);
    await shoot(page, 'demo-debug-panel.png', 'the demo with ?debug=1');
  });
});
