/**
 * Several tabs and two instances over real sockets, with a PostgreSQL schema both instances share
 * and a redis-server of this suite's own (so it can be killed and restarted): every message
 * reaches every tab exactly once, in seq order, whichever instance wrote it, through a Redis
 * outage, and a reply resumes on another instance than the one writing it.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../app.ts';
import { ScriptedResponder } from '../assistant/scripted-responder.ts';
import { chatChannel } from '../bus/chat-events.ts';
import { loadConfig } from '../config.ts';
import { PostgresStore } from '../storage/postgres/postgres-store.ts';
import { freePort, killRedis, REDIS_SERVER, startRedis } from '../testing/redis-server.ts';
import { dropSchema, findTestPostgres, uniqueSchema } from '../testing/services.ts';
import { DEMO, GENEROUS_LIMITS, TEST_JWT_SECRET } from '../testing/test-app.ts';
import { type Frame, TestSocket } from '../testing/test-socket.ts';

const TENANT = 'miptech-company';

/** Polls `condition` until it holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const ofType = (socket: TestSocket, ...types: string[]) =>
  socket.frames.filter((frame) => types.includes(String(frame.type)));
/** Seqs of the final messages a socket received: `chat_message`s and the ends of streamed replies. */
const finalSeqs = (socket: TestSocket) =>
  ofType(socket, 'chat_message', 'response_end').map((frame) => Number(frame.seq));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
const contentOf = (frame: Frame) => (frame.message as { content: string }).content;

/**
 * The text of the streamed reply `seq` as a socket rebuilt it: exactly one `response_start`, then
 * `response_delta`s whose offsets continue exactly where the text so far ends.
 */
function streamedText(socket: TestSocket, seq: number): string {
  const parts = ofType(socket, 'response_start', 'response_delta').filter((frame) => frame.seq === seq);
  expect(parts.map((frame) => frame.type).filter((type) => type === 'response_start')).toEqual([
    'response_start',
  ]);
  expect(parts[0]?.type).toBe('response_start');
  let text = String(parts[0]?.text);
  for (const delta of parts.slice(1)) {
    expect(delta.offset).toBe(text.length);
    expect(String(delta.delta).length).toBeGreaterThan(0);
    text += String(delta.delta);
  }
  return text;
}

