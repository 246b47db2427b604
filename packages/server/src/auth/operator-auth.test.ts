/**
 * Operator accounts end to end over HTTP: registration rules, login, refresh rotation with reuse
 * detection (RFC 9700 §4.14.2), the refresh cookie, logout and password change.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';

const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'purple elephants dance at noon 7';
let tenantCounter = 0;

async function productionApp(options: { refreshGraceMs?: number } = {}) {
  return createTestApp({
    env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET },
    ...options,
  });
}

/** A fresh tenant on the platform and request helpers bound to it. */
async function tenantOn(platform: TestPlatform) {
  const id = `auth-${++tenantCounter}`;
  await platform.store.createTenant({ id, name: id });
  const headers = { 'x-tenant-id': id };
  const post = (url: string, payload: unknown, extra: Record<string, string> = {}) =>
    platform.app.inject({
      method: 'POST',
      url,
      headers: { ...headers, ...extra },
      payload: payload as object,
    });
  const me = (accessToken: string) =>
    platform.app.inject({
      url: '/api/v1/auth/me',
      headers: { ...headers, authorization: `Bearer ${accessToken}` },
    });
  const refresh = (refreshToken: string) => post('/api/v1/auth/refresh', { refresh_token: refreshToken });
  const register = (email: string, extra: Record<string, unknown> = {}) =>
    post('/api/v1/auth/register', { email, password: PASSWORD, tenant_id: id, ...extra });
  const login = (email: string, password = PASSWORD) =>
    post('/api/v1/auth/login', { email, password, tenant_id: id });
  return { id, headers, post, me, refresh, register, login };
}

describe('operator registration and login', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await productionApp();
  });
  afterAll(() => platform?.close());

  it('makes the first operator the owner and answers in the seed client shape', async () => {
    const tenant = await tenantOn(platform);
    const response = await tenant.register('Owner@Example.com', { name: 'Olivia' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      token_type: 'bearer',
      expires_in: 900,
      user: { email: 'owner@example.com', name: 'Olivia', role: 'owner', tenant_id: tenant.id },
    });
    expect(body.user).not.toHaveProperty('password_hash');
    expect(response.headers['cache-control']).toBe('no-store');
    const me = await tenant.me(body.access_token);
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(body.user.id);
  });

  it('needs an invitation after the first owner in production, and the invitation works once', async () => {
    const tenant = await tenantOn(platform);
    const owner = (await tenant.register('owner@example.com')).json();
    const refused = await tenant.register('newcomer@example.com');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('invitation_required');

    const invitation = await tenant.post(
      '/api/v1/auth/invitations',
      { email: 'newcomer@example.com', role: 'admin' },
      { authorization: `Bearer ${owner.access_token}` },
    );
    expect(invitation.statusCode).toBe(200);
    const { invitation_token } = invitation.json();
    const wrongEmail = await tenant.register('someone-else@example.com', { invitation_token });
    expect(wrongEmail.json().code).toBe('invitation_invalid');
    const accepted = await tenant.register('newcomer@example.com', { invitation_token });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().user.role).toBe('admin');
    const again = await tenant.register('newcomer2@example.com', { invitation_token });
    expect(again.statusCode).toBe(403);
  });

  it('keeps registration open in development, for agents', async () => {
    const development = await createTestApp();
    try {
      const tenant = await tenantOn(development);
      expect((await tenant.register('first@example.com')).json().user.role).toBe('owner');
      const second = await tenant.register('second@example.com');
      expect(second.statusCode).toBe(200);
      expect(second.json().user.role).toBe('agent');
    } finally {
      await development.close();
    }
  });

  it('refuses weak passwords with a 422 that lists every problem', async () => {
    const tenant = await tenantOn(platform);
    const response = await tenant.post('/api/v1/auth/register', {
      email: 'weak@example.com',
      password: 'password',
    });
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body.code).toBe('weak_password');
    expect(body.errors.length).toBeGreaterThanOrEqual(1);
    expect(body.errors[0].field).toBe('body.password');
    expect(body.detail).toMatch(/10 characters/);
  });

  it('refuses a duplicate email and a body naming another tenant', async () => {
    const tenant = await tenantOn(platform);
    await tenant.register('dup@example.com');
    const development = await createTestApp();
    try {
      const open = await tenantOn(development);
      await open.register('dup@example.com');
      const duplicate = await open.register('DUP@example.com');
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json().code).toBe('email_taken');
    } finally {
      await development.close();
    }
    const conflict = await tenant.post('/api/v1/auth/login', {
      email: 'dup@example.com',
      password: PASSWORD,
      tenant_id: 'other',
    });
    expect(conflict.json().code).toBe('tenant_conflict');
  });

  it('answers an unknown email and a wrong password identically', async () => {
    const tenant = await tenantOn(platform);
    await tenant.register('known@example.com');
    const unknown = await tenant.login('unknown@example.com');
    const wrong = await tenant.login('known@example.com', 'not the right password at all');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });
    expect(strip(unknown.json())).toEqual(strip(wrong.json()));
    expect(unknown.json().code).toBe('invalid_credentials');
    expect((await tenant.login('known@example.com')).statusCode).toBe(200);
  });

  it('does not let an account of one tenant log in to another', async () => {
    const first = await tenantOn(platform);
    const second = await tenantOn(platform);
    await first.register('roaming@example.com');
    expect((await second.login('roaming@example.com')).statusCode).toBe(401);
  });
});

