/**
 * Revocation reaches open sockets: two instances sharing PostgreSQL and a redis-server of this
 * suite's own. An operator's sockets on both instances end when the operator logs out, changes
 * the password or is removed (4401), and reconnect when the role changes (4409), whichever
 * instance served the change; other operators' sockets stay open. Then, on one instance: an
 * expired token stops authorising new joins until a fresh `auth` frame.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type Platform } from '../app.ts';
import { ACCESS_TOKEN_TTL_SECONDS } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import { PostgresStore } from '../storage/postgres/postgres-store.ts';
import { freePort, killRedis, REDIS_SERVER, startRedis } from '../testing/redis-server.ts';
import { dropSchema, findTestPostgres, uniqueSchema } from '../testing/services.ts';
import {
  createTestApp,
  DEMO,
  GENEROUS_LIMITS,
  TEST_JWT_SECRET,
  type TestPlatform,
} from '../testing/test-app.ts';
import { TestSocket } from '../testing/test-socket.ts';

const TENANT = 'miptech-company';
const PASSWORD = 'correct horse battery staple 42';

interface Session {
  access_token: string;
  refresh_token: string;
  user: { id: string };
}

async function call<T>(
  platform: Platform,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  const response = await platform.app.inject({
    method,
    url,
    headers: {
      ...DEMO,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: response.body ? (response.json() as T) : (undefined as T) };
}

async function listening(platform: Platform): Promise<string> {
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `ws://127.0.0.1:${address.port}`;
}

const postgresUrl = await findTestPostgres();

describe.skipIf(!postgresUrl || (!existsSync(REDIS_SERVER) && !process.env.CI))(
  'operator sockets on two instances over Redis',
  () => {
    const url = postgresUrl as string;
    const schema = uniqueSchema('revoke');
    const sockets: TestSocket[] = [];
    const stores: PostgresStore[] = [];
    let redis: ChildProcess | undefined;
    let one: Platform;
    let two: Platform;
    let base1: string;
    let base2: string;
    let owner: Session;
    let chatId: string;
    let emails = 0;

    async function startInstance(redisPort: number): Promise<{ platform: Platform; base: string }> {
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        MIPTECH_ENV: 'production',
        MIPTECH_DEMO: 'true',
        // The owner registers over HTTP, as in every production suite (see testing/test-app.ts).
        OPEN_REGISTRATION: 'true',
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      });
      config.rateLimits = { ...GENEROUS_LIMITS };
      const store = new PostgresStore({ connectionString: url, schema, max: 5 });
      stores.push(store);
      const platform = await buildApp({ config, store });
      expect(platform.bus.kind).toBe('redis');
      return { platform, base: await listening(platform) };
    }

    /** An agent invited by the owner and registered: its first session. */
    async function newAgent(): Promise<Session> {
      const email = `agent-${++emails}@example.com`;
      const invitation = await call<{ invitation_token: string }>(
        one,
        'POST',
        '/api/v1/auth/invitations',
        { email, role: 'agent' },
        owner.access_token,
      );
      expect(invitation.status).toBe(200);
      const registered = await call<Session>(one, 'POST', '/api/v1/auth/register', {
        email,
        password: PASSWORD,
        name: 'Agent',
        invitation_token: invitation.body.invitation_token,
      });
      expect(registered.status).toBe(200);
      return registered.body;
    }

    /** An operator socket on `base`, authenticated by URL token and joined to the chat. */
    async function operatorSocket(base: string, token: string): Promise<TestSocket> {
      const socket = new TestSocket(`${base}/api/v1/ws?tenant_id=${TENANT}&chat_id=${chatId}&token=${token}`);
      sockets.push(socket);
      await socket.waitFor((frame) => frame.type === 'joined');
      return socket;
    }

    const stillOpen = (socket: TestSocket) => socket.socket.readyState === socket.socket.OPEN;

    /** A ping answered proves the socket is served, not merely not closed yet. */
    async function expectServed(socket: TestSocket): Promise<void> {
      const ts = Math.floor(Math.random() * 1e9);
      socket.send({ type: 'ping', ts });
      await socket.waitFor((frame) => frame.type === 'pong' && frame.ts === ts);
    }

    beforeAll(async () => {
      const redisPort = await freePort();
      redis = await startRedis(redisPort);
      ({ platform: one, base: base1 } = await startInstance(redisPort));
      ({ platform: two, base: base2 } = await startInstance(redisPort));
      const registered = await call<Session>(one, 'POST', '/api/v1/auth/register', {
        email: 'owner@example.com',
        password: PASSWORD,
        name: 'Owner',
      });
      expect(registered.status).toBe(200);
      owner = registered.body;
      const chat = await call<{ id: string }>(one, 'POST', '/api/v1/chat', {});
      chatId = chat.body.id;
    });

    afterAll(async () => {
      for (const socket of sockets) socket.socket.terminate();
      await one?.app.close();
      await two?.app.close();
      for (const store of stores) await store.close();
      await dropSchema(url, schema);
      if (redis) await killRedis(redis);
    });

    it('logout on one instance closes that session’s sockets on both with 4401, and only those', async () => {
      const agent = await newAgent();
      const onTwo = await operatorSocket(base2, agent.access_token);
      const onOne = await operatorSocket(base1, agent.access_token);
      const bystander = await operatorSocket(base2, owner.access_token);

      expect((await call(one, 'POST', '/api/v1/auth/logout', undefined, agent.access_token)).status).toBe(
        204,
      );

      expect(await onTwo.closed).toEqual({ code: 4401, reason: 'Session revoked' });
      expect(await onOne.closed).toEqual({ code: 4401, reason: 'Session revoked' });
      await expectServed(bystander);
      // The same token cannot come back in.
      const again = new TestSocket(`${base2}/api/v1/ws?tenant_id=${TENANT}&token=${agent.access_token}`);
      sockets.push(again);
      expect((await again.closed).code).toBe(4401);
    });

    it('logout ends only the session logged out of; the same operator’s other session keeps its socket', async () => {
      const agent = await newAgent();
      const email = `agent-${emails}@example.com`;
      const other = await call<Session>(two, 'POST', '/api/v1/auth/login', { email, password: PASSWORD });
      const first = await operatorSocket(base2, agent.access_token);
      const second = await operatorSocket(base2, other.body.access_token);

      await call(two, 'POST', '/api/v1/auth/logout', { refresh_token: agent.refresh_token });

      expect((await first.closed).code).toBe(4401);
      await expectServed(second);
      expect(stillOpen(second)).toBe(true);
    });

    it('a password change ends every session’s sockets; the new token opens a socket again', async () => {
      const agent = await newAgent();
      const email = `agent-${emails}@example.com`;
      const other = await call<Session>(one, 'POST', '/api/v1/auth/login', { email, password: PASSWORD });
      const a = await operatorSocket(base2, agent.access_token);
      const b = await operatorSocket(base1, other.body.access_token);

      const changed = await call<Session>(
        one,
        'POST',
        '/api/v1/auth/password',
        { current_password: PASSWORD, new_password: `${PASSWORD} and more` },
        agent.access_token,
      );
      expect(changed.status).toBe(200);

      expect((await a.closed).code).toBe(4401);
      expect((await b.closed).code).toBe(4401);
      const fresh = await operatorSocket(base2, changed.body.access_token);
      await expectServed(fresh);
    });

    it('removing an operator closes its sockets on the other instance with 4401', async () => {
      const agent = await newAgent();
      const socket = await operatorSocket(base2, agent.access_token);
      const removed = await call(
        one,
        'DELETE',
        `/api/v1/operators/${agent.user.id}`,
        undefined,
        owner.access_token,
      );
      expect(removed.status).toBe(204);
      expect(await socket.closed).toEqual({ code: 4401, reason: 'Session revoked' });
    });

    it('a role change closes the sockets with 4409; the same token reconnects with the new role', async () => {
      const agent = await newAgent();
      const socket = await operatorSocket(base2, agent.access_token);
      const bystander = await operatorSocket(base2, owner.access_token);

      // A patch that keeps the role (a new name) is no access change: the socket stays.
      const renamed = await call(
        one,
        'PATCH',
        `/api/v1/operators/${agent.user.id}`,
        { name: 'Renamed' },
        owner.access_token,
      );
      expect(renamed.status).toBe(200);
      await expectServed(socket);

      const promoted = await call(
        one,
        'PATCH',
        `/api/v1/operators/${agent.user.id}`,
        { role: 'admin' },
        owner.access_token,
      );
      expect(promoted.status).toBe(200);
      expect(await socket.closed).toEqual({ code: 4409, reason: 'Role changed; reconnect' });
      await expectServed(bystander);
      const reconnected = await operatorSocket(base2, agent.access_token);
      await expectServed(reconnected);
    });
  },
);