/** Frames about a chat (not the ack, which is answered by the sender's instance on its own schedule) never go back in seq. */
function expectSeqsNeverDecrease(socket: TestSocket): void {
  const seqs = ofType(socket, 'chat_message', 'response_start', 'response_delta', 'response_end').map(
    (frame) => Number(frame.seq),
  );
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

const postgresUrl = await findTestPostgres();

describe.skipIf(!postgresUrl || (!existsSync(REDIS_SERVER) && !process.env.CI))(
  'two instances sharing PostgreSQL and Redis',
  () => {
    const url = postgresUrl as string;
    const schema = uniqueSchema('multi');
    const sockets: TestSocket[] = [];
    const stores: PostgresStore[] = [];
    let redisPort: number;
    let redis: ChildProcess | undefined;
    let one: Platform;
    let two: Platform;
    let base1: string;
    let base2: string;

    /** One instance on the shared schema, listening on a free port. */
    async function startInstance(): Promise<{ platform: Platform; base: string }> {
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        MIPTECH_DEMO: 'true',
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      });
      config.rateLimits = { ...GENEROUS_LIMITS };
      const store = new PostgresStore({ connectionString: url, schema, max: 5 });
      stores.push(store);
      const platform = await buildApp({ config, store, responder: new ScriptedResponder({ delayMs: 10 }) });
      await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const address = platform.app.server.address();
      if (!address || typeof address === 'string') throw new Error('not listening');
      expect(platform.bus.kind).toBe('redis');
      return { platform, base: `ws://127.0.0.1:${address.port}` };
    }

    beforeAll(async () => {
      redisPort = await freePort();
      redis = await startRedis(redisPort);
      // One after the other: the first migrates the schema and seeds the demo tenant.
      ({ platform: one, base: base1 } = await startInstance());
      ({ platform: two, base: base2 } = await startInstance());
    });

    afterAll(async () => {
      for (const socket of sockets) socket.socket.terminate();
      await one?.app.close();
      await two?.app.close();
      for (const store of stores) await store.close();
      await dropSchema(url, schema);
      if (redis) await killRedis(redis);
    });

    const newChat = async (): Promise<{ id: string }> => {
      const response = await one.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: DEMO,
        payload: {},
      });
      expect(response.statusCode).toBe(200);
      return response.json();
    };

    /** A streaming tab on `base`, joined to the chat (after `sinceSeq` when given). */
    const openTab = async (base: string, chatId: string, sinceSeq?: number): Promise<TestSocket> => {
      const since = sinceSeq === undefined ? '' : `&since_seq=${sinceSeq}`;
      const socket = new TestSocket(
        `${base}/api/v1/ws/chat?tenant_id=${TENANT}&chat_id=${chatId}&stream=true${since}`,
      );
      sockets.push(socket);
      await socket.waitFor((frame) => frame.type === 'joined');
      return socket;
    };

    const userRows = async (chatId: string) =>
      ((await one.store.listMessages(TENANT, chatId, { after_seq: 0, limit: 100 }))?.items ?? []).filter(
        (message) => message.role === 'user',
      );

    it("an operator on one instance sees the other instance's new chat and handoff in the inbox", async () => {
      const registered = await one.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        headers: DEMO,
        payload: {
          email: 'inbox-multi@example.com',
          password: 'a long and unguessable passphrase',
          name: 'Ines',
        },
      });
      expect(registered.statusCode).toBe(200);
      const operator = new TestSocket(
        `${base2}/api/v1/ws?tenant_id=${TENANT}&token=${registered.json().access_token}`,
      );
      sockets.push(operator);
      await operator.opened;
      operator.send({ type: 'inbox_subscribe' });
      await operator.waitFor((frame) => frame.type === 'inbox_subscribed');

      const created = await one.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: DEMO,
        payload: {},
      });
      const chat = created.json() as { id: string; visitor_token: string };
      const inboxLine = (frame: Frame) =>
        frame.type === 'inbox_chat' ? (frame.chat as { id: string; status: string }) : undefined;
      await operator.waitFor((frame) => inboxLine(frame)?.id === chat.id && frame.change === 'created');
      await one.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chat.id}/handoff`,
        headers: { ...DEMO, authorization: `Bearer ${chat.visitor_token}` },
      });
      const waiting = await operator.waitFor(
        (frame) => inboxLine(frame)?.id === chat.id && inboxLine(frame)?.status === 'waiting_for_human',
      );
      expect(waiting.change).toBe('status');
      operator.close();
    });

    it('two tabs on one instance both get the message once and the whole streamed reply', async () => {
      const chat = await newChat();
      const a = await openTab(base1, chat.id);
      const b = await openTab(base1, chat.id);
      a.send({
        type: 'message',
        chat_id: chat.id,
        content: 'alpha beta gamma delta epsilon',
        client_message_id: 'tabs-1',
      });
      const ack = await a.waitFor((frame) => frame.type === 'ack');
      expect(ack).toMatchObject({ seq: 1, client_message_id: 'tabs-1', replayed: false });
      const ends = [
        await a.waitFor((frame) => frame.type === 'response_end'),
        await b.waitFor((frame) => frame.type === 'response_end'),
      ];

      for (const [tab, end] of [
        [a, ends[0]],
        [b, ends[1]],
      ] as const) {
        expect(ofType(tab, 'chat_message').map((frame) => [frame.seq, contentOf(frame)])).toEqual([
          [1, 'alpha beta gamma delta epsilon'],
        ]);
        expect(finalSeqs(tab)).toEqual([1, 2]);
        expect(end).toMatchObject({ seq: 2, message: { role: 'assistant', status: 'complete' } });
        expect(contentOf(end as Frame)).toBe('You said: alpha beta gamma delta epsilon');
        expect(streamedText(tab, 2)).toBe(contentOf(end as Frame));
        expectSeqsNeverDecrease(tab);
      }
      expect(ofType(a, 'ack')).toHaveLength(1);
      expect(ofType(b, 'ack')).toHaveLength(0);
      a.close();
      b.close();
    });

    it('a tab on the other instance gets the message and the whole streamed reply', async () => {
      const chat = await newChat();
      const a = await openTab(base1, chat.id);
      const b = await openTab(base2, chat.id);
      a.send({
        type: 'message',
        chat_id: chat.id,
        content: 'one two three four five six',
        client_message_id: 'cross-1',
      });
      expect(await a.waitFor((frame) => frame.type === 'ack')).toMatchObject({ seq: 1, replayed: false });
      const endA = await a.waitFor((frame) => frame.type === 'response_end');
      const endB = await b.waitFor((frame) => frame.type === 'response_end');

      expect(contentOf(endB)).toBe('You said: one two three four five six');
      expect(endB.message).toEqual(endA.message);
      for (const tab of [a, b]) {
        expect(ofType(tab, 'chat_message').map((frame) => [frame.seq, contentOf(frame)])).toEqual([
          [1, 'one two three four five six'],
        ]);
        expect(finalSeqs(tab)).toEqual([1, 2]);
        expect(streamedText(tab, 2)).toBe(contentOf(endB));
        expectSeqsNeverDecrease(tab);
      }
      // The reply was written by the instance that received the message, and streamed to B through Redis.
      expect(ofType(b, 'response_delta').length).toBeGreaterThan(1);
      expect(ofType(b, 'ack')).toHaveLength(0);
      a.close();
      b.close();
    });

    it('after Redis is killed and restarted, the tab on the other instance catches up on its own, exactly once', async () => {
      if (!redis) throw new Error('no redis-server');
      const chat = await newChat();
      const a = await openTab(base1, chat.id);
      const b = await openTab(base2, chat.id);
      const exchange = async (content: string, id: string): Promise<number> => {
        a.send({ type: 'message', chat_id: chat.id, content, client_message_id: id });
        const ack = await a.waitFor((frame) => frame.type === 'ack' && frame.client_message_id === id);
        expect(ack.replayed).toBe(false);
        await a.waitFor((frame) => frame.type === 'response_end' && frame.seq === Number(ack.seq) + 1);
        return Number(ack.seq) + 1;
      };

      // Before the outage, both instances' channels are live.
      await exchange('before the outage', 'out-1');
      await b.waitFor((frame) => frame.type === 'response_end' && frame.seq === 2);

      await killRedis(redis);
      await until(() => !one.bus.isConnected() && !two.bus.isConnected(), 'both buses to notice the outage');
      // Instance 1 keeps serving its own tab: acks, its messages and replies, streamed.
      await exchange('during the outage', 'out-2');
      const lastDuringOutage = await exchange('still during the outage', 'out-3');
      expect(lastDuringOutage).toBe(6);
      expect(finalSeqs(a)).toEqual(range(1, 6));
      expect(streamedText(a, 6)).toBe('You said: still during the outage');
      // Nothing reached instance 2 meanwhile: B really missed these events.
      await sleep(100);
      expect(finalSeqs(b)).toEqual([1, 2]);
      expect(b.frames.filter((frame) => Number(frame.seq) > 2)).toEqual([]);

      redis = await startRedis(redisPort);
      await until(() => one.bus.isConnected() && two.bus.isConnected(), 'both buses to reconnect');
      // Mechanism under test: the gateway's automatic resync on bus recovery (ChannelHub → onRecovered →
      // ChatSubscription.resync). B's socket stays open and B never reconnects or sends since_seq.
      await b.waitFor((frame) => frame.type !== 'response_delta' && Number(frame.seq) === 6, 8000);
      expect(finalSeqs(b)).toEqual(range(1, 6));
      const stored =
        (await two.store.listMessages(TENANT, chat.id, { after_seq: 0, limit: 100 }))?.items ?? [];
      expect(stored.map((message) => message.seq)).toEqual(range(1, 6));
      expect(ofType(b, 'chat_message', 'response_end').map((frame) => frame.message)).toEqual(stored);

      // Live again: the next exchange reaches B streamed, as before the outage.
      expect(await exchange('after the outage', 'out-4')).toBe(8);
      const end = await b.waitFor((frame) => frame.type === 'response_end' && frame.seq === 8);
      expect(streamedText(b, 8)).toBe(contentOf(end));
      expect(contentOf(end)).toBe('You said: after the outage');

      expect(finalSeqs(b)).toEqual(range(1, 8));
      expect(finalSeqs(a)).toEqual(range(1, 8));
      expectSeqsNeverDecrease(a);
      expectSeqsNeverDecrease(b);
      expect(a.frames.filter((frame) => frame.type === 'joined')).toHaveLength(1);
      expect(b.frames.filter((frame) => frame.type === 'joined')).toHaveLength(1);
      expect(b.socket.readyState).toBe(WebSocket.OPEN);
      a.close();
      b.close();
    });

    it('a client_message_id resent on the other instance is acked as replayed with the same message, stored once', async () => {
      const chat = await newChat();
      const a = await openTab(base1, chat.id);
      const b = await openTab(base2, chat.id);
      a.send({
        type: 'message',
        chat_id: chat.id,
        content: 'only once please',
        client_message_id: 'resend-1',
      });
      const first = await a.waitFor((frame) => frame.type === 'ack');
      expect(first).toMatchObject({ seq: 1, replayed: false });
      await b.waitFor((frame) => frame.type === 'response_end' && frame.seq === 2);

      b.send({
        type: 'message',
        chat_id: chat.id,
        content: 'only once please',
        client_message_id: 'resend-1',
      });
      const second = await b.waitFor((frame) => frame.type === 'ack');
      expect(second).toMatchObject({ seq: 1, client_message_id: 'resend-1', replayed: true });
      expect((second.message as { id: string }).id).toBe((first.message as { id: string }).id);
      // No new message, so no second reply either, on any tab.
      await sleep(200);
      expect((await userRows(chat.id)).map((message) => [message.seq, message.client_message_id])).toEqual([
        [1, 'resend-1'],
      ]);
      const stored =
        (await one.store.listMessages(TENANT, chat.id, { after_seq: 0, limit: 100 }))?.items ?? [];
      expect(stored.map((message) => [message.seq, message.role])).toEqual([
        [1, 'user'],
        [2, 'assistant'],
      ]);
      expect(finalSeqs(a)).toEqual([1, 2]);
      expect(finalSeqs(b)).toEqual([1, 2]);
      a.close();
      b.close();
    });

    it('events arriving while a tab joins on an instance new to the chat wait behind its join', async () => {
      // The bus hands events to a subscription as soon as the instance's channel opens on Redis,
      // before the connection gets to join: they must not reach the socket before `joined` (nor make
      // it catch up from seq 0). Instance 1 keeps announcing the chat's last message, as any instance
      // may; every join on instance 2 opens the channel there afresh, so some of them race with it.
      const chat = await newChat();
      const a = await openTab(base1, chat.id);
      a.send({ type: 'message', chat_id: chat.id, content: 'race me', client_message_id: 'race-1' });
      await a.waitFor((frame) => frame.type === 'response_end' && frame.seq === 2);
      const stored =
        (await one.store.listMessages(TENANT, chat.id, { after_seq: 0, limit: 100 }))?.items ?? [];
      expect(stored.map((message) => message.seq)).toEqual([1, 2]);
      let announcing = true;
      const announcer = (async () => {
        while (announcing) {
          await Promise.all(
            Array.from({ length: 20 }, () =>
              one.bus.publish(chatChannel(TENANT, chat.id), { kind: 'message', message: stored[1] }),
            ),
          );
        }
      })();
      const seen: string[][] = [];
      try {
        for (let round = 0; round < 24; round++) {
          const sinceSeq = round % 2 === 0 ? 2 : undefined;
          const tab = await openTab(base2, chat.id, sinceSeq);
          await sleep(20);
          seen.push(tab.frames.map((frame) => `${frame.type}:${frame.seq ?? ''}`));
          tab.socket.terminate();
          await tab.closed;
          // Let instance 2 close its channel, so the next join opens it again.
          await sleep(20);
        }
      } finally {
        announcing = false;
        await announcer;
      }
      expect(seen).toEqual(Array.from({ length: 24 }, () => ['connection_established:', 'joined:2']));
      expect(finalSeqs(a)).toEqual([1, 2]);
      a.close();
    });

    it('a tab dropped mid-reply resumes on the other instance with the text so far, then the rest, once', async () => {
      const chat = await newChat();
      const words = Array.from({ length: 60 }, (_, index) => `w${index}`).join(' ');
      const expected = `You said: ${words}`;
      const first = await openTab(base1, chat.id);
      first.send({ type: 'message', chat_id: chat.id, content: words, client_message_id: 'resume-1' });
      expect(await first.waitFor((frame) => frame.type === 'ack')).toMatchObject({ seq: 1 });
      // Past the first save of the reply (every 250 ms), so the database holds part of the text.
      await first.waitFor(
        (frame) => frame.type === 'response_delta' && String(frame.delta).startsWith('w35'),
        8000,
      );
      first.socket.terminate();
      const seen = first.frames.filter(
        (frame) => frame.type === 'response_start' || frame.type === 'response_delta',
      );
      const replySeq = Number(seen[0]?.seq);
      expect(replySeq).toBe(2);
      expect(first.frames.some((frame) => frame.type === 'response_end')).toBe(false);

      const second = await openTab(base2, chat.id, replySeq - 1);
      const end = await second.waitFor((frame) => frame.type === 'response_end', 8000);
      expect(end).toMatchObject({ seq: 2, message: { status: 'complete' } });
      expect(contentOf(end)).toBe(expected);
      // The reply was still being written when the tab joined: it starts with the saved text so far.
      const types = second.frames.map((frame) => frame.type);
      expect(types.slice(0, 2)).toEqual(['connection_established', 'joined']);
      expect(second.frames[1]).toMatchObject({ type: 'joined', seq: 2, recovered: true });
      expect(types[2]).toBe('response_start');
      const start = second.frames[2] as Frame;
      expect(String(start.text).length).toBeGreaterThan(0);
      expect(expected.startsWith(String(start.text))).toBe(true);
      expect(ofType(second, 'response_delta').length).toBeGreaterThan(0);
      expect(streamedText(second, 2)).toBe(expected);
      // Nothing at or before since_seq, and the reply once.
      expect(finalSeqs(second)).toEqual([2]);
      expect(types.at(-1)).toBe('response_end');
      expectSeqsNeverDecrease(second);
      second.close();
    });
  },
);