describe('refresh tokens', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await productionApp({ refreshGraceMs: 200 });
  });
  afterAll(() => platform?.close());

  it('rotates on every use; replaying a rotated token revokes the whole session', async () => {
    const tenant = await tenantOn(platform);
    const r0 = (await tenant.register('rotate@example.com')).json();
    const r1 = await tenant.refresh(r0.refresh_token);
    expect(r1.statusCode).toBe(200);
    const rotated = r1.json();
    expect(rotated.refresh_token).not.toBe(r0.refresh_token);
    expect(decodeJwt(rotated.access_token).sid).toBe(decodeJwt(r0.access_token).sid);

    await new Promise((resolve) => setTimeout(resolve, 300)); // past the concurrency grace
    const replay = await tenant.refresh(r0.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('invalid_refresh_token');
    // The thief's replay ends the legitimate holder's session too: R1 and its access token are dead.
    expect((await tenant.refresh(rotated.refresh_token)).statusCode).toBe(401);
    expect((await tenant.me(rotated.access_token)).statusCode).toBe(401);
    // A new login is a new, unaffected session.
    expect((await tenant.login('rotate@example.com')).statusCode).toBe(200);
  });

  it('gives parallel refreshes of one token the same successor: one live session', async () => {
    const tenant = await tenantOn(platform);
    const r1 = (await tenant.register('parallel@example.com')).json();
    const results = await Promise.all([tenant.refresh(r1.refresh_token), tenant.refresh(r1.refresh_token)]);
    expect(results.map((response) => response.statusCode)).toEqual([200, 200]);
    const [first, second] = results.map((response) => response.json());
    expect(first.refresh_token).toBe(second.refresh_token);
    expect(decodeJwt(first.access_token).sid).toBe(decodeJwt(r1.access_token).sid);

    // The shared successor is the one live token: it rotates once more…
    const r3 = await tenant.refresh(first.refresh_token);
    expect(r3.statusCode).toBe(200);
    // …and after the grace, the first token is a replay that ends the session.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await tenant.refresh(r1.refresh_token)).statusCode).toBe(401);
    expect((await tenant.refresh(r3.json().refresh_token)).statusCode).toBe(401);
  });

  it('sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie on the auth path and accepts it back', async () => {
    const tenant = await tenantOn(platform);
    const response = await tenant.register('cookie@example.com');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^miptech_refresh=[^;]+/);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/v1/auth']) {
      expect(cookie).toContain(attribute);
    }
    const value = /^miptech_refresh=([^;]+)/.exec(cookie)?.[1] ?? '';
    const refreshed = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      headers: { ...tenant.headers, cookie: `miptech_refresh=${value}` },
    });
    expect(refreshed.statusCode).toBe(200);
  });

  it('logout ends the session of the refresh token and of the access token', async () => {
    const tenant = await tenantOn(platform);
    const session = (await tenant.register('logout@example.com')).json();
    const loggedOut = await tenant.post(
      '/api/v1/auth/logout',
      {},
      { authorization: `Bearer ${session.access_token}` },
    );
    expect(loggedOut.statusCode).toBe(204);
    expect(String(loggedOut.headers['set-cookie'])).toMatch(/miptech_refresh=;/);
    expect((await tenant.me(session.access_token)).statusCode).toBe(401);
    expect((await tenant.refresh(session.refresh_token)).statusCode).toBe(401);
    // Logging out again, or with nothing, is harmless.
    expect((await tenant.post('/api/v1/auth/logout', {})).statusCode).toBe(204);
  });

  it('a password change ends every session of the operator and starts a new one', async () => {
    const tenant = await tenantOn(platform);
    const first = (await tenant.register('change@example.com')).json();
    const second = (await tenant.login('change@example.com')).json();
    const wrong = await tenant.post(
      '/api/v1/auth/password',
      { current_password: 'definitely not it', new_password: NEW_PASSWORD },
      { authorization: `Bearer ${first.access_token}` },
    );
    expect(wrong.statusCode).toBe(401);
    const changed = await tenant.post(
      '/api/v1/auth/password',
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      { authorization: `Bearer ${first.access_token}` },
    );
    expect(changed.statusCode).toBe(200);
    for (const old of [first, second]) {
      expect((await tenant.me(old.access_token)).statusCode).toBe(401);
      expect((await tenant.refresh(old.refresh_token)).statusCode).toBe(401);
    }
    expect((await tenant.me(changed.json().access_token)).statusCode).toBe(200);
    expect((await tenant.login('change@example.com')).statusCode).toBe(401);
    expect((await tenant.login('change@example.com', NEW_PASSWORD)).statusCode).toBe(200);
  });
});
