/**
 * WebSocket limits against a real port: open connections per IP and per tenant, handshakes per
 * IP (shared by two instances through Redis), `message` frames spending the same counters as
 * `POST …/messages`, flooding in bursts, and a frame over 64 KiB logged calmly. Each test uses
 * loopback addresses of its own (127.x.y.z), so counters in the shared Redis stay apart.
 */
import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RateLimits } from '../config.ts';
import { findTestRedis } from '../testing/services.ts';
import { createTestApp, DEMO, TEST_JWT_SECRET, type TestPlatform } from '../testing/test-app.ts';
import { TestSocket } from '../testing/test-socket.ts';
import { MAX_FRAME_BYTES } from './gateway.ts';

const TENANT = 'miptech-company';

const opened: TestPlatform[] = [];
const sockets: TestSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.socket.terminate();
  await Promise.all(opened.splice(0).map((platform) => platform.close()));
});

async function start(
  rateLimits: Partial<RateLimits>,
  env: Record<string, string> = {},
  logStream?: { write(line: string): void },
): Promise<{ platform: TestPlatform; base: string }> {
  const platform = await createTestApp({
    env: { JWT_SECRET: TEST_JWT_SECRET, ...env },
    rateLimits,
    ...(logStream ? { logStream } : {}),
  });
  opened.push(platform);
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return { platform, base: `ws://127.0.0.1:${address.port}` };
}

/** A loopback address no other test (or test run) uses. */
const freshAddress = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

function open(base: string, from: string, query = ''): TestSocket {
  // Any 127.0.0.0/8 address is this machine: a socket from another one is another client.
  const socket = new TestSocket(`${base}/api/v1/ws?tenant_id=${TENANT}${query}`, {}, { localAddress: from });
  sockets.push(socket);
  return socket;
}

const greeted = (socket: TestSocket) => socket.waitFor((frame) => frame.type === 'connection_established');

describe('WebSocket connection caps', () => {
  it('caps open connections per IP with an error frame and 1013, and frees the slot on close', async () => {
    const { base } = await start({ socketsPerIp: 3 });
    const address = freshAddress();
    const first = [open(base, address), open(base, address), open(base, address)];
    for (const socket of first) await greeted(socket);

    const refused = open(base, address);
    expect(await refused.closed).toMatchObject({ code: 1013 });
    expect(refused.frames).toEqual([
      {
        type: 'error',
        code: 'too_many_connections',
        detail: expect.stringContaining('from this address'),
        retry_after: expect.any(Number),
      },
    ]);
    // Another address is not affected.
    await greeted(open(base, freshAddress()));

    first[0]?.close();
    await first[0]?.closed;
    await greeted(open(base, address));
  });

  it('caps open connections per tenant, whatever the address', async () => {
    const { base } = await start({ socketsPerTenant: 2 });
    await greeted(open(base, freshAddress()));
    await greeted(open(base, freshAddress()));
    const refused = open(base, freshAddress());
    expect((await refused.closed).code).toBe(1013);
    expect(refused.frames[0]).toMatchObject({
      code: 'too_many_connections',
      detail: expect.stringContaining('tenant'),
    });
  });

  it('limits handshakes per IP per minute with rate_limited, retry_after and 4429', async () => {
    const { base } = await start({ socketHandshakesPerIpPerMinute: 4 });
    const address = freshAddress();
    for (let index = 0; index < 4; index++) {
      const socket = open(base, address);
      await greeted(socket);
      socket.close();
      await socket.closed;
    }
    const refused = open(base, address);
    expect(await refused.closed).toMatchObject({ code: 4429 });
    expect(refused.frames).toEqual([
      { type: 'error', code: 'rate_limited', detail: expect.any(String), retry_after: expect.any(Number) },
    ]);
    expect(refused.frames[0]?.retry_after).toBeGreaterThanOrEqual(1);
    expect(refused.frames[0]?.retry_after).toBeLessThanOrEqual(60);
    await greeted(open(base, freshAddress()));
  });
});

const redisUrl = await findTestRedis();

describe.skipIf(!redisUrl)('WebSocket handshakes counted in Redis', () => {
  it('two instances count one address against one number', async () => {
    const limits = { socketHandshakesPerIpPerMinute: 4 };
    const one = await start(limits, { REDIS_URL: redisUrl as string });
    const two = await start(limits, { REDIS_URL: redisUrl as string });
    const address = freshAddress();
    for (const base of [one.base, two.base, one.base, two.base]) await greeted(open(base, address));
    expect((await open(two.base, address).closed).code).toBe(4429);
    expect((await open(one.base, address).closed).code).toBe(4429);
  });
});

