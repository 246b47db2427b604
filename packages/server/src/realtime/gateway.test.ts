/** The WebSocket gateway over real sockets: handshake, frames, streaming replies, resume. */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { ScriptedResponder } from '../assistant/scripted-responder.ts';
import { createTestApp, DEMO, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';
import { TestSocket } from '../testing/test-socket.ts';
import { ChannelHub } from './channel-hub.ts';
import { Connection } from './connection.ts';
import { PresenceBoard } from './presence-board.ts';

describe('WebSocket gateway', () => {
  let platform: TestPlatform;
  let base: string;

  beforeAll(async () => {
    platform = await createTestApp({ app: { responder: new ScriptedResponder({ delayMs: 15 }) } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `ws://127.0.0.1:${address.port}`;
  });
  afterAll(() => platform?.close());

  const newChat = async () =>
    (await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })).json();

  it('greets with connection_established and answers the seed auth frame', async () => {
    const socket = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company&session_id=s1`);
    await socket.opened;
    socket.send({ type: 'auth', data: { tenant_id: 'miptech-company', session_id: 's1' } });
    const hello = await socket.waitFor((frame) => frame.type === 'connection_established');
    expect(hello).toMatchObject({ tenant_id: 'miptech-company', session_id: 's1', protocol_version: '1' });
    expect(await socket.waitFor((frame) => frame.type === 'auth_ok')).toMatchObject({
      tenant_id: 'miptech-company',
    });
    socket.close();
  });

  it("joins a session-only socket to the session's newest chat, without echoing the visitor's messages", async () => {
    const session = `session-${Date.now()}`;
    const post = (chatId: string, content: string) =>
      platform.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chatId}/messages`,
        headers: DEMO,
        payload: { content },
      });
    const startChat = async () =>
      (
        await platform.app.inject({
          method: 'POST',
          url: '/api/v1/chat',
          headers: DEMO,
          payload: { session_id: session },
        })
      ).json();
    // Two tabs of the seed app: each starts its chat, then connects with the session only.
    const firstChat = await startChat();
    const firstTab = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company&session_id=${session}`);
    await firstTab.waitFor((frame) => frame.type === 'joined');
    const secondChat = await startChat();
    const secondTab = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company&session_id=${session}`);
    expect(await secondTab.waitFor((frame) => frame.type === 'joined')).toMatchObject({
      chat_id: secondChat.id,
    });
    // A client that joins explicitly still gets the echo (multi-tab sync of one chat needs it).
    const joiner = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company`);
    await joiner.opened;
    joiner.send({ type: 'join', chat_id: firstChat.id });
    await joiner.waitFor((frame) => frame.type === 'joined');

    await post(firstChat.id, 'first tab asks');
    await post(secondChat.id, 'second tab asks');
    const firstReply = await firstTab.waitFor(
      (frame) => frame.type === 'chat_message' && (frame.message as { role: string }).role === 'assistant',
    );
    expect(firstReply).toMatchObject({ chat_id: firstChat.id, seq: 2 });
    await secondTab.waitFor((frame) => frame.type === 'chat_message');
    await joiner.waitFor((frame) => frame.type === 'chat_message' && frame.seq === 2);

    const chatMessages = (socket: TestSocket) =>
      socket.frames
        .filter((frame) => frame.type === 'chat_message')
        .map((frame) => [frame.chat_id, (frame.message as { role: string }).role]);
    expect(firstTab.frames.filter((frame) => frame.type === 'joined')).toHaveLength(1);
    expect(chatMessages(firstTab)).toEqual([[firstChat.id, 'assistant']]);
    expect(chatMessages(secondTab)).toEqual([[secondChat.id, 'assistant']]);
    expect(chatMessages(joiner)).toEqual([
      [firstChat.id, 'user'],
      [firstChat.id, 'assistant'],
    ]);
    for (const socket of [firstTab, secondTab, joiner]) socket.close();
  });

  it('answers an upgrade to a path without a gateway with 404, and closes that connection', async () => {
    const own = await createTestApp();
    try {
      await own.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = own.app.server.address() as { port: number };
      const connections = () =>
        new Promise<number>((resolve, reject) =>
          own.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        );
      const socket = new TestSocket(`ws://127.0.0.1:${port}/api/v1/nowhere/ws`);
      const status = await new Promise<number>((resolve) =>
        socket.socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
      );
      expect(status).toBe(404);
      // The socket was left open, so the server's close() waited for it.
      await expect.poll(connections).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('refuses an unknown tenant with a close code and a reason', async () => {
    const socket = new TestSocket(`${base}/api/v1/ws?tenant_id=nobody-here`);
    expect(await socket.closed).toMatchObject({ code: 4404, reason: expect.stringContaining('nobody-here') });
    const missing = new TestSocket(`${base}/api/v1/ws`);
    expect((await missing.closed).code).toBe(4400);
  });

  it('streams the assistant reply and delivers it again, exactly once, after a drop mid-stream', async () => {
    const chat = await newChat();
    const url = `${base}/api/v1/ws/chat?tenant_id=miptech-company&chat_id=${chat.id}&stream=true`;
    const first = new TestSocket(url);
    await first.waitFor((frame) => frame.type === 'joined');
    first.send({
      type: 'message',
      chat_id: chat.id,
      content: 'one two three four five six seven eight nine ten',
      client_message_id: 'c1',
    });
    const ack = await first.waitFor((frame) => frame.type === 'ack');
    expect(ack).toMatchObject({ seq: 1, replayed: false });
    await first.waitFor((frame) => frame.type === 'response_delta' && Number(frame.offset) > 10);
    const lastSeen = Math.max(
      ...first.frames.filter((frame) => typeof frame.seq === 'number').map((frame) => Number(frame.seq)),
    );
    const received = first.frames
      .filter((frame) => frame.type === 'response_start' || frame.type === 'response_delta')
      .map((frame) => (frame.type === 'response_start' ? String(frame.text) : String(frame.delta)))
      .join('');
    first.socket.terminate();

    // Resume from the reply's start: the text so far, then the rest, once.
    const second = new TestSocket(`${url}&since_seq=${lastSeen - 1}`);
    const end = await second.waitFor((frame) => frame.type === 'response_end');
    const resumed = second.frames.filter(
      (frame) => frame.type === 'response_start' || frame.type === 'response_delta',
    );
    const text = resumed
      .map((frame) => (frame.type === 'response_start' ? String(frame.text) : String(frame.delta)))
      .join('');
    expect(text).toBe((end.message as { content: string }).content);
    expect((end.message as { content: string }).content).toBe(
      'You said: one two three four five six seven eight nine ten',
    );
    expect(received.length).toBeGreaterThan(0);
    // Offsets are contiguous: no byte twice, none missing.
    let length = String(resumed[0]?.text ?? '').length;
    for (const frame of resumed.slice(1)) {
      expect(frame.offset).toBe(length);
      length += String(frame.delta).length;
    }
    second.close();
  });

  it('acks a resent client_message_id with the original message and stores it once', async () => {
    const chat = await newChat();
    const socket = new TestSocket(`${base}/api/v1/ws/chat?tenant_id=miptech-company&chat_id=${chat.id}`);
    await socket.waitFor((frame) => frame.type === 'joined');
    socket.send({ type: 'message', chat_id: chat.id, content: 'hello', client_message_id: 'same' });
    const first = await socket.waitFor((frame) => frame.type === 'ack');
    socket.send({ type: 'message', chat_id: chat.id, content: 'hello', client_message_id: 'same' });
    const second = await socket.waitFor((frame) => frame.type === 'ack' && frame.replayed === true);
    expect((second.message as { id: string }).id).toBe((first.message as { id: string }).id);
    const history = await platform.app.inject({ url: `/api/v1/chat/${chat.id}/messages`, headers: DEMO });
    expect(history.json().items.filter((message: { role: string }) => message.role === 'user')).toHaveLength(
      1,
    );
    socket.close();
  });

  it('answers invalid JSON and unknown frames with an error frame and keeps the connection', async () => {
    const socket = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company`);
    await socket.waitFor((frame) => frame.type === 'connection_established');
    socket.send('not json');
    socket.send({ type: 'dance' });
    await socket.waitFor((frame) => frame.type === 'error' && frame.code === 'invalid_json');
    await socket.waitFor((frame) => frame.type === 'error' && frame.code === 'invalid_frame');
    socket.send({ type: 'ping', ts: 5 });
    expect(await socket.waitFor((frame) => frame.type === 'pong')).toMatchObject({ ts: 5 });
    socket.close();
  });
});

/** Listens on a free loopback port; returns the ws:// base URL. */
async function listen(platform: TestPlatform): Promise<string> {
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `ws://127.0.0.1:${address.port}`;
}

describe('WebSocket gateway in production', () => {
  let platform: TestPlatform;
  let base: string;

  beforeAll(async () => {
    platform = await createTestApp({ env: { MIPTECH_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET } });
    await platform.store.updateTenant('miptech-company', {
      allowed_origins: ['https://miptechnologies.tech'],
    });
    platform.tenants.invalidate();
    base = await listen(platform);
  });
  afterAll(() => platform?.close());

  const newChat = async (token?: string) =>
    (
      await platform.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: { ...DEMO, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        payload: {},
      })
    ).json();

  it('lets a visitor join only their own chats, with the token in the URL or an auth frame', async () => {
    const mine = await newChat();
    const theirs = await newChat();
    const chatUrl = (chatId: string) => `${base}/api/v1/ws/chat?tenant_id=miptech-company&chat_id=${chatId}`;

    const anonymous = new TestSocket(chatUrl(mine.id));
    expect(await anonymous.waitFor((frame) => frame.type === 'error')).toMatchObject({
      code: 'auth_required',
    });
    anonymous.close();

    const withToken = new TestSocket(`${chatUrl(mine.id)}&token=${mine.visitor_token}`);
    expect(await withToken.waitFor((frame) => frame.type === 'joined')).toMatchObject({ chat_id: mine.id });
    withToken.send({ type: 'join', chat_id: theirs.id });
    expect(await withToken.waitFor((frame) => frame.type === 'error')).toMatchObject({
      code: 'chat_not_found',
      chat_id: theirs.id,
    });
    withToken.close();

    const viaFrame = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company`);
    await viaFrame.waitFor((frame) => frame.type === 'connection_established');
    viaFrame.send({ type: 'auth', data: { token: theirs.visitor_token } });
    expect(await viaFrame.waitFor((frame) => frame.type === 'auth_ok')).toMatchObject({
      principal: 'visitor',
    });
    viaFrame.send({ type: 'join', chat_id: theirs.id });
    await viaFrame.waitFor((frame) => frame.type === 'joined');
    viaFrame.close();
  });

  it('refuses a bad token, a foreign origin and a disabled tenant with documented close codes', async () => {
    const badToken = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company&token=forged`);
    expect(await badToken.closed).toMatchObject({ code: 4401 });
    const foreign = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company`, {
      origin: 'https://evil.example',
    });
    expect(await foreign.closed).toMatchObject({
      code: 4403,
      reason: expect.stringContaining('evil.example'),
    });
    const allowed = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company`, {
      origin: 'https://miptechnologies.tech',
    });
    await allowed.waitFor((frame) => frame.type === 'connection_established');
    allowed.close();
    await platform.store.createTenant({ id: 'switched-off', name: 'Off' });
    await platform.store.updateTenant('switched-off', { enabled: false });
    const disabled = new TestSocket(`${base}/api/v1/ws?tenant_id=switched-off`);
    expect(await disabled.closed).toMatchObject({ code: 4403 });
  });
});

