/**
 * The operators' auth client against a real platform: sign-in with the refresh token in the
 * HttpOnly cookie only, one shared refresh for concurrent 401s, sign-out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../server/src/testing/test-app.ts';
import { AuthClient } from './auth-client.ts';
import { MIPTechError } from './errors.ts';
import { type ListeningPlatform, startPlatform } from './testing.ts';

const PASSWORD = 'a long and unguessable passphrase';

/**
 * Node's fetch as a browser would behave for this origin: it keeps the cookies the platform
 * sets (the refresh cookie) and sends them back. It also counts refreshes, and can spoil the
 * access token of the next requests so that the server answers 401, as after expiry.
 */
function browserLikeFetch() {
  const jar = new Map<string, string>();
  const state = { refreshes: 0, spoilNext: 0 };
  const wrapped: typeof fetch = async (input, init = {}) => {
    const url = String(input);
    const headers = new Headers(init.headers);
    if (url.endsWith('/auth/refresh')) state.refreshes += 1;
    if (state.spoilNext > 0 && headers.get('authorization')) {
      state.spoilNext -= 1;
      headers.set('authorization', `${headers.get('authorization')}spoiled`);
    }
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    return response;
  };
  return { fetch: wrapped, state, jar };
}

describe('AuthClient against a real platform', () => {
  let platform: ListeningPlatform;

  beforeAll(async () => {
    platform = await startPlatform();
    const registered = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: DEMO,
      payload: { email: 'anna@example.com', password: PASSWORD, name: 'Anna' },
    });
    expect(registered.statusCode).toBe(200);
  });
  afterAll(() => platform?.close());

  const client = (browser = browserLikeFetch()) =>
    new AuthClient({ baseUrl: platform.baseUrl, tenantId: 'miptech-company', fetch: browser.fetch });

  it('signs in, keeps the refresh token in the cookie only, and survives a reload through it', async () => {
    const browser = browserLikeFetch();
    const auth = client(browser);
    const user = await auth.login('anna@example.com', PASSWORD);
    expect(user).toMatchObject({ email: 'anna@example.com', role: 'owner' });
    expect(browser.jar.size).toBe(1);
    expect(JSON.stringify(auth)).not.toContain([...browser.jar.values()][0]);

    // A reload: a new client, nothing in memory, the same cookie.
    const reloaded = client(browser);
    expect(await reloaded.me()).toMatchObject({ email: 'anna@example.com' });
    expect(browser.state.refreshes).toBe(1);
  });

  it('refreshes once for concurrent 401s and retries each request with the new token', async () => {
    const browser = browserLikeFetch();
    const auth = client(browser);
    await auth.login('anna@example.com', PASSWORD);
    browser.state.spoilNext = 3;
    const answers = await Promise.all([auth.me(), auth.request('/chats'), auth.request('/operators')]);
    expect(answers[0]).toMatchObject({ email: 'anna@example.com' });
    expect(answers[1]).toMatchObject({ items: expect.any(Array) });
    expect(answers[2]).toMatchObject({ items: [expect.objectContaining({ email: 'anna@example.com' })] });
    // Three 401s, one refresh: the second and third waited for the first's.
    expect(browser.state.refreshes).toBe(1);
    expect(browser.state.spoilNext).toBe(0);
  });

  it('signs out: the session ends on the server and the next call must sign in again', async () => {
    const browser = browserLikeFetch();
    const auth = client(browser);
    await auth.login('anna@example.com', PASSWORD);
    const changes: unknown[] = [];
    auth.onChange((user) => changes.push(user));
    await auth.logout();
    expect(auth.user).toBeUndefined();
    expect(changes).toEqual([undefined]);
    const failure = await auth.me().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MIPTechError);
    expect(failure).toMatchObject({ type: 'auth', status: 401 });
  });
});
