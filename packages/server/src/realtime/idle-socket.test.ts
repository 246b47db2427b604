/**
 * An established socket lets its upgrade request go (issue 16): once the handshake is done and the
 * chat joined, nothing the connection keeps reaches Fastify's request, its reply or the
 * IncomingMessage, so garbage collection frees them while the socket stays open and working.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import { TestSocket } from '../testing/test-socket.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('an idle WebSocket', () => {
  let platform: TestPlatform;
  let base: string;
  const upgrades: Array<{ request: WeakRef<object>; raw: WeakRef<object>; reply: WeakRef<object> }> = [];

  beforeAll(async () => {
    platform = await createTestApp();
    platform.app.addHook('onRequest', async (request, reply) => {
      if (request.url.includes('/ws')) {
        upgrades.push({
          request: new WeakRef(request),
          raw: new WeakRef(request.raw),
          reply: new WeakRef(reply),
        });
      }
    });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `ws://127.0.0.1:${address.port}`;
  });
  afterAll(() => platform?.close());

  it('keeps no reference to its upgrade request, reply or IncomingMessage, and keeps working', async () => {
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const socket = new TestSocket(`${base}/api/v1/ws?tenant_id=miptech-company&chat_id=${chat.chat_id}`);
    await socket.waitFor((frame) => frame.type === 'joined');
    expect(upgrades).toHaveLength(1);
    const [upgrade] = upgrades;
    // Collection is not immediate: let pending callbacks finish between a few full collections.
    for (let round = 0; round < 20 && upgrade?.request.deref(); round += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(upgrade?.request.deref()).toBeUndefined();
    expect(upgrade?.reply.deref()).toBeUndefined();
    expect(upgrade?.raw.deref()).toBeUndefined();

    socket.send({ type: 'ping', ts: 1 });
    expect(await socket.waitFor((frame) => frame.type === 'pong')).toMatchObject({ ts: 1 });
    socket.close();
  });
});