describe('WebSocket gateway under pressure', () => {
  it('cuts off a reader whose unsent frames pile up, and only that one', async () => {
    // A fake socket: the kernel's buffers on loopback absorb megabytes, so a real paused reader
    // takes far too long to reach the limit in a test. What matters is the decision on send.
    const fakeSocket = (bufferedAmount: number) => {
      const events = new EventEmitter();
      return Object.assign(events, {
        OPEN: 1,
        readyState: 1,
        bufferedAmount,
        sent: [] as string[],
        closedWith: undefined as number | undefined,
        terminated: false,
        send(data: string) {
          this.sent.push(data);
        },
        close(code: number) {
          this.closedWith = code;
          this.readyState = 2;
        },
        terminate() {
          this.terminated = true;
        },
      });
    };
    const platform = await createTestApp();
    const hub = new ChannelHub(platform.bus);
    const presence = new PresenceBoard({ hub });
    try {
      const tenant = await platform.store.getTenant('miptech-company');
      if (!tenant) throw new Error('no demo tenant');
      const open = (socket: ReturnType<typeof fakeSocket>) =>
        new Connection({
          socket: socket as unknown as WebSocket,
          tenant,
          sessionId: null,
          principal: { kind: 'anonymous' },
          allowAnonymous: true,
          authenticate: async () => undefined,
          store: platform.store,
          chats: platform.chats,
          hub,
          presence,
          log: platform.app.log,
          heartbeatIntervalMs: 1000,
          early: [],
        });
      const slowSocket = fakeSocket(2 * 1024 * 1024);
      const fastSocket = fakeSocket(0);
      const slow = open(slowSocket);
      const fast = open(fastSocket);
      slow.send({ type: 'pong', ts: 1, server_time: 'now' });
      fast.send({ type: 'pong', ts: 1, server_time: 'now' });
      expect(slowSocket.closedWith).toBe(4413);
      expect(slowSocket.sent).toHaveLength(0);
      expect(fastSocket.closedWith).toBeUndefined();
      expect(fastSocket.sent.map((frame) => JSON.parse(frame).type)).toEqual([
        'connection_established',
        'pong',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect(slowSocket.terminated).toBe(true);
      expect(fastSocket.terminated).toBe(false);
    } finally {
      presence.close();
      await platform.close();
    }
  });

  it('closes every socket with 1001 on shutdown, and the reply in progress ends interrupted, not cut', async () => {
    const platform = await createTestApp({ app: { responder: new ScriptedResponder({ delayMs: 30 }) } });
    const base = await listen(platform);
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const socket = new TestSocket(
      `${base}/api/v1/ws/chat?tenant_id=miptech-company&chat_id=${chat.id}&stream=true`,
    );
    await socket.waitFor((frame) => frame.type === 'joined');
    socket.send({ type: 'message', chat_id: chat.id, content: 'a b c d e f g h i j k l m n o p' });
    await socket.waitFor((frame) => frame.type === 'response_delta');
    const { store } = platform;
    const closing = platform.app.close();
    expect((await socket.closed).code).toBe(1001);
    await closing;
    const reopened = await createTestApp({ dataDirectory: platform.config.dataDir });
    try {
      const messages = (
        await reopened.app.inject({ url: `/api/v1/chat/${chat.id}/messages`, headers: DEMO })
      ).json();
      const reply = messages.items.find((message: { role: string }) => message.role === 'assistant');
      expect(reply.status).toBe('interrupted');
      expect(reply.content.length).toBeGreaterThan(0);
      expect('You said: a b c d e f g h i j k l m n o p'.startsWith(reply.content)).toBe(true);
    } finally {
      await reopened.close();
      await store.close();
    }
  });
});
