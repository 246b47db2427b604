/**
 * The console's settings, knowledge and sign-in flows in Chromium: a file dropped into Knowledge
 * then a test question answered from it, and a knowledge gap listed; an agent kept out of
 * settings; an invitation accepted from the link Team settings shows; an owner's first sign-in
 * from the CLI's bootstrap link; an API key created, used and revoked; the embed preview running
 * the real widget with the chosen colour, position and the tenant's greeting; axe on settings.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleInvitationPath, inviteOwner } from '../packages/server/src/auth/owner-bootstrap.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../packages/server/src/testing/fake-openai-server.ts';
import { DEMO } from '../packages/server/src/testing/test-app.ts';
import { DESKTOP, launchChromium } from './support/browser.ts';
import { inviteOperator, PASSWORD, registerOperator, signIn, type TestOperator } from './support/console.ts';
import { ARTIFACTS } from './support/paths.ts';
import { type BrowserPlatform, startBrowserPlatform } from './support/platform.ts';

describe('console settings, knowledge and sign-in', () => {
  let platform: BrowserPlatform;
  let browser: Browser;
  let owner: TestOperator;
  const contexts: BrowserContext[] = [];

  /** A site on the loopback (allowed for this platform with OUTBOUND_ALLOW) with a sitemap of one page. */
  let site: Server;
  let siteOrigin: string;

  beforeAll(async () => {
    site = createServer((request, response) => {
      if (request.url === '/sitemap.xml') {
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end(
          `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${siteOrigin}/holidays</loc></url></urlset>`,
        );
      } else if (request.url === '/holidays') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end(
          '<html><head><title>Office holidays</title></head><body><h1>Office holidays</h1><p>The MIPTech office closes for the August holidays from the 8th to the 22nd.</p></body></html>',
        );
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    platform = await startBrowserPlatform({ OUTBOUND_ALLOW: '127.0.0.1' });
    browser = await launchChromium();
    owner = await registerOperator(platform, 'Olga Owner');
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  });

  const newPage = async () => {
    const context = await browser.newContext(DESKTOP);
    contexts.push(context);
    return context.newPage();
  };
  const shoot = async (page: Page, name: string, what: string) => {
    const path = join(ARTIFACTS, name);
    // The screen scrolls inside the shell, so a full-page shot would add nothing: the top is shown.
    await page.locator('main').evaluate((element) => element.scrollTo(0, 0));
    await page.screenshot({ path });
    process.stdout.write(`screenshot of ${what}: ${path}\n`);
  };
  const openSettings = async (page: Page) => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Team' }).waitFor();
  };
  const statusTexts = (page: Page) => page.locator('[role=status], [role=alert]').allTextContents();

  it('a dropped file becomes a document that answers a test question; an unanswered question is a gap', async () => {
    // A visitor's question the demo knowledge cannot answer.
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/messages?wait=true`,
      headers: DEMO,
      payload: { content: 'Do you repair vintage submarines?' },
    });

    const page = await newPage();
    await signIn(page, platform, owner);
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await expect
      .poll(() => page.locator('.gaps').textContent())
      .toContain('Do you repair vintage submarines?');

    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      const text =
        '# Bicycle storage at the MIPTech office\n\nVisitors lock their bicycles in the covered courtyard rack behind the green gate.\n';
      transfer.items.add(new File([text], 'bicycles.md', { type: 'text/markdown' }));
      return transfer;
    });
    await page.getByLabel(/^Content/).dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => page.getByLabel(/^Source/).inputValue()).toBe('bicycles.md');
    expect(await page.getByLabel('Format').inputValue()).toBe('markdown');
    await page.getByRole('button', { name: 'Add document' }).click();
    await expect
      .poll(() => statusTexts(page), { timeout: 20_000 })
      .toContainEqual(expect.stringMatching(/^Added "Bicycle storage at the MIPTech office"/));
    const row = page.getByRole('row', { name: /Bicycle storage at the MIPTech office/ });
    await expect.poll(() => row.textContent()).toContain('bicycles.md');

    await page.getByLabel('Question a visitor might ask').fill('Where do visitors lock their bicycles?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect.poll(() => page.locator('.test-result .answer').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('.test-result .answer').textContent()).toContain('courtyard rack');
    expect(await page.locator('.test-result').textContent()).toContain(
      'Bicycle storage at the MIPTech office',
    );
    await shoot(page, 'console-knowledge.png', 'the knowledge screen');
    const answerPath = join(ARTIFACTS, 'console-knowledge-test-and-gaps.png');
    await page.locator('section[aria-labelledby="test-title"]').screenshot({ path: answerPath });
    const gapsPath = join(ARTIFACTS, 'console-knowledge-gaps.png');
    await page.locator('section[aria-labelledby="gaps-title"]').screenshot({ path: gapsPath });
    process.stdout.write(
      `screenshots of the test answer and the knowledge gaps: ${answerPath}, ${gapsPath}\n`,
    );
  });

  it('a sitemap imported by URL lists each page as it is stored', async () => {
    const page = await newPage();
    await signIn(page, platform, owner);
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByLabel('URL of a page or a sitemap.xml').fill(`${siteOrigin}/sitemap.xml`);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect
      .poll(() => statusTexts(page), { timeout: 20_000 })
      .toContainEqual('Imported: 1 added, 0 updated, 0 unchanged, 0 failed.');
    expect(await page.getByRole('list', { name: 'Imported pages' }).textContent()).toContain(
      'created: Office holidays (1 passage)',
    );
    await expect.poll(() => page.getByRole('cell', { name: 'Office holidays', exact: true }).count()).toBe(1);
  });

  it('an agent sees no settings, and the settings URL says they are not allowed', async () => {
    const agent = await inviteOperator(platform, owner, 'Aldo', 'agent');
    const page = await newPage();
    await signIn(page, platform, agent);
    expect(await page.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await page.goto(`${platform.url}/console/settings`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Only owners and admins');
    expect(await page.getByRole('heading', { name: 'Team' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'API keys' }).count()).toBe(0);
    // The knowledge screen is theirs to read, not to change.
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge gaps' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Add a document' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Add a page or a sitemap' }).count()).toBe(0);
  });

  it('an invitation from Team settings is accepted by choosing a password', async () => {
    const page = await newPage();
    await signIn(page, platform, owner);
    await openSettings(page);
    const email = `dora-${Date.now()}@example.com`;
    await page.getByLabel('Invite by email').fill(email);
    await page.getByLabel('Role of the invitee').selectOption('admin');
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    // The outcome line first: on a failure it says why (its text is in the assertion's message).
    await expect
      .poll(() => statusTexts(page), { timeout: 20_000 })
      .toContainEqual(expect.stringMatching(/^Invitation for /));
    const linkBox = page.getByLabel(/^Invitation link/);
    const link = await linkBox.inputValue();
    expect(link).toContain('/console?tenant=miptech-company&');

    const invitee = await newPage();
    await invitee.goto(link);
    await invitee.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    expect(await invitee.getByLabel('Email').inputValue()).toBe(email);
    await invitee.getByLabel('Your name').fill('Dora Admin');
    await invitee.getByLabel('Password').fill(PASSWORD);
    await invitee.getByRole('button', { name: 'Set password and sign in' }).click();
    await invitee.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(await invitee.locator('.who').textContent()).toContain('Dora Admin (admin)');
    expect(invitee.url()).not.toContain('invitation=');
    // The team list now has her, with her role, for the owner.
    await page.reload();
    await page.getByRole('heading', { name: 'Team' }).waitFor();
    await expect.poll(() => page.getByRole('row', { name: /Dora Admin/ }).count()).toBe(1);
  });

  it("an owner's first sign-in goes through the link the CLI prints", async () => {
    await platform.store.createTenant({ id: 'bootstrap-co', name: 'Bootstrap Co' });
    const email = 'founder@bootstrap.example';
    // What `npm run cli -- tenant create … --owner-email` does and prints.
    const invitation = await inviteOwner(platform.store, 'bootstrap-co', email);
    const page = await newPage();
    await page.goto(`${platform.url}${consoleInvitationPath({ tenant_id: 'bootstrap-co', ...invitation })}`);
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    expect(await page.getByLabel('Company (tenant id)').inputValue()).toBe('bootstrap-co');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(await page.locator('.who').textContent()).toContain('(owner)');
    await openSettings(page);
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Bootstrap Co');
    // The invitation was for one use.
    const again = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-tenant-id': 'bootstrap-co' },
      payload: { email, password: PASSWORD, invitation_token: invitation.invitation_token },
    });
    expect(again.statusCode).toBeGreaterThanOrEqual(400);
  });

  it('an API key is shown once, works, and stops working when revoked', async () => {
    const page = await newPage();
    await signIn(page, platform, owner);
    await openSettings(page);
    await page.getByLabel("New key's name").fill('CRM sync');
    await page.getByRole('button', { name: 'Create key' }).click();
    const keyBox = page.getByLabel(/^New API key/);
    await keyBox.waitFor();
    const key = await keyBox.inputValue();
    expect(key).toMatch(/^mip_key_/);
    const listChats = (header: Record<string, string>) =>
      platform.app.inject({ url: '/api/v1/chats', headers: { ...DEMO, ...header } });
    expect((await listChats({ authorization: `Bearer ${key}` })).statusCode).toBe(200);
    expect((await listChats({ 'x-api-key': key })).statusCode).toBe(200);
    // Listed by its prefix only.
    const row = page.getByRole('row', { name: /CRM sync/ });
    expect(await row.textContent()).not.toContain(key);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke CRM sync' }).click();
    await expect.poll(() => row.textContent()).toContain('Revoked');
    expect((await listChats({ 'x-api-key': key })).statusCode).toBe(401);
  });

  it("the assistant's key is write-only, and Test calls the provider: refused key, then ok", async () => {
    const openai: FakeOpenAi = await startFakeOpenAi({ apiKey: 'sk-right-key', reply: 'OK' });
    try {
      const page = await newPage();
      await signIn(page, platform, owner);
      await openSettings(page);
      await page.getByLabel('Engine').selectOption('openai-compatible');
      await page.getByLabel('Model', { exact: true }).fill('fake-model');
      await page.getByLabel(/^Base URL/).fill(openai.url);
      await page.getByLabel('API key', { exact: true }).fill('sk-wrong-key');
      await page.getByRole('button', { name: 'Save the assistant' }).click();
      await expect
        .poll(() => page.getByTestId('key-state').textContent(), { timeout: 20_000 })
        .toContain('A key is set');
      // Written, never read back: the field is empty and the page holds the key nowhere.
      expect(await page.getByLabel('API key', { exact: true }).inputValue()).toBe('');
      expect(await page.content()).not.toContain('sk-wrong-key');
      await page.getByRole('button', { name: 'Test the provider' }).click();
      // A real HTTP call each: generous waits, the machine may be busy with other suites.
      await expect
        .poll(() => page.getByTestId('assistant-test').textContent(), { timeout: 20_000 })
        .toContain('Test failed (provider_unauthorized)');

      await page.getByLabel('API key', { exact: true }).fill('sk-right-key');
      await page.getByRole('button', { name: 'Save the assistant' }).click();
      await expect
        .poll(() => page.getByLabel('API key', { exact: true }).inputValue(), { timeout: 20_000 })
        .toBe('');
      await page.getByRole('button', { name: 'Test the provider' }).click();
      await expect
        .poll(() => page.getByTestId('assistant-test').textContent(), { timeout: 20_000 })
        .toContain('Test passed');
      expect(openai.chatRequests().map((request) => request.headers.authorization)).toEqual([
        'Bearer sk-wrong-key',
        'Bearer sk-right-key',
      ]);
    } finally {
      // Back to the built-in assistant for the other tests of this file.
      await platform.app.inject({
        method: 'PATCH',
        url: '/api/v1/tenant',
        headers: { ...DEMO, authorization: `Bearer ${owner.token}` },
        payload: {
          assistant: { llm_provider: null, llm_base_url: null, llm_model: null, llm_api_key: null },
        },
      });
      await openai.close();
    }
  });

  it('the embed preview runs the real widget with the chosen colour and position and the greeting', async () => {
    const page = await newPage();
    await signIn(page, platform, owner);
    await openSettings(page);
    await page.getByLabel(/^Greeting/).fill('Welcome! Ask the MIPTech team anything.');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => statusTexts(page)).toContainEqual(expect.stringMatching(/^Saved/));
    expect(await page.locator('.embed').textContent()).toContain('data-tenant-id="miptech-company"');
    // The built-in assistant has no provider to call: the test says so rather than failing obscurely.
    await page.getByRole('button', { name: 'Test the provider' }).click();
    await expect.poll(() => page.getByTestId('assistant-test').textContent()).toContain('not_configured');

    await page.getByLabel('Colour').fill('#0f766e');
    await page.getByLabel('Position').selectOption('bottom-left');
    expect(await page.locator('.embed').textContent()).toContain(
      'data-primary-color="#0f766e" data-position="bottom-left"',
    );
    const preview = page.frameLocator('iframe[title="Widget preview"]');
    const launcher = preview.locator('.launcher');
    await launcher.waitFor({ timeout: 15_000 });
    await expect
      .poll(() => launcher.evaluate((element) => getComputedStyle(element).backgroundColor))
      .toBe('rgb(15, 118, 110)');
    expect(await preview.locator('miptech-chat').getAttribute('data-position')).toBe('bottom-left');
    await expect
      .poll(() => preview.locator('.row.assistant .bubble').first().textContent())
      .toContain('Welcome! Ask the MIPTech team anything.');

    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
    expect(serious).toEqual([]);
    await shoot(page, 'console-settings-top.png', 'the settings: company and assistant');
    const embedPath = join(ARTIFACTS, 'console-settings-embed.png');
    await page.locator('section[aria-labelledby="embed-title"]').screenshot({ path: embedPath });
    process.stdout.write(`screenshot of the embed line and the live widget preview: ${embedPath}\n`);
  });
});
