/**
 * Presence in Chromium: a visitor types in the widget on the demo site and the operator's open
 * conversation says "The visitor is typing…" without a reload (and stops saying it once the
 * message is sent); a second operator opening the same chat makes each see the other viewing,
 * until the second navigates away.
 */
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchChromium } from './support/browser.ts';
import { inviteOperator, registerOperator, signIn, type TestOperator } from './support/console.ts';
import { ARTIFACTS } from './support/paths.ts';
import { type BrowserPlatform, startBrowserPlatform } from './support/platform.ts';
import { ask, input, launcher, replies } from './support/widget.ts';

describe('presence in the operator console', () => {
  let platform: BrowserPlatform;
  let browser: Browser;
  let owner: TestOperator;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    platform = await startBrowserPlatform();
    browser = await launchChromium();
    // The demo tenant's first registrant becomes its owner.
    owner = await registerOperator(platform, 'Anna');
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  const newPage = async () => {
    const context = await browser.newContext(DESKTOP);
    contexts.push(context);
    return context.newPage();
  };
  const openChat = async (page: Page, operator: TestOperator, chatId: string) => {
    await signIn(page, platform, operator);
    await page.goto(`${platform.url}/console/chats/${chatId}`);
    await page.locator('.conversation-header .status').waitFor();
  };
  const typingLine = (page: Page) => page.locator('.conversation-main > .typing[role="status"]');
  const viewersLine = (page: Page) => page.locator('.conversation-header .viewers[role="status"]');

  it('shows the visitor typing live, and who else is viewing the chat', async () => {
    const visitor = await newPage();
    await visitor.goto(platform.url);
    await launcher(visitor).click();
    await ask(visitor, 'What services do you offer?');
    await expect.poll(() => replies(visitor), { timeout: 15_000 }).toHaveLength(1);
    const chatId = await visitor.evaluate(
      () => JSON.parse(localStorage.getItem('miptech:miptech-company:session') ?? '{}').chatId as string,
    );

    const anna = await newPage();
    await openChat(anna, owner, chatId);
    expect(await typingLine(anna).textContent()).toBe('');
    // Nobody else is here yet.
    expect(await viewersLine(anna).textContent()).toBe('');

    // The visitor types (key by key, as a person does): the operator sees it without a reload.
    await input(visitor).pressSequentially('Do you also do', { delay: 30 });
    await expect
      .poll(() => typingLine(anna).textContent(), { timeout: 10_000 })
      .toBe('The visitor is typing…');

    // A second operator opens the same chat: each sees the other.
    const bruno = await inviteOperator(platform, owner, 'Bruno', 'agent');
    const second = await newPage();
    await openChat(second, bruno, chatId);
    await expect.poll(() => viewersLine(anna).textContent(), { timeout: 10_000 }).toBe('Bruno is viewing');
    await expect.poll(() => viewersLine(second).textContent(), { timeout: 10_000 }).toBe('Anna is viewing');
    const results = await new AxeBuilder({ page: anna }).analyze();
    expect(
      results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => violation.id),
    ).toEqual([]);
    // The visitor paused (the indicator fades after 3 s idle), then types on: shown again.
    await expect.poll(() => typingLine(anna).textContent()).toBe('');
    await input(visitor).pressSequentially(' mobile apps?', { delay: 30 });
    await expect.poll(() => typingLine(anna).textContent()).toBe('The visitor is typing…');
    const shot = join(ARTIFACTS, 'console-presence.png');
    await anna.screenshot({ path: shot });
    process.stdout.write(`screenshot of presence in a conversation: ${shot}\n`);

    // The visitor sends: the typing line clears, and the message arrives. (That the stop goes
    // out with the send, not with the idle timer, is checked in packages/client's presence test.)
    await input(visitor).press('Enter');
    await expect.poll(() => typingLine(anna).textContent(), { timeout: 10_000 }).toBe('');
    await expect
      .poll(() => anna.locator('.message.user').last().textContent(), { timeout: 10_000 })
      .toContain('Do you also do');

    // Bruno goes back to the inbox inside the app (no reload): Anna no longer sees him viewing.
    await second.evaluate(() => {
      history.pushState(null, '', '/console');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await expect.poll(() => viewersLine(anna).textContent(), { timeout: 10_000 }).toBe('');
  });
});