describe('message frames and REST share the message limits', () => {
  const chatFor = async (platform: TestPlatform, address: string) => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: DEMO,
      payload: {},
      remoteAddress: address,
    });
    return response.json<{ id: string; visitor_token: string }>();
  };
  const postOverRest = (platform: TestPlatform, chatId: string, address: string, token?: string) =>
    platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chatId}/messages`,
      headers: { ...DEMO, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: { content: 'over REST' },
      remoteAddress: address,
    });

  it('per visitor: frames over the limit get rate_limited with retry_after, and REST is refused too', async () => {
    const { platform, base } = await start({ messagesPerVisitorPerMinute: 3 });
    const address = freshAddress();
    const chat = await chatFor(platform, address);
    const socket = open(base, address, `&chat_id=${chat.id}&token=${chat.visitor_token}`);
    await socket.waitFor((frame) => frame.type === 'joined');
    expect((await postOverRest(platform, chat.id, address, chat.visitor_token)).statusCode).toBe(200);
    for (let index = 1; index <= 3; index++)
      socket.send({
        type: 'message',
        chat_id: chat.id,
        content: `hello ${index}`,
        client_message_id: `m-${index}`,
      });
    const refused = await socket.waitFor((frame) => frame.type === 'error');
    expect(refused).toMatchObject({
      code: 'rate_limited',
      chat_id: chat.id,
      retry_after: expect.any(Number),
    });
    expect(socket.frames.filter((frame) => frame.type === 'ack')).toHaveLength(2);
    expect((await postOverRest(platform, chat.id, address, chat.visitor_token)).statusCode).toBe(429);
    // Nothing beyond the limit was stored, and the socket stays open.
    const stored = await platform.store.listMessages(TENANT, chat.id, { after_seq: 0, limit: 100 });
    expect(stored?.items.filter((message) => message.role === 'user')).toHaveLength(3);
    socket.send({ type: 'ping', ts: 7 });
    await socket.waitFor((frame) => frame.type === 'pong');
  });

  it('per IP, for anonymous sockets: REST posts spend what the socket may send', async () => {
    const { platform, base } = await start({ messagesPerIpPerMinute: 2 });
    const address = freshAddress();
    const chat = await chatFor(platform, address);
    expect((await postOverRest(platform, chat.id, address)).statusCode).toBe(200);
    const socket = open(base, address, `&chat_id=${chat.id}`);
    await socket.waitFor((frame) => frame.type === 'joined');
    socket.send({ type: 'message', chat_id: chat.id, content: 'one' });
    socket.send({ type: 'message', chat_id: chat.id, content: 'two' });
    await socket.waitFor((frame) => frame.type === 'error');
    expect(socket.frames.filter((frame) => frame.type === 'ack')).toHaveLength(1);
    expect(socket.frames.find((frame) => frame.type === 'error')).toMatchObject({ code: 'rate_limited' });
  });
});

describe('flooding', () => {
  it('closes with 4429 a client that floods in bursts, pausing until its bucket refills', async () => {
    const { base } = await start({});
    const socket = open(base, freshAddress());
    await greeted(socket);
    const burst = async () => {
      for (let index = 0; index < 120; index++) socket.send({ type: 'ping' });
      await new Promise((resolve) => setTimeout(resolve, 500));
    };
    await burst();
    // About 60 refused: under the limit of 100, so still open.
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    const refusedFirst = socket.frames.filter((frame) => frame.code === 'rate_limited').length;
    expect(refusedFirst).toBeGreaterThan(40);
    expect(refusedFirst).toBeLessThan(100);
    expect(socket.frames.find((frame) => frame.code === 'rate_limited')).toMatchObject({ retry_after: 1 });
    // Long enough for the bucket (60 frames at 20/s) to be full again.
    await new Promise((resolve) => setTimeout(resolve, 3200));
    await burst();
    expect((await socket.closed).code).toBe(4429);
  });
});

describe('a frame over 64 KiB', () => {
  it('closes with 1009 and logs one calm line without a stack, not an error', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const { base } = await start(
      {},
      { LOG_LEVEL: 'info' },
      { write: (line) => void lines.push(JSON.parse(line)) },
    );
    const socket = open(base, freshAddress());
    await greeted(socket);
    socket.send(`{"type":"ping","pad":"${'a'.repeat(MAX_FRAME_BYTES)}"}`);
    expect((await socket.closed).code).toBe(1009);
    await expect
      .poll(() => lines.some((line) => line.ws_error === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'))
      .toBe(true);
    const line = lines.find((entry) => entry.ws_error);
    expect(line).toMatchObject({ level: 30, msg: 'WebSocket closed: the client broke the protocol' });
    expect(JSON.stringify(line)).not.toContain('stack');
    expect(lines.filter((entry) => Number(entry.level) >= 50)).toEqual([]);
  });
});
