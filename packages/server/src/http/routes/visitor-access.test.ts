/**
 * Visitor tokens: in production a visitor reaches only their own chats, and only with the token
 * returned when a chat starts; in development the seed client's token-less calls still work and
 * the log says so once per chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, TEST_JWT_SECRET, type TestPlatform } from '../../testing/test-app.ts';

const bearer = (token: string) => ({ ...DEMO, authorization: `Bearer ${token}` });

describe('visitor access in production', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestApp({ env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET } });
  });
  afterAll(() => platform?.close());

  const startChat = async (headers: Record<string, string> = DEMO, payload: object = {}) =>
    platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers, payload });

  it("returns a visitor token that opens only the visitor's own chats", async () => {
    const mine = (await startChat()).json();
    const theirs = (await startChat()).json();
    expect(mine.visitor_token).toBeTruthy();
    expect(mine.visitor_token_expires_in).toBe(86_400);

    const url = `/api/v1/chat/${mine.id}`;
    const tokenless = await platform.app.inject({ url, headers: DEMO });
    expect(tokenless.statusCode).toBe(401);
    expect(tokenless.json().code).toBe('auth_required');
    expect(tokenless.headers['www-authenticate']).toBe('Bearer');

    expect((await platform.app.inject({ url, headers: bearer(mine.visitor_token) })).statusCode).toBe(200);
    const foreign = await platform.app.inject({ url, headers: bearer(theirs.visitor_token) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('chat_not_found');

    const post = (token: string) =>
      platform.app.inject({
        method: 'POST',
        url: `${url}/messages`,
        headers: bearer(token),
        payload: { content: 'hello' },
      });
    expect((await post(mine.visitor_token)).statusCode).toBe(200);
    expect((await post(theirs.visitor_token)).statusCode).toBe(404);
    const history = await platform.app.inject({
      url: `${url}/messages`,
      headers: bearer(theirs.visitor_token),
    });
    expect(history.statusCode).toBe(404);
  });

  it('keeps the visitor across chats with the token, and never trusts a claimed visitor_id without it', async () => {
    const first = (await startChat()).json();
    const second = (await startChat(bearer(first.visitor_token))).json();
    expect(second.visitor_id).toBe(first.visitor_id);

    const mismatch = await startChat(bearer(first.visitor_token), { visitor_id: 'someone_else' });
    expect(mismatch.statusCode).toBe(403);

    const impostor = (await startChat(DEMO, { visitor_id: first.visitor_id })).json();
    expect(impostor.visitor_id).not.toBe(first.visitor_id);
    const stolen = await platform.app.inject({
      url: `/api/v1/chat/${first.id}`,
      headers: bearer(impostor.visitor_token),
    });
    expect(stolen.statusCode).toBe(404);
  });

  it('sends security headers on every answer, errors included', async () => {
    for (const url of ['/api/v1/health', '/api/v1/chat/nope', '/api/v1/nowhere']) {
      const response = await platform.app.inject({ url, headers: DEMO });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['strict-transport-security'], url).toMatch(/max-age=/);
      expect(response.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(response.headers['referrer-policy'], url).toBe('no-referrer');
    }
  });
});

describe('visitor access in development', () => {
  const lines: string[] = [];
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestApp({
      env: { LOG_LEVEL: 'warn' },
      logStream: { write: (line) => void lines.push(line) },
    });
  });
  afterAll(() => platform?.close());

  it('lets token-less calls through and logs it once per chat', async () => {
    const chats = [];
    for (let index = 0; index < 2; index++) {
      chats.push(
        (
          await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
        ).json(),
      );
    }
    for (const chat of chats) {
      for (let round = 0; round < 3; round++) {
        expect(
          (await platform.app.inject({ url: `/api/v1/chat/${chat.id}`, headers: DEMO })).statusCode,
        ).toBe(200);
      }
      const posted = await platform.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chat.id}/messages`,
        headers: DEMO,
        payload: { content: 'hi' },
      });
      expect(posted.statusCode).toBe(200);
    }
    const warnings = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => /without a visitor token/.test(entry.msg));
    expect(warnings.map((entry) => entry.chat_id).sort()).toEqual(chats.map((chat) => chat.id).sort());
  });

  it('still enforces a token that is sent', async () => {
    const mine = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const theirs = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const response = await platform.app.inject({
      url: `/api/v1/chat/${mine.id}`,
      headers: bearer(theirs.visitor_token),
    });
    expect(response.statusCode).toBe(404);
  });
});
