/**
 * The seed document's React app, its files byte for byte the document's, in Debian's Chromium
 * against a real platform: what a visitor sees in its ChatWidget, and its ConnectionTest panel.
 * Built as Create React App would run it (React development build under StrictMode, so React
 * reports duplicate keys), with `.env` from the document and per-test overrides.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../packages/server/src/testing/test-app.ts';
import { DESKTOP, launchChromium, PHONE } from './support/browser.ts';
import { ARTIFACTS } from './support/paths.ts';
import {
  duplicateKeyWarnings,
  recordConsole,
  type SeedAppServer,
  seedAppUrl,
  seedBubbles,
  serveSeedApp,
} from './support/seed-app.ts';

/** The configuration that works: the document's `.env` with its one fatal setting turned off. */
const WORKING = { REACT_APP_ENABLE_CONNECTION_RETRY: 'false' };

describe("the seed's React app in Chromium", () => {
  let platform: TestPlatform;
  let platformUrl: string;
  let browser: Browser;
  let app: SeedAppServer;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The real answer engine: the built-in knowledge-base responder over the demo knowledge.
    platform = await createTestApp({ env: { RESPONDER: 'assistant' } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    platformUrl = `http://127.0.0.1:${address.port}`;
    app = await serveSeedApp();
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await platform?.close();
  });

  async function newContext(options: typeof DESKTOP | typeof PHONE = DESKTOP): Promise<BrowserContext> {
    const context = await browser.newContext(options);
    contexts.push(context);
    return context;
  }

  /** The stored messages of a chat, as the platform has them. */
  async function storedMessages(chatId: string): Promise<Array<{ role: string; content: string }>> {
    const response = await platform.app.inject({ url: `/api/v1/chat/${chatId}/messages`, headers: DEMO });
    return response.json().items;
  }

  /** Opens the widget the way a visitor does, and waits for the chat it starts. */
  async function openWidget(page: Page): Promise<string> {
    const created = page.waitForResponse(
      (response) => response.url().endsWith('/api/v1/chat/') && response.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Open chat' }).click();
    return (await (await created).json()).id;
  }

  /** Types a question into the widget and presses Enter; waits until `bubbles` are shown. */
  async function ask(page: Page, question: string, bubbles: number): Promise<void> {
    const input = page.getByPlaceholder('How can I help you today?');
    await expect.poll(() => input.isEnabled()).toBe(true);
    await input.fill(question);
    await input.press('Enter');
    await expect.poll(async () => (await seedBubbles(page)).length, { timeout: 15_000 }).toBe(bubbles);
  }

  it('shows each question and each reply exactly once, the replies as stored', async () => {
    const page = await (await newContext()).newPage();
    const console = recordConsole(page);
    await page.goto(seedAppUrl(app, platformUrl, WORKING));
    const chatId = await openWidget(page);
    await expect.poll(() => page.getByText('Connected', { exact: true }).count()).toBeGreaterThan(0);

    await ask(page, 'What services do you offer?', 2);
    await ask(page, 'How much does a website cost?', 4);
    // Nothing arrives late: a third copy, or an echo, would show up within this time.
    await page.waitForTimeout(700);

    const stored = await storedMessages(chatId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(await seedBubbles(page)).toEqual([
      { from: 'visitor', text: 'What services do you offer?' },
      { from: 'assistant', text: stored[1]?.content },
      { from: 'visitor', text: 'How much does a website cost?' },
      { from: 'assistant', text: stored[3]?.content },
    ]);
    expect(stored[1]?.content).toMatch(/\[1\]/);
    expect(duplicateKeyWarnings(console)).toEqual([]);
    expect(await page.getByText('Connected', { exact: true }).count()).toBeGreaterThan(0);

    const screenshot = join(ARTIFACTS, 'seed-widget-two-questions.png');
    await page.screenshot({ path: screenshot });
    process.stdout.write(`screenshot of the seed widget after two questions: ${screenshot}\n`);
  });

  it('keeps two tabs of one visitor each in its own chat, on a phone', async () => {
    const context = await newContext(PHONE);
    const first = await context.newPage();
    await first.goto(seedAppUrl(app, platformUrl, WORKING));
    const firstChat = await openWidget(first);
    await ask(first, 'How can I contact you?', 2);

    // The second tab shares the first's localStorage, so its session: it starts its own chat in it.
    const second = await context.newPage();
    await second.goto(seedAppUrl(app, platformUrl, WORKING));
    const secondChat = await openWidget(second);
    expect(secondChat).not.toBe(firstChat);
    await ask(second, 'What does your process look like?', 2);
    await ask(first, 'Do you build mobile apps?', 4);
    await second.waitForTimeout(700);

    const texts = async (page: Page) => (await seedBubbles(page)).map((bubble) => bubble.text);
    const storedTexts = async (chatId: string) =>
      (await storedMessages(chatId)).map((message) => message.content);
    expect(await texts(first)).toEqual(await storedTexts(firstChat));
    expect(await texts(second)).toEqual(await storedTexts(secondChat));
    expect(await texts(second)).toHaveLength(2);

    const screenshot = join(ARTIFACTS, 'seed-widget-second-tab-phone.png');
    await second.screenshot({ path: screenshot });
    process.stdout.write(`screenshot of the second tab on a phone: ${screenshot}\n`);
  });

  it('shows API and WebSocket Connected in the ConnectionTest panel', async () => {
    const page = await (await newContext()).newPage();
    await page.goto(seedAppUrl(app, platformUrl, WORKING));
    const heading = page.getByRole('heading', { name: 'MIPTech Connection Test' });
    await expect.poll(() => heading.isVisible()).toBe(true);
    const row = (name: string) => page.locator('div.justify-between', { hasText: name }).last();
    expect(await row('API Connection').textContent()).toContain('Not tested');

    await page.getByRole('button', { name: 'Test API' }).click();
    await expect.poll(() => row('API Connection').textContent()).toContain('Connected');
    await page.getByRole('button', { name: 'Test WebSocket' }).click();
    await expect.poll(() => row('WebSocket').textContent()).toContain('Connected');
    const results = await page.locator('pre').textContent();
    expect(JSON.parse(results ?? '{}')).toMatchObject({
      api: { connected: true, status: 200, data: { status: 'healthy' } },
      ws: { connected: true },
    });

    const screenshot = join(ARTIFACTS, 'seed-connection-test.png');
    await page.screenshot({ path: screenshot });
    process.stdout.write(`screenshot of the ConnectionTest panel: ${screenshot}\n`);
  });

  it('resolves window.testMIPTechIntegration() with both tests connected, and pins what it does to the widget', async () => {
    const page = await (await newContext()).newPage();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(seedAppUrl(app, platformUrl, WORKING));
    await openWidget(page);
    const header = page.getByText('Connected', { exact: true });
    await expect.poll(() => header.count()).toBe(1);

    const results = await page.evaluate(() =>
      (window as unknown as { testMIPTechIntegration(): Promise<unknown> }).testMIPTechIntegration(),
    );
    expect(results).toMatchObject({
      configTest: { tenantId: 'miptech-company', hasCorrectPath: true },
      apiTest: { connected: true, status: 200, data: { status: 'healthy' } },
      websocketTest: { connected: true },
    });

    // The seed's own code, not the server: the function connects the widget's WebSocketManager (a
    // singleton) under a new random session, then disconnects it from a 'connected' listener it
    // never removes. The manager reconnects every 2 s and is disconnected again each time, so the
    // widget says Disconnected and its input stays disabled until the page is reloaded.
    const widgetSession = new URL(sockets[0] ?? '').searchParams.get('session_id');
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const laterSessions = sockets.slice(1).map((url) => new URL(url).searchParams.get('session_id'));
    expect(new Set(laterSessions).size).toBe(1);
    expect(laterSessions[0]).not.toBe(widgetSession);
    // Between two of its reconnects the header says Connected for a moment: poll, don't sample.
    await expect.poll(() => page.getByText('Disconnected', { exact: true }).count()).toBe(1);
    await expect.poll(() => page.getByPlaceholder('How can I help you today?').isEnabled()).toBe(false);
  });

  it("fails to connect with the document's .env as written (its own connectWithDiscovery bug)", async () => {
    const page = await (await newContext()).newPage();
    const console = recordConsole(page);
    const chatsCreated: string[] = [];
    page.on('response', async (response) => {
      if (response.url().endsWith('/api/v1/chat/') && response.request().method() === 'POST')
        chatsCreated.push((await response.json()).id);
    });
    // No overrides but the URLs: REACT_APP_ENABLE_CONNECTION_RETRY=true, as the document sets it.
    await page.goto(seedAppUrl(app, platformUrl));
    await openWidget(page);
    await expect.poll(() => page.getByText('Connection failed', { exact: true }).count()).toBe(1);
    expect(await page.getByText('this.connectWithDiscovery is not a function').count()).toBe(1);
    expect(await page.getByPlaceholder('How can I help you today?').isEnabled()).toBe(false);
    expect(console.some((line) => line.includes('connectWithDiscovery is not a function'))).toBe(true);

    // "Retry Connection" starts yet another empty chat, and fails the same way.
    await page.getByRole('button', { name: 'Retry Connection' }).click();
    await expect.poll(() => chatsCreated.length).toBe(2);
    expect(chatsCreated[0]).not.toBe(chatsCreated[1]);
    await expect.poll(() => page.getByText('Connection failed', { exact: true }).count()).toBe(1);

    const screenshot = join(ARTIFACTS, 'seed-widget-env-as-written.png');
    await page.screenshot({ path: screenshot });
    process.stdout.write(`screenshot of the seed widget with the .env as written: ${screenshot}\n`);
  });
});
