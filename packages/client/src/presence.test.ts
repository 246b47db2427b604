/**
 * Presence from the SDK's side, against a real platform: a visitor's `typing()` calls become one
 * `typing` frame per couple of seconds and a stop on send; an operator's `view()` is declared on
 * join and again after a reconnection, and ends with `leave()`.
 */
import type { ServerFrame } from '@miptech/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO } from '../../server/src/testing/test-app.ts';
import { ChatController } from './chat-controller.ts';
import { RealtimeConnection } from './realtime-connection.ts';
import { memoryStorage, SessionStore } from './session-store.ts';
import { type ListeningPlatform, startPlatform, until } from './testing.ts';

const TENANT = 'miptech-company';
let platform: ListeningPlatform;
const tokens: string[] = [];

beforeAll(async () => {
  platform = await startPlatform();
  for (const name of ['Ida', 'Jon']) {
    const registered = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: DEMO,
      payload: {
        email: `${name.toLowerCase()}-presence@example.com`,
        password: 'a long and unguessable passphrase',
        name,
      },
    });
    expect(registered.statusCode).toBe(200);
    tokens.push(registered.json().access_token);
  }
});
afterAll(() => platform?.close());

/** An operator's connection, joined to `chatId`, recording its frames. */
function operator(index: number, chatId: string) {
  const connection = new RealtimeConnection({
    baseUrl: platform.baseUrl,
    tenantId: TENANT,
    token: () => tokens[index],
    backoff: { initialMs: 10, maxMs: 50 },
  });
  const frames: ServerFrame[] = [];
  connection.on('frame', (frame) => frames.push(frame));
  connection.join(chatId, { sinceSeq: () => 0, stream: false });
  connection.connect();
  return { connection, frames };
}

it("throttles a visitor's typing to one frame per interval, and stops it when the message is sent", async () => {
  const visitor = new ChatController({
    baseUrl: platform.baseUrl,
    tenantId: TENANT,
    ready: false,
    session: new SessionStore({ tenantId: TENANT, storage: memoryStorage() }),
  });
  await visitor.initialize();
  await until('the visitor connected', () => visitor.get('connection') === 'open');
  const chatId = String(visitor.get('chat').id);
  const staff = operator(0, chatId);
  await until('the operator joined', () => staff.frames.some((frame) => frame.type === 'joined'));
  const typing = () =>
    staff.frames.flatMap((frame) => (frame.type === 'typing' ? [`${frame.role}:${frame.is_typing}`] : []));

  // A visitor's keystrokes: many calls, one frame.
  for (let key = 0; key < 20; key++) visitor.typing(true);
  await until('the typing frame', () => typing().length === 1);
  // The stop goes out as the message is sent, not 3 s later when the input is idle.
  const sent: unknown[] = [];
  const send = visitor.connection.send.bind(visitor.connection);
  visitor.connection.send = (frame) => {
    sent.push(frame);
    return send(frame);
  };
  const sending = visitor.send('Hello there');
  expect(sent).toEqual([{ type: 'typing', chat_id: chatId, is_typing: false }]);
  await sending;
  await until('the stop', () => typing().length === 2);
  expect(typing()).toEqual(['visitor:true', 'visitor:false']);
  // Nothing more to stop: a second stop sends nothing (the next frame the operator gets is the reply's).
  visitor.typing(false);
  staff.connection.close();
  visitor.disconnect();
});

it("declares an operator's viewing on join and again after a reconnection, and ends it with leave", async () => {
  const chat = (
    await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
  ).json();
  const watcher = operator(1, chat.id);
  const viewer = operator(0, chat.id);
  viewer.connection.view(chat.id, true);
  /** The viewer lists the watcher got after its `joined` number `join` (1 for the first). */
  const listsAfterJoin = (join: number) => {
    let joins = 0;
    return watcher.frames.flatMap((frame) => {
      if (frame.type === 'joined') joins += 1;
      return frame.type === 'presence' && joins === join
        ? [frame.viewers.map((seen) => seen.name).join()]
        : [];
    });
  };
  await until('Ida viewing', () => listsAfterJoin(1).includes('Ida'));

  // Both sockets drop: the server forgets them; the reconnections join again, and the viewer
  // declares its viewing again by itself.
  expect(platform.dropSockets()).toBeGreaterThanOrEqual(2);
  await until('Ida viewing after the reconnection', () => listsAfterJoin(2).includes('Ida'));

  viewer.connection.leave(chat.id);
  await until('Ida gone after leave', () => listsAfterJoin(2).at(-1) === '');
  viewer.connection.close();
  watcher.connection.close();
});
