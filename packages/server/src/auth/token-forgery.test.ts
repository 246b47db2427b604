/**
 * Forged and misused tokens: every one is a 401 with the same body, so an attacker learns
 * nothing about which check failed. A control token, signed by the test exactly like the server
 * signs, passes: the failures come from the defect each case plants, not from the test's signing.
 */
import { hkdfSync } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';

const TENANT = 'forgery-co';
const HEADERS = { 'x-tenant-id': TENANT };
const PASSWORD = 'correct horse battery staple 42';

/** The server's derived signing key for a token kind (mirrors TokenService). */
const keyFor = (kind: 'operator' | 'visitor' | 'refresh', secret = TEST_JWT_SECRET) =>
  new Uint8Array(hkdfSync('sha256', secret, 'miptech-platform', `miptech:${kind}:v1`, 32));

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('token forgery and misuse', () => {
  let platform: TestPlatform;
  let accessToken: string;
  let refreshToken: string;
  let visitorToken: string;
  let chatId: string;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    platform = await createTestApp({ env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET } });
    await platform.store.createTenant({ id: TENANT, name: 'Forgery Co' });
    const registered = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: HEADERS,
      payload: { email: 'owner@forgery.example', password: PASSWORD },
    });
    expect(registered.statusCode).toBe(200);
    ({ access_token: accessToken, refresh_token: refreshToken } = registered.json());
    claims = decodeJwt(accessToken);
    const chat = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: HEADERS,
      payload: {},
    });
    ({ visitor_token: visitorToken, id: chatId } = chat.json());
  });
  afterAll(() => platform?.close());

  /** Signs like the server, with every part overridable. */
  async function sign(options: {
    key?: Uint8Array;
    alg?: string;
    typ?: string;
    iss?: string;
    aud?: string;
    exp?: number;
    payload?: Record<string, unknown>;
  }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tid: claims.tid, sid: claims.sid, ...options.payload })
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: options.typ ?? 'operator+jwt' })
      .setIssuer(options.iss ?? 'miptech-platform')
      .setAudience(options.aud ?? 'miptech:operator')
      .setSubject(String(claims.sub))
      .setIssuedAt(now - 60)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(options.key ?? keyFor('operator'));
  }

  const me = (token: string) =>
    platform.app.inject({
      url: '/api/v1/auth/me',
      headers: { ...HEADERS, authorization: `Bearer ${token}` },
    });

  it('accepts the control token the test signs the way the server does', async () => {
    expect((await me(await sign({}))).statusCode).toBe(200);
    expect((await me(accessToken)).statusCode).toBe(200);
  });

  it('refuses every forged or misused operator credential with one identical 401', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'operator+jwt' })}.${base64url(decodeJwt(accessToken))}.`;
    const [header, payload] = accessToken.split('.');
    const forgeries: Record<string, string> = {
      'alg none': unsigned,
      'alg none with the original signature': `${base64url({ alg: 'none', typ: 'operator+jwt' })}.${payload}.${accessToken.split('.')[2]}`,
      'HS256 with a wrong key': await sign({
        key: keyFor('operator', 'another-secret-of-sufficient-length-000000'),
      }),
      'HS256 with the raw JWT_SECRET instead of the derived key': await sign({
        key: new TextEncoder().encode(TEST_JWT_SECRET),
      }),
      'HS512 with the right key (algorithm not allowed)': await sign({ alg: 'HS512' }),
      'wrong issuer': await sign({ iss: 'someone-else' }),
      'wrong audience': await sign({ aud: 'miptech:visitor' }),
      'wrong typ': await sign({ typ: 'JWT' }),
      'visitor typ with the operator key': await sign({ typ: 'visitor+jwt' }),
      expired: await sign({ exp: Math.floor(Date.now() / 1000) - 3600 }),
      'tampered payload (tenant changed)': `${header}.${base64url({ ...decodeJwt(accessToken), role: 'owner', tid: 'other' })}.${accessToken.split('.')[2]}`,
      'signed with the visitor key': await sign({ key: keyFor('visitor') }),
      'a visitor token': visitorToken,
      'a refresh token': refreshToken,
      'an unknown session id': await sign({ payload: { sid: 'not-a-session' } }),
      garbage: 'not.a.jwt',
    };
    const bodies = new Map<string, unknown>();
    for (const [name, token] of Object.entries(forgeries)) {
      const response = await me(token);
      expect(response.statusCode, name).toBe(401);
      const { detail, code } = response.json();
      bodies.set(name, { detail, code });
    }
    const distinct = new Set([...bodies.values()].map((body) => JSON.stringify(body)));
    expect([...distinct]).toEqual([
      JSON.stringify({ detail: 'The token is invalid or expired', code: 'invalid_token' }),
    ]);
  });

  it('refuses operator tokens and refresh tokens where a visitor token is needed', async () => {
    for (const token of [
      accessToken,
      refreshToken,
      await sign({ typ: 'visitor+jwt', aud: 'miptech:visitor' }),
    ]) {
      const response = await platform.app.inject({
        url: `/api/v1/chat/${chatId}`,
        headers: { ...HEADERS, authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().code).toBe('invalid_token');
    }
    const own = await platform.app.inject({
      url: `/api/v1/chat/${chatId}`,
      headers: { ...HEADERS, authorization: `Bearer ${visitorToken}` },
    });
    expect(own.statusCode).toBe(200);
  });

  it('refuses an access token or a visitor token as a refresh token', async () => {
    for (const token of [accessToken, visitorToken, `${refreshToken}x`]) {
      const response = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: HEADERS,
        payload: { refresh_token: token },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().code).toBe('invalid_refresh_token');
    }
  });

  it('answers a malformed Authorization header with the same 401', async () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      `Token ${accessToken}`,
      `Bearer ${accessToken} extra`,
    ]) {
      const response = await platform.app.inject({
        url: '/api/v1/auth/me',
        headers: { ...HEADERS, authorization },
      });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json().code).toBe('invalid_token');
    }
  });
});
