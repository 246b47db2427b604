/**
 * The operator console in Chromium, next to a visitor on the demo site in another context: a
 * handoff appears live under "Needs a human", is taken over, answered and given back; a second
 * operator is told who has the chat; the AI's reply is seen streaming; knowledge is added and
 * tried; an agent gets no settings; axe finds no serious or critical violation.
 */
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../packages/server/src/testing/test-app.ts';
import { DESKTOP, launchChromium } from './support/browser.ts';
import {
  chatEntry,
  inviteOperator,
  recordStreamingLengths,
  registerOperator,
  signIn,
  streamingLengths,
  type TestOperator,
} from './support/console.ts';
import { ARTIFACTS } from './support/paths.ts';
import { type BrowserPlatform, startBrowserPlatform } from './support/platform.ts';
import { ask, launcher, replies } from './support/widget.ts';

describe('the operator console', () => {
  let platform: BrowserPlatform;
  let browser: Browser;
  let owner: TestOperator;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    platform = await startBrowserPlatform();
    browser = await launchChromium();
    // The demo tenant's first registrant becomes its owner.
    owner = await registerOperator(platform, 'Anna Owner');
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
  const chatIdOf = (page: Page) =>
    page.evaluate(
      () => JSON.parse(localStorage.getItem('miptech:miptech-company:session') ?? '{}').chatId as string,
    );
  const shoot = async (page: Page, name: string, what: string) => {
    const path = join(ARTIFACTS, name);
    await page.screenshot({ path });
    process.stdout.write(`screenshot of ${what}: ${path}\n`);
  };
  const seriousViolations = async (page: Page) => {
    const results = await new AxeBuilder({ page }).analyze();
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
  };
  /** A visitor on the demo site with a chat of one answered question. */
  const visitorWithChat = async (question = 'What services do you offer?') => {
    const visitor = await newPage();
    await visitor.goto(platform.url);
    await launcher(visitor).click();
    await ask(visitor, question);
    await expect.poll(() => replies(visitor), { timeout: 15_000 }).toHaveLength(1);
    return { visitor, chatId: await chatIdOf(visitor) };
  };

  it('a handoff appears live, is taken over, answered, given back, and the AI answers again', async () => {
    const operator = await newPage();
    await signIn(operator, platform, owner);
    // Every read of the chat list, to show that the inbox is pushed, not polled.
    const listReads: string[] = [];
    operator.on('request', (request) => {
      if (/\/api\/v1\/chats\?/.test(request.url())) listReads.push(request.url());
    });
    // A reload keeps the operator signed in (the HttpOnly refresh cookie), with no token in storage.
    await operator.reload();
    await operator.getByRole('heading', { name: 'Inbox' }).waitFor();
    // The lists are read once when the inbox subscription starts (a first page of each), then
    // only frames arrive: from here on, the count of reads must not move.
    await operator.locator('#chat-list[aria-busy="false"]').waitFor();
    const reads = listReads.length;
    expect(reads).toBeGreaterThanOrEqual(4);
    const stored = await operator.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/eyJ|refresh/i);
    expect(await operator.getByRole('tab', { name: /Needs a human/ }).getAttribute('aria-selected')).toBe(
      'true',
    );

    const { visitor, chatId } = await visitorWithChat();
    await visitor.getByRole('button', { name: 'Talk to a person' }).click();

    // Without a reload, the chat appears under "Needs a human", with its waiting time.
    const entry = chatEntry(operator, chatId);
    await entry.waitFor({ timeout: 10_000 });
    expect(await entry.textContent()).toMatch(/waiting \d+ s/);
    // The line shows the last message and the page; the title counts the chats waiting.
    expect(await entry.textContent()).toContain('AI: ');
    expect(await entry.textContent()).toContain(platform.url);
    expect(await operator.title()).toMatch(/^\(\d+\) Inbox/);
    // It came over the socket: the list was not read again (while the visitor chatted and asked).
    expect(listReads).toHaveLength(reads);
    expect(await seriousViolations(operator)).toEqual([]);
    await shoot(operator, 'console-inbox.png', 'the console inbox with a chat that needs a human');

    // By keyboard: the chat's link, then Enter.
    await entry.focus();
    await operator.keyboard.press('Enter');
    await operator
      .getByRole('heading', { name: /Visitor/, level: 2 })
      .first()
      .waitFor();
    await expect.poll(() => operator.locator('.visitor-panel').textContent()).toContain(platform.url);
    await operator.getByRole('button', { name: 'Take over' }).click();
    await expect
      .poll(() => operator.locator('.conversation-header .status').textContent())
      .toContain('you have this chat');
    // The visitor is told once, in the operator's name.
    await expect.poll(() => visitor.getByText(/^Anna .*joined the chat\.$/).count()).toBe(1);
    expect(await visitor.getByText('A person from the team has joined the chat.').count()).toBe(0);

    await operator.getByLabel(/Reply as/).fill('Hi, Anna here. How can I help?');
    await operator.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(() => visitor.locator('.row.human .bubble').allTextContents())
      .toEqual([expect.stringContaining('Hi, Anna here. How can I help?')]);

    // An internal note: in the operator's thread, never on the visitor's side.
    await operator.getByRole('radio', { name: 'An internal note' }).check();
    await operator.getByLabel(/^Internal note/).fill('Asked about pricing twice: offer a call.');
    await operator.getByLabel(/^Internal note/).press('Enter');
    await expect
      .poll(() => operator.locator('.message.note').allTextContents())
      .toEqual([expect.stringContaining('Asked about pricing twice: offer a call.')]);
    await operator.getByRole('radio', { name: 'A reply to the visitor' }).check();
    expect(await seriousViolations(operator)).toEqual([]);
    await shoot(
      operator,
      'console-conversation.png',
      'a conversation taken over in the console, with a note',
    );

    await operator.getByRole('button', { name: 'Give back to the AI' }).click();
    await expect
      .poll(() => operator.locator('.conversation-header .status').textContent())
      .toContain('AI answering');
    await ask(visitor, 'Do you build mobile apps?');
    await expect.poll(() => replies(visitor), { timeout: 15_000 }).toHaveLength(2);
    const stored2 = await platform.stored(chatId);
    expect(stored2.filter((message) => message.role === 'assistant')).toHaveLength(2);
    // The operator saw the AI's new answer in the thread too.
    await expect
      .poll(() => operator.locator('.message.assistant[data-status="complete"]').count(), { timeout: 15_000 })
      .toBe(2);
    // The note never reached the visitor: not on the page, not in the chat's log.
    expect(await visitor.locator('body').textContent()).not.toContain('offer a call');
    expect(JSON.stringify(stored2)).not.toContain('offer a call');

    // Close, then reopen: the chat is the AI's again.
    await operator.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => operator.locator('.conversation-header .status').textContent())
      .toContain('Closed');
    await operator.getByRole('button', { name: 'Reopen' }).click();
    await expect
      .poll(() => operator.locator('.conversation-header .status').textContent())
      .toContain('AI answering');
    await expect
      .poll(() => operator.locator('.message.system').last().textContent())
      .toBe('Anna Owner reopened the chat.');
  });

  it('a second operator cannot take the same chat, and is told who has it', async () => {
    const agent = await inviteOperator(platform, owner, 'Bruno', 'agent');
    const { chatId } = await visitorWithChat('Can you help me plan a project?');
    const taken = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chatId}/takeover`,
      headers: { ...DEMO, authorization: `Bearer ${owner.token}` },
    });
    expect(taken.statusCode).toBe(200);

    const second = await newPage();
    await signIn(second, platform, agent);
    await second.goto(`${platform.url}/console/chats/${chatId}`);
    await expect
      .poll(() => second.locator('.conversation-header .status').textContent())
      .toContain('another operator has this chat');
    await second.getByRole('button', { name: 'Take over' }).click();
    await expect.poll(() => second.getByRole('alert').textContent()).toContain('Anna Owner has this chat');
    expect(await second.getByLabel(/Reply as/).isDisabled()).toBe(true);
    const chat = await platform.app.inject({
      url: `/api/v1/chats/${chatId}`,
      headers: { ...DEMO, authorization: `Bearer ${owner.token}` },
    });
    expect(chat.json().status).toBe('with_human');
  });

  it('the operator watches an AI reply stream', async () => {
    const { visitor, chatId } = await visitorWithChat();
    const operator = await newPage();
    await signIn(operator, platform, owner);
    await operator.goto(`${platform.url}/console/chats/${chatId}`);
    await expect.poll(() => operator.locator('.message.assistant').count()).toBe(1);
    await recordStreamingLengths(operator);
    await ask(visitor, 'How much does a website cost?');
    await expect
      .poll(() => operator.locator('.message.assistant[data-status="complete"]').count(), { timeout: 15_000 })
      .toBe(2);
    // The reply was painted at several lengths while it was written: it streamed.
    const lengths = await streamingLengths(operator);
    expect(new Set(lengths).size).toBeGreaterThan(1);
    // What the operator ended with is the stored reply, word for word (the widget renders it as Markdown).
    const [, reply] = await operator.locator('.message.assistant .text').allTextContents();
    const stored = (await platform.stored(chatId)).filter((message) => message.role === 'assistant');
    expect(reply?.trim()).toBe(stored[1]?.content.trim());
    expect(reply).toContain('website');
  });

  it('adds knowledge, then a test question is answered from it', async () => {
    const page = await newPage();
    await signIn(page, platform, owner);
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Add a document' }).waitFor();
    await page.getByLabel(/^Source/).fill('console-test/parking.md');
    await page
      .getByLabel(/^Content/)
      .fill(
        '# Parking at the MIPTech office\n\nVisitors to the office park in the blue garage on Via Roma 12. The barrier code is given at reception.\n',
      );
    await page.getByRole('button', { name: 'Add document' }).click();
    await expect
      .poll(() => page.locator('[role=status], [role=alert]').allTextContents(), { timeout: 20_000 })
      .toContainEqual(expect.stringMatching(/^Added/));
    await expect
      .poll(() => page.getByRole('cell', { name: 'Parking at the MIPTech office', exact: true }).count())
      .toBe(1);

    await page.getByLabel('Question a visitor might ask').fill('Where do visitors park at the office?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => page.locator('.test-result .answer').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('.test-result .answer').textContent()).toContain('blue garage');
    expect(await page.locator('.test-result').textContent()).toContain('Parking at the MIPTech office');
  });

  it('settings are for owners and admins: the owner edits them, an agent cannot open them', async () => {
    const page = await newPage();
    await signIn(page, platform, owner);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page
      .getByLabel('Greeting (the widget’s first message)'.replace('’', "'"))
      .fill('Hello from the console!');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContainEqual(expect.stringMatching(/^Saved/));
    const tenant = await platform.app.inject({
      url: '/api/v1/tenant',
      headers: { ...DEMO, authorization: `Bearer ${owner.token}` },
    });
    expect(tenant.json().greeting).toBe('Hello from the console!');
    expect(await page.locator('.embed').textContent()).toContain('data-tenant-id="miptech-company"');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'console-settings.png', 'the console settings');

    const agent = await inviteOperator(platform, owner, 'Carla', 'agent');
    expect(agent.role).toBe('agent');
    const agentPage = await newPage();
    await signIn(agentPage, platform, agent);
    expect(await agentPage.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await agentPage.goto(`${platform.url}/console/settings`);
    await expect.poll(() => agentPage.getByRole('alert').textContent()).toContain('Only owners and admins');
    expect(await agentPage.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
  });

  // Last: it leaves 500 open chats behind.
  it('stays responsive with 500 open chats: the first page renders, more pages load, search finds by content', async () => {
    const tenant_id = 'miptech-company';
    let needle = '';
    for (let index = 0; index < 500; index += 1) {
      const chat = await platform.store.createChat({
        tenant_id,
        session_id: `bulk-session-${index}`,
        visitor_id: `bulk-visitor-${String(index).padStart(3, '0')}`,
        title: 'Website Chat',
        context: { page_url: `https://example.com/bulk/${index}` },
      });
      if (index === 123) {
        needle = chat.id;
        await platform.store.appendMessage({
          tenant_id,
          chat_id: chat.id,
          role: 'user',
          content: 'Do you repair vintage typewriters?',
          metadata: {},
        });
      }
    }
    const page = await newPage();
    await signIn(page, platform, owner);
    await page.getByRole('tab', { name: /All open/ }).click();
    const entries = page.locator('#chat-list a.chat-item');
    // The first page only: 50 of the 500 (plus any open chat the other lists' first pages brought).
    await expect.poll(() => entries.count()).toBeGreaterThanOrEqual(50);
    const first = await entries.count();
    expect(first).toBeLessThan(100);
    expect(await page.getByRole('tab', { name: /All open/ }).textContent()).toMatch(/\d+\+/);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'console-inbox-500.png', 'the inbox with 500 open chats, first page');

    // The list scrolls to its end, where the next page is asked for.
    const more = page.getByRole('button', { name: 'Show more chats' });
    await more.scrollIntoViewIfNeeded();
    await more.click();
    await expect.poll(() => entries.count()).toBe(first + 50);
    await entries.last().scrollIntoViewIfNeeded();
    const box = await entries.last().boundingBox();
    expect(box && box.y + box.height <= DESKTOP.viewport.height).toBe(true);

    // Search by message content reaches chats not loaded yet (the server searches).
    await page.getByLabel('Search visitors, pages and messages').fill('vintage typewriters');
    await expect.poll(() => entries.count()).toBe(1);
    expect(await entries.first().getAttribute('href')).toContain(needle);
    expect(await entries.first().textContent()).toContain('Visitor: Do you repair vintage typewriters?');
    expect(await entries.first().textContent()).toContain('1 unread');
  });
});
