/**
 * Presence across three instances sharing PostgreSQL and a redis-server of this suite's own:
 * typing crosses instances (a visitor's to staff only), an operator opening a chat on one
 * instance learns at once who views it on another, and an instance that dies without a word
 * (its bus gone before its sockets) leaves no ghost viewer beyond the time to live.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../app.ts';
import { loadConfig } from '../config.ts';
import { PostgresStore } from '../storage/postgres/postgres-store.ts';
import { freePort, killRedis, REDIS_SERVER, startRedis } from '../testing/redis-server.ts';
import { dropSchema, findTestPostgres, uniqueSchema } from '../testing/services.ts';
import { DEMO, GENEROUS_LIMITS, TEST_JWT_SECRET } from '../testing/test-app.ts';
import { type Frame, TestSocket } from '../testing/test-socket.ts';

const TENANT = 'miptech-company';
const PASSWORD = 'a long and unguessable passphrase';
/** Short, so that a ghost's expiry is seen within the test; the refresh keeps live viewers well within it. */
const PRESENCE = { refreshMs: 100, ttlMs: 600 };

const postgresUrl = await findTestPostgres();

describe.skipIf(!postgresUrl || (!existsSync(REDIS_SERVER) && !process.env.CI))(
  'presence across instances over Redis',
  () => {
    const url = postgresUrl as string;
    const schema = uniqueSchema('presence');
    const sockets: TestSocket[] = [];
    const stores: PostgresStore[] = [];
    const platforms: Platform[] = [];
    let redis: ChildProcess | undefined;
    let redisPort: number;
    const bases: string[] = [];
    const tokens = new Map<string, string>();

    async function startInstance(): Promise<void> {
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        MIPTECH_DEMO: 'true',
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      });
      config.rateLimits = { ...GENEROUS_LIMITS };
      const store = new PostgresStore({ connectionString: url, schema, max: 5 });
      stores.push(store);
      const platform = await buildApp({ config, store, presence: PRESENCE });
      await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const address = platform.app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      expect(platform.bus.kind).toBe('redis');
      platforms.push(platform);
      bases.push(`ws://127.0.0.1:${address.port}`);
    }

    beforeAll(async () => {
      redisPort = await freePort();
      redis = await startRedis(redisPort);
      // One after the other: the first migrates the schema and seeds the demo tenant.
      for (let index = 0; index < 3; index++) await startInstance();
      for (const name of ['Anna', 'Bruno', 'Carla']) {
        const response = await platforms[0]?.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          headers: DEMO,
          payload: { email: `${name.toLowerCase()}@presence-multi.example`, password: PASSWORD, name },
        });
        expect(response?.statusCode).toBe(200);
        tokens.set(name, response?.json().access_token);
      }
    });

    afterAll(async () => {
      for (const socket of sockets) socket.socket.terminate();
      for (const platform of platforms) await platform.app.close();
      for (const store of stores) await store.close();
      await dropSchema(url, schema);
      if (redis) await killRedis(redis);
    });

    const newChat = async (): Promise<{ id: string; visitor_token: string }> => {
      const response = await platforms[0]?.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: DEMO,
        payload: {},
      });
      if (!response) throw new Error('no instance');
      return response.json();
    };

    /** A socket on instance `instance`, joined to the chat. */
    const joined = async (
      instance: number,
      chatId: string,
      token: string | undefined,
    ): Promise<TestSocket> => {
      const socket = new TestSocket(
        `${bases[instance]}/api/v1/ws?tenant_id=${TENANT}${token ? `&token=${token}` : ''}`,
      );
      sockets.push(socket);
      await socket.opened;
      socket.send({ type: 'join', chat_id: chatId });
      await socket.waitFor((frame) => frame.type === 'joined');
      return socket;
    };
    const names = (frame: Frame) => (frame.viewers as Array<{ name: string }>).map((viewer) => viewer.name);
    const presenceOf = (list: string) => (frame: Frame) =>
      frame.type === 'presence' && names(frame).join() === list;

    it('relays typing between instances: the visitor to staff only, the operator to the visitor', async () => {
      const chat = await newChat();
      const visitor = await joined(0, chat.id, chat.visitor_token);
      const otherTab = await joined(2, chat.id, chat.visitor_token);
      const operator = await joined(1, chat.id, tokens.get('Anna'));

      visitor.send({ type: 'typing', chat_id: chat.id, is_typing: true });
      expect(await operator.waitFor((frame) => frame.type === 'typing')).toMatchObject({
        role: 'visitor',
        is_typing: true,
      });
      operator.send({ type: 'typing', chat_id: chat.id, is_typing: true });
      for (const tab of [visitor, otherTab]) {
        expect(await tab.waitFor((frame) => frame.type === 'typing')).toMatchObject({
          role: 'operator',
          name: 'Anna',
        });
      }
      visitor.send({ type: 'typing', chat_id: chat.id, is_typing: false });
      await operator.waitFor((frame) => frame.type === 'typing' && frame.is_typing === false);
      // The visitor's other tab, on a third instance, heard only the operator.
      expect(otherTab.frames.filter((frame) => frame.type === 'typing').map((frame) => frame.role)).toEqual([
        'operator',
      ]);
    });

    it('shows viewers across instances at once, and forgets those of an instance that died', async () => {
      const chat = await newChat();
      const visitor = await joined(0, chat.id, chat.visitor_token);
      const anna = await joined(0, chat.id, tokens.get('Anna'));
      anna.send({ type: 'viewing', chat_id: chat.id, is_viewing: true });
      await anna.waitFor(presenceOf('Anna'));

      // Bruno opens the chat on another instance and learns of Anna (from the sync his instance
      // asks for; with this suite's short refresh interval, the next refresh would tell him too).
      const bruno = await joined(1, chat.id, tokens.get('Bruno'));
      expect(names(await bruno.waitFor((frame) => frame.type === 'presence'))).toEqual(['Anna']);
      bruno.send({ type: 'viewing', chat_id: chat.id, is_viewing: true });
      await anna.waitFor(presenceOf('Anna,Bruno'));

      // Carla views from a third instance, which then loses its bus without a word: no "stopped
      // viewing" ever leaves it, and the others forget Carla when her refreshes stop.
      const carla = await joined(2, chat.id, tokens.get('Carla'));
      carla.send({ type: 'viewing', chat_id: chat.id, is_viewing: true });
      await anna.waitFor(presenceOf('Anna,Bruno,Carla'));
      await bruno.waitFor(presenceOf('Anna,Bruno,Carla'));
      const withCarla = bruno.frames.findIndex(presenceOf('Anna,Bruno,Carla'));
      await platforms[2]?.bus.close();
      await bruno.waitFor(
        (frame) => presenceOf('Anna,Bruno')(frame) && bruno.frames.indexOf(frame) > withCarla,
      );

      // Navigating away is seen on the other instance at once.
      const annaWithCarla = anna.frames.findIndex(presenceOf('Anna,Bruno,Carla'));
      bruno.send({ type: 'viewing', chat_id: chat.id, is_viewing: false });
      await anna.waitFor((frame) => presenceOf('Anna')(frame) && anna.frames.indexOf(frame) > annaWithCarla);
      expect(visitor.frames.filter((frame) => frame.type === 'presence')).toEqual([]);
    });
  },
);
