/** The operator inbox on a RealtimeConnection: subscribed on connect, again after every reconnection. */
import type { ServerFrame } from '@miptech/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO } from '../../server/src/testing/test-app.ts';
import { RealtimeConnection } from './realtime-connection.ts';
import { type ListeningPlatform, startPlatform, until } from './testing.ts';

let platform: ListeningPlatform;
let token: string;

beforeAll(async () => {
  platform = await startPlatform();
  const registered = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: DEMO,
    payload: {
      email: 'inbox-client@example.com',
      password: 'a long and unguessable passphrase',
      name: 'Ida',
    },
  });
  expect(registered.statusCode).toBe(200);
  token = registered.json().access_token;
});
afterAll(() => platform?.close());

it('subscribes to the inbox when open and again after a reconnection, then hears of new chats', async () => {
  const connection = new RealtimeConnection({
    baseUrl: platform.baseUrl,
    tenantId: 'miptech-company',
    token: () => token,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  const frames: ServerFrame[] = [];
  connection.on('frame', (frame) => frames.push(frame));
  connection.subscribeInbox();
  connection.connect();
  const subscribed = () => frames.filter((frame) => frame.type === 'inbox_subscribed').length;
  const newChatSeen = async () => {
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    await until('the new chat in the inbox', () =>
      frames.some((frame) => frame.type === 'inbox_chat' && frame.chat.id === chat.id),
    );
  };
  await until('the first subscription', () => subscribed() === 1);
  await newChatSeen();

  expect(platform.dropSockets()).toBe(1);
  // The new socket subscribes again by itself: a console reads its lists once on this frame.
  await until('the subscription after the reconnection', () => subscribed() === 2);
  await newChatSeen();

  connection.unsubscribeInbox();
  connection.close();
});
