/**
 * The chat controller against a real platform over real sockets: the conversation a visitor has,
 * across reloads, drops, offline sends and stops, always equal to what the server stored.
 */

import type { Message } from '@miptech/protocol';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../server/src/testing/test-app.ts';
import { ChatController, type ChatControllerOptions } from './chat-controller.ts';
import { MIPTechError } from './errors.ts';
import { memoryStorage, SessionStore } from './session-store.ts';
import { cuttableFetch, type ListeningPlatform, startPlatform, until } from './testing.ts';

const TENANT = 'miptech-company';
const FAST_RECONNECT = { initialMs: 20, maxMs: 200 };

describe('ChatController against a real platform', () => {
  let platform: ListeningPlatform;
  const controllers: ChatController[] = [];

  beforeAll(async () => {
    platform = await startPlatform();
  });
  afterEach(() => {
    for (const controller of controllers.splice(0)) controller.disconnect();
  });
  afterAll(() => platform?.close());

  const newController = (options: Partial<ChatControllerOptions> = {}) => {
    const controller = new ChatController({
      baseUrl: platform.baseUrl,
      tenantId: TENANT,
      ready: false,
      backoff: FAST_RECONNECT,
      session: new SessionStore({ tenantId: TENANT, storage: memoryStorage() }),
      ...options,
    });
    controllers.push(controller);
    return controller;
  };

  /** The chat's messages as the server stored them. */
  const stored = async (chatId: string): Promise<Message[]> =>
    (await platform.app.inject({ url: `/api/v1/chat/${chatId}/messages?limit=200`, headers: DEMO })).json()
      .items;

  /** What a visitor sees, reduced to what must equal the server's log. */
  const seen = (controller: ChatController) =>
    controller.get('messages').map((message) => [message.seq, message.role, message.content, message.status]);
  const log = (messages: Message[]) =>
    messages.map((message) => [message.seq, message.role, message.content, message.status]);

  const settled = (controller: ChatController, replies: number) =>
    until(`${replies} complete replies`, () => {
      const messages = controller.get('messages');
      return (
        messages.filter((message) => message.role === 'assistant' && message.status === 'complete').length ===
          replies && controller.get('status') === 'ready'
      );
    });

  it('sends, streams the reply as it is written, and shows the same conversation after a reload', async () => {
    const storage = memoryStorage();
    const first = newController({ session: new SessionStore({ tenantId: TENANT, storage }) });
    const statuses = new Set<string>();
    first.subscribe('status', () => statuses.add(first.get('status')));
    const lengths: number[] = [];
    first.subscribe('messages', () => {
      const reply = first.get('messages').find((message) => message.role === 'assistant');
      if (reply) lengths.push(reply.content.length);
    });
    await first.initialize();
    expect(first.get('connection')).not.toBe('idle');
    await first.send('one two three four five');
    await settled(first, 1);
    // Streamed: the reply grew in several steps, and the status went submitted → streaming → ready.
    expect(new Set(lengths).size).toBeGreaterThan(3);
    expect([...statuses]).toEqual(expect.arrayContaining(['submitted', 'streaming', 'ready']));
    const chatId = String(first.get('chat').id);
    expect(seen(first)).toEqual(log(await stored(chatId)));
    expect(seen(first)).toEqual([
      [1, 'user', 'one two three four five', 'complete'],
      [2, 'assistant', 'You said: one two three four five', 'complete'],
    ]);
    first.disconnect();

    // A reload: a new controller over the same storage resumes the chat, with its history.
    const second = newController({ session: new SessionStore({ tenantId: TENANT, storage }) });
    await second.initialize();
    expect(second.get('chat').id).toBe(chatId);
    expect(seen(second)).toEqual(seen(first));
    await second.send('and six');
    await settled(second, 2);
    expect(seen(second)).toEqual(log(await stored(chatId)));
  });

  it('opens one chat and one socket when initialize() is called twice at once', async () => {
    const chatsCreated: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/api/v1/chat')) chatsCreated.push(String(input));
      return response;
    };
    const controller = newController({ fetch: counting });
    const before = platform.handshakes();
    await Promise.all([controller.initialize(), controller.initialize()]);
    await until('the socket', () => controller.get('connection') === 'open');
    expect(platform.handshakes()).toBe(before + 1);
    expect(chatsCreated).toHaveLength(1);
  });

  it('delivers every message once, in order, after a drop mid-reply and messages sent while offline', async () => {
    const network = cuttableFetch();
    const controller = newController({ fetch: network.fetch });
    await controller.initialize();
    await controller.send('first question with a rather long answer to stream');
    await until('the reply streaming', () => controller.get('status') === 'streaming');
    // The network goes: the socket drops mid-reply, and two messages are typed meanwhile.
    network.down = true;
    platform.dropSockets();
    const offline = [controller.send('second, sent offline'), controller.send('third, sent offline')];
    await Promise.all(offline);
    expect(controller.get('messages').filter((message) => message.status === 'error')).toHaveLength(2);
    // Back online: the socket reconnects, resumes, and the outbox goes out with its same ids.
    network.down = false;
    await until(
      'three replies',
      () =>
        controller.get('messages').filter((m) => m.role === 'assistant' && m.status === 'complete').length ===
        3,
    );
    const chatId = String(controller.get('chat').id);
    await settled(controller, 3);
    const server = await stored(chatId);
    expect(server.filter((message) => message.role === 'user').map((message) => message.content)).toEqual([
      'first question with a rather long answer to stream',
      'second, sent offline',
      'third, sent offline',
    ]);
    expect(seen(controller)).toEqual(log(server));
  });

  it('stop() ends the reply on the server, and the stored message says so', async () => {
    const slow = await startPlatform({
      app: {
        responder: new (await import('../../server/src/assistant/scripted-responder.ts')).ScriptedResponder({
          delayMs: 200,
        }),
      },
    });
    try {
      const controller = newController({ baseUrl: slow.baseUrl });
      await controller.initialize();
      await controller.send('a b c d e f g h i j k l m n o p');
      await until('the reply streaming', () => controller.get('status') === 'streaming');
      expect(controller.stop()).toBe(true);
      await until('the reply stopped', () =>
        controller
          .get('messages')
          .some((message) => message.role === 'assistant' && message.status === 'stopped'),
      );
      expect(controller.get('status')).toBe('ready');
      const chatId = String(controller.get('chat').id);
      const reply = (await slow.app.inject({ url: `/api/v1/chat/${chatId}/messages`, headers: DEMO })).json()
        .items[1];
      expect(reply).toMatchObject({ role: 'assistant', status: 'stopped' });
      expect(reply.content.length).toBeLessThan('You said: a b c d e f g h i j k l m n o p'.length);
    } finally {
      await slow.close();
    }
  });

  it('names the setting to fix when the tenant is wrong', async () => {
    const controller = newController({ tenantId: 'no-such-company' });
    const failure = await controller.initialize().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MIPTechError);
    expect(failure).toMatchObject({
      code: 'tenant_not_found',
      type: 'tenant',
      status: 404,
      retryable: false,
    });
    expect((failure as Error).message).toMatch(/"no-such-company".*tenantId option/);
    expect(controller.get('status')).toBe('error');
  });

  it('keeps its message list equal to the server history under random drops (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ text: fc.stringMatching(/^[a-z]{1,8}( [a-z]{1,8}){0,3}$/), drop: fc.boolean() }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (steps) => {
          const controller = newController();
          await controller.initialize();
          for (const [index, step] of steps.entries()) {
            await controller.send(step.text);
            if (step.drop) platform.dropSockets();
            await settled(controller, index + 1);
          }
          const server = await stored(String(controller.get('chat').id));
          expect(seen(controller)).toEqual(log(server));
          controller.disconnect();
        },
      ),
      { numRuns: 8 },
    );
  }, 60_000);
});
