/**
 * Team management, API keys, tenant settings and the operator's view of chats, over HTTP in
 * production mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';

const PASSWORD = 'correct horse battery staple 42';
const TENANT = 'team-co';
const HEADERS = { 'x-tenant-id': TENANT };

describe('team, API keys and settings', () => {
  let platform: TestPlatform;
  let owner: string;

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token?: string, payload?: object) =>
    platform.app.inject({
      method,
      url,
      headers: { ...HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(payload ? { payload } : {}),
    });

  /** Invites and registers an operator; returns their access token and id. */
  async function join(email: string, role: 'admin' | 'agent' | 'owner', inviter = owner) {
    const invitation = await call('POST', '/api/v1/auth/invitations', inviter, { email, role });
    expect(invitation.statusCode).toBe(200);
    const registered = await call('POST', '/api/v1/auth/register', undefined, {
      email,
      password: PASSWORD,
      invitation_token: invitation.json().invitation_token,
    });
    expect(registered.statusCode).toBe(200);
    return { token: registered.json().access_token as string, id: registered.json().user.id as string };
  }

  beforeAll(async () => {
    platform = await createTestApp({ env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET } });
    await platform.store.createTenant({ id: TENANT, name: 'Team Co' });
    const registered = await call('POST', '/api/v1/auth/register', undefined, {
      email: 'owner@team.example',
      password: PASSWORD,
    });
    owner = registered.json().access_token;
  });
  afterAll(() => platform?.close());

  it('admins manage agents but never the owner role', async () => {
    const admin = await join('admin@team.example', 'admin');
    const agent = await join('agent@team.example', 'agent', admin.token);

    const promote = await call('PATCH', `/api/v1/operators/${agent.id}`, admin.token, { role: 'owner' });
    expect(promote.statusCode).toBe(403);
    expect(promote.json().code).toBe('insufficient_role');
    const inviteOwner = await call('POST', '/api/v1/auth/invitations', admin.token, {
      email: 'x@team.example',
      role: 'owner',
    });
    expect(inviteOwner.statusCode).toBe(403);

    const toAdmin = await call('PATCH', `/api/v1/operators/${agent.id}`, admin.token, { role: 'admin' });
    expect(toAdmin.statusCode).toBe(200);
    expect(toAdmin.json().role).toBe('admin');
    // The new role applies to the agent's existing token at once.
    expect((await call('GET', '/api/v1/operators', agent.token)).statusCode).toBe(200);

    const agentView = await join('plain@team.example', 'agent');
    const forbidden = await call('GET', '/api/v1/operators', agentView.token);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('insufficient_role');
  });

  it('keeps one owner, and removing an operator ends their access', async () => {
    const me = await call('GET', '/api/v1/auth/me', owner);
    const demote = await call('PATCH', `/api/v1/operators/${me.json().id}`, owner, { role: 'admin' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().code).toBe('last_owner');
    const removeSelf = await call('DELETE', `/api/v1/operators/${me.json().id}`, owner);
    expect(removeSelf.json().code).toBe('last_owner');

    const leaver = await join('leaver@team.example', 'agent');
    expect((await call('GET', '/api/v1/chats', leaver.token)).statusCode).toBe(200);
    expect((await call('DELETE', `/api/v1/operators/${leaver.id}`, owner)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/chats', leaver.token)).statusCode).toBe(401);
    expect((await call('DELETE', `/api/v1/operators/${leaver.id}`, owner)).json().code).toBe(
      'operator_not_found',
    );
  });

  it('shows an API key once, stores it hashed, scopes it and revokes it', async () => {
    const created = await call('POST', '/api/v1/api-keys', owner, { name: 'CRM sync' });
    expect(created.statusCode).toBe(200);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(/^mip_key_/);
    expect(key.startsWith(prefix)).toBe(true);

    const listed = await call('GET', '/api/v1/api-keys', owner);
    expect(JSON.stringify(listed.json())).not.toContain(key);
    expect(listed.json().items.map((item: { id: string }) => item.id)).toContain(id);

    expect((await call('GET', '/api/v1/chats', key)).statusCode).toBe(200);
    // A key cannot manage the team or mint more keys, whatever its role.
    expect((await call('POST', '/api/v1/api-keys', key, { name: 'more' })).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/operators', key)).statusCode).toBe(403);
    // A key is scoped to its tenant.
    await platform.store.createTenant({ id: 'team-other', name: 'Other' });
    const elsewhere = await platform.app.inject({
      url: '/api/v1/chats',
      headers: { 'x-tenant-id': 'team-other', authorization: `Bearer ${key}` },
    });
    expect(elsewhere.json().code).toBe('tenant_mismatch');

    expect((await call('DELETE', `/api/v1/api-keys/${id}`, owner)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/chats', key)).statusCode).toBe(401);
    expect((await call('DELETE', `/api/v1/api-keys/${id}`, owner)).json().code).toBe('api_key_not_found');
  });

  it('takes an API key as X-API-Key too, scoped and revocable, and no other credential there', async () => {
    const created = await call('POST', '/api/v1/api-keys', owner, { name: 'Header key' });
    const { key, id } = created.json();
    const withHeader = (value: string, tenant = TENANT) =>
      platform.app.inject({ url: '/api/v1/chats', headers: { 'x-tenant-id': tenant, 'x-api-key': value } });
    expect((await withHeader(key)).statusCode).toBe(200);
    await platform.store.createTenant({ id: 'team-header-other', name: 'Other' });
    expect((await withHeader(key, 'team-header-other')).json().code).toBe('tenant_mismatch');
    // An operator's token is not an API key: refused unverified.
    const operatorToken = await withHeader(owner);
    expect(operatorToken.statusCode).toBe(401);
    expect(operatorToken.json().code).toBe('invalid_token');
    expect((await call('DELETE', `/api/v1/api-keys/${id}`, owner)).statusCode).toBe(204);
    expect((await withHeader(key)).json().code).toBe('invalid_token');
  });

  it('updates tenant settings, and CORS follows the new origins', async () => {
    const patched = await call('PATCH', '/api/v1/tenant', owner, {
      name: 'Team Company',
      allowed_origins: ['https://www.team.example/'],
      greeting: 'Hi! How can we help?',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Team Company',
      allowed_origins: ['https://www.team.example'],
      greeting: 'Hi! How can we help?',
    });
    const read = await call('GET', '/api/v1/tenant', owner);
    expect(read.json().greeting).toBe('Hi! How can we help?');
    const fromSite = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { ...HEADERS, origin: 'https://www.team.example' },
      payload: {},
    });
    expect(fromSite.headers['access-control-allow-origin']).toBe('https://www.team.example');
    expect(fromSite.headers['access-control-allow-credentials']).toBe('true');
    const fromElsewhere = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { ...HEADERS, origin: 'https://evil.example' },
      payload: {},
    });
    expect(fromElsewhere.headers['access-control-allow-origin']).toBeUndefined();
    const empty = await call('PATCH', '/api/v1/tenant', owner, {});
    expect(empty.statusCode).toBe(422);
  });

  it('lists chats newest first with a status filter and cursor paging', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const chat = await call('POST', '/api/v1/chat', undefined, { title: `Chat ${index}` });
      ids.push(chat.json().id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/api/v1/chats?limit=2${cursor ? `&cursor=${cursor}` : ''}`, owner);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((chat: { id: string }) => chat.id));
      cursor = page.json().next_cursor;
    } while (cursor);
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const closed = await call('GET', '/api/v1/chats?status=closed', owner);
    expect(closed.json().items).toEqual([]);
    const badCursor = await call('GET', '/api/v1/chats?cursor=nonsense', owner);
    expect(badCursor.statusCode).toBe(422);

    const messages = await call('GET', `/api/v1/chats/${ids[0]}/messages`, owner);
    expect(messages.statusCode).toBe(200);
  });
});