describe('an operator socket whose token expired', () => {
  let platform: TestPlatform;
  let base: string;

  beforeAll(async () => {
    platform = await createTestApp({ env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET } });
    base = await listening(platform);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await platform?.close();
  });

  it('gets no new joins, messages or stops after exp, until an auth frame brings a fresh token', async () => {
    const registered = await call<Session>(platform, 'POST', '/api/v1/auth/register', {
      email: 'owner@example.com',
      password: PASSWORD,
    });
    const chat = await call<{ id: string; visitor_token: string }>(platform, 'POST', '/api/v1/chat', {});
    const socket = new TestSocket(
      `${base}/api/v1/ws?tenant_id=${TENANT}&token=${registered.body.access_token}`,
    );
    try {
      await socket.opened;
      socket.send({ type: 'join', chat_id: chat.body.id });
      await socket.waitFor((frame) => frame.type === 'joined');

      // Only the clock moves: sockets and timers stay real.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000);
      socket.send({ type: 'join', chat_id: chat.body.id, since_seq: 0 });
      socket.send({ type: 'stop', chat_id: chat.body.id });
      const refused = await socket.waitFor(
        (frame) => frame.type === 'error' && frame.code === 'invalid_token',
      );
      expect(refused).toMatchObject({ chat_id: chat.body.id, detail: expect.stringContaining('auth') });
      await socket.waitFor(
        (frame) => frame.type === 'error' && frame.code === 'invalid_token' && frame !== refused,
      );
      expect(socket.frames.filter((frame) => frame.type === 'joined')).toHaveLength(1);

      // A fresh token (issued at the new time) restores the connection without reconnecting.
      const refreshed = await call<Session>(platform, 'POST', '/api/v1/auth/refresh', {
        refresh_token: registered.body.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      socket.send({ type: 'auth', data: { token: refreshed.body.access_token } });
      await socket.waitFor((frame) => frame.type === 'auth_ok');
      socket.send({ type: 'join', chat_id: chat.body.id, since_seq: 0 });
      await expect.poll(() => socket.frames.filter((frame) => frame.type === 'joined').length).toBe(2);
    } finally {
      vi.useRealTimers();
      socket.close();
    }
  });
});
