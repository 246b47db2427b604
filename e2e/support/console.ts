/** The operator console in a browser page, used by role and label as an operator would. */
import type { Page } from 'playwright-core';
import { DEMO } from '../../packages/server/src/testing/test-app.ts';
import type { BrowserPlatform } from './platform.ts';

export const PASSWORD = 'a long and unguessable passphrase';

export interface TestOperator {
  email: string;
  name: string;
  token: string;
}

/** Registers over HTTP: the tenant's first registrant is its owner; others need an invitation here. */
export async function registerOperator(
  platform: BrowserPlatform,
  name: string,
  invitationToken?: string,
): Promise<TestOperator> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  const response = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: DEMO,
    payload: {
      email,
      password: PASSWORD,
      name,
      ...(invitationToken ? { invitation_token: invitationToken } : {}),
    },
  });
  if (response.statusCode !== 200) throw new Error(`register ${name}: ${response.body}`);
  return { email, name, token: response.json().access_token };
}

/** An owner's invitation, redeemed: a new operator with `role`. */
export async function inviteOperator(
  platform: BrowserPlatform,
  owner: TestOperator,
  name: string,
  role: 'admin' | 'agent',
): Promise<TestOperator & { role: string }> {
  const email = `${name.toLowerCase()}-${Date.now()}@example.com`;
  const invitation = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/invitations',
    headers: { ...DEMO, authorization: `Bearer ${owner.token}` },
    payload: { email, role },
  });
  if (invitation.statusCode !== 200 && invitation.statusCode !== 201)
    throw new Error(`invite ${name}: ${invitation.body}`);
  const response = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: DEMO,
    payload: { email, password: PASSWORD, name, invitation_token: invitation.json().invitation_token },
  });
  if (response.statusCode !== 200) throw new Error(`register ${name}: ${response.body}`);
  return { email, name, token: response.json().access_token, role: response.json().user.role };
}

/** Signs in through the console's form and waits for the inbox. */
export async function signIn(page: Page, platform: BrowserPlatform, operator: TestOperator): Promise<void> {
  await page.goto(`${platform.url}/console`);
  await page.getByLabel('Email').fill(operator.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inbox' }).waitFor();
}

/** A chat's entry in the inbox's current list. */
export const chatEntry = (page: Page, chatId: string) =>
  page.locator(`a.chat-item[href$="/chats/${chatId}"]`);

/** Records, on every animation frame, the length of the assistant reply being written in the thread. */
export async function recordStreamingLengths(page: Page): Promise<void> {
  await page.evaluate(() => {
    const lengths: number[] = [];
    (window as unknown as { __lengths: number[] }).__lengths = lengths;
    const sample = () => {
      const streaming = document.querySelector('.message.assistant[data-status="streaming"] .text');
      if (streaming) lengths.push(streaming.textContent?.length ?? 0);
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

export const streamingLengths = (page: Page) =>
  page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
