/**
 * Presence over real sockets: a visitor's typing reaches the chat's staff sockets and nobody else
 * (not the visitor's other tab, not an anonymous socket, not another tenant); an operator's
 * reaches the visitor with the operator's name; repeats are throttled; operators see who views a
 * chat, and stop seeing them when they navigate away or their socket closes; a visitor never
 * hears of viewers. Every frame is validated and refused with a stable code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import { type Frame, TestSocket } from '../testing/test-socket.ts';

const TENANT = 'miptech-company';
const OTHER = 'presence-other-tenant';
const PASSWORD = 'a long and unguessable passphrase';

interface Operator {
  id: string;
  token: string;
  name: string;
}

describe('presence: typing and viewing', () => {
  let platform: TestPlatform;
  let base: string;
  const operators: Operator[] = [];
  let foreign: Operator;
  const sockets: TestSocket[] = [];

  const register = async (tenant: string, name: string): Promise<Operator> => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-tenant-id': tenant },
      payload: { email: `${name.toLowerCase()}@presence.example`, password: PASSWORD, name },
    });
    expect(response.statusCode).toBe(200);
    return { id: response.json().user.id, token: response.json().access_token, name };
  };

  beforeAll(async () => {
    // A typing relay interval no test run reaches: every repeat within it is dropped.
    platform = await createTestApp({ app: { presence: { typingIntervalMs: 600_000 } } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `ws://127.0.0.1:${address.port}`;
    await platform.store.createTenant({ id: OTHER, name: 'Other company' });
    for (const name of ['Anna', 'Bruno']) operators.push(await register(TENANT, name));
    foreign = await register(OTHER, 'Otto');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.socket.terminate();
    await platform?.close();
  });

  const anna = () => operators[0] as Operator;
  const bruno = () => operators[1] as Operator;

  const newChat = async (): Promise<{ id: string; visitor_token: string }> =>
    (await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })).json();

  /** A socket joined to `chatId`, as the holder of `token` (anonymous without one). */
  const joined = async (chatId: string, token?: string, tenant = TENANT): Promise<TestSocket> => {
    const query = `tenant_id=${tenant}${token ? `&token=${token}` : ''}`;
    const socket = new TestSocket(`${base}/api/v1/ws?${query}`);
    sockets.push(socket);
    await socket.opened;
    socket.send({ type: 'join', chat_id: chatId });
    await socket.waitFor((frame) => frame.type === 'joined' && frame.chat_id === chatId);
    return socket;
  };
  const ofType = (socket: TestSocket, type: string) => socket.frames.filter((frame) => frame.type === type);
  /** A ping's pong: every frame the socket sent before it has been handled. */
  const settled = async (socket: TestSocket) => {
    const ts = Math.random();
    socket.send({ type: 'ping', ts });
    await socket.waitFor((frame) => frame.type === 'pong' && frame.ts === ts);
  };
  const names = (frame: Frame | undefined) =>
    ((frame?.viewers as Array<{ name: string }> | undefined) ?? []).map((viewer) => viewer.name);

  it("relays a visitor's typing to staff sockets only, and an operator's to the visitor with a name", async () => {
    const chat = await newChat();
    const visitor = await joined(chat.id, chat.visitor_token);
    const otherTab = await joined(chat.id, chat.visitor_token);
    const anonymous = await joined(chat.id);
    const operator = await joined(chat.id, anna().token);
    // Another tenant's operator cannot even join the chat.
    const outsider = new TestSocket(`${base}/api/v1/ws?tenant_id=${OTHER}&token=${foreign.token}`);
    sockets.push(outsider);
    await outsider.opened;
    outsider.send({ type: 'join', chat_id: chat.id });
    expect(await outsider.waitFor((frame) => frame.type === 'error')).toMatchObject({
      code: 'chat_not_found',
      chat_id: chat.id,
    });

    visitor.send({ type: 'typing', chat_id: chat.id, is_typing: true });
    expect(await operator.waitFor((frame) => frame.type === 'typing' && frame.is_typing === true)).toEqual({
      type: 'typing',
      chat_id: chat.id,
      seq: 0,
      role: 'visitor',
      is_typing: true,
    });

    operator.send({ type: 'typing', chat_id: chat.id, is_typing: true });
    expect(await visitor.waitFor((frame) => frame.type === 'typing')).toEqual({
      type: 'typing',
      chat_id: chat.id,
      seq: 0,
      role: 'operator',
      is_typing: true,
      name: 'Anna',
    });
    await otherTab.waitFor((frame) => frame.type === 'typing' && frame.role === 'operator');
    await settled(visitor);
    await settled(operator);

    // The visitor's typing went to the operator only: not echoed, not to the other tab or the
    // anonymous socket (both saw the operator's, so they were listening).
    await anonymous.waitFor((frame) => frame.type === 'typing' && frame.role === 'operator');
    for (const socket of [visitor, otherTab, anonymous]) {
      expect(ofType(socket, 'typing').map((frame) => frame.role)).toEqual(['operator']);
    }
    expect(ofType(operator, 'typing').map((frame) => frame.role)).toEqual(['visitor']);
    expect(outsider.frames.filter((frame) => frame.type === 'typing')).toEqual([]);
  });

  it('drops repeated "typing" within the interval, and says "stopped" once, also when the socket goes', async () => {
    const chat = await newChat();
    const visitor = await joined(chat.id, chat.visitor_token);
    const operator = await joined(chat.id, anna().token);
    const typing = (isTyping: boolean) =>
      visitor.send({ type: 'typing', chat_id: chat.id, is_typing: isTyping });
    for (let index = 0; index < 5; index++) typing(true);
    typing(false);
    typing(false);
    for (let index = 0; index < 3; index++) typing(true);
    typing(false);
    typing(true);
    await settled(visitor);
    const relayed = () => ofType(operator, 'typing').map((frame) => frame.is_typing);
    await operator.waitFor(() => relayed().length >= 5);
    expect(relayed()).toEqual([true, false, true, false, true]);

    // The visitor's tab closes while typing: staff see it stop.
    visitor.close();
    await operator.waitFor(() => relayed().length >= 6);
    expect(relayed()).toEqual([true, false, true, false, true, false]);
  });

  it('shows operators who views a chat, across joins, navigation and closed sockets; never a visitor', async () => {
    const chat = await newChat();
    const visitor = await joined(chat.id, chat.visitor_token);
    const first = await joined(chat.id, anna().token);
    first.send({ type: 'viewing', chat_id: chat.id, is_viewing: true });
    const seen = await first.waitFor((frame) => frame.type === 'presence');
    expect(seen).toEqual({
      type: 'presence',
      chat_id: chat.id,
      seq: 0,
      viewers: [{ operator_id: anna().id, name: 'Anna' }],
    });

    // A second operator opening the chat learns at once who is there, then shows up for both.
    const second = await joined(chat.id, bruno().token);
    expect(names(await second.waitFor((frame) => frame.type === 'presence'))).toEqual(['Anna']);
    second.send({ type: 'viewing', chat_id: chat.id, is_viewing: true });
    const both = (frame: Frame) => frame.type === 'presence' && names(frame).length === 2;
    expect(names(await first.waitFor(both))).toEqual(['Anna', 'Bruno']);
    expect(names(await second.waitFor(both))).toEqual(['Anna', 'Bruno']);

    // The same operator in a second tab is one viewer.
    const annaAgain = await joined(chat.id, anna().token);
    annaAgain.send({ type: 'viewing', chat_id: chat.id, is_viewing: true });
    await settled(annaAgain);
    await settled(first);

    // Anna navigates away in her first tab: still viewing in the other. Then that tab closes.
    first.send({ type: 'viewing', chat_id: chat.id, is_viewing: false });
    annaAgain.close();
    const onlyBruno = (frame: Frame) => frame.type === 'presence' && names(frame).join() === 'Bruno';
    await second.waitFor(onlyBruno);
    await first.waitFor(onlyBruno);
    // Bruno leaves the chat: Anna's first tab, still joined, sees nobody.
    second.send({ type: 'leave', chat_id: chat.id });
    await first.waitFor((frame) => frame.type === 'presence' && names(frame).length === 0);

    await settled(visitor);
    expect(ofType(visitor, 'presence')).toEqual([]);
    // Every list a socket was sent differs from the one before: no repeats of the same list.
    const lists = ofType(first, 'presence').map((frame) => names(frame).join());
    for (const [index, list] of lists.entries()) if (index > 0) expect(list).not.toBe(lists[index - 1]);
  });

  it('refuses bad presence frames with stable codes, and keeps the connection open', async () => {
    const chat = await newChat();
    const visitor = await joined(chat.id, chat.visitor_token);
    const anonymous = await joined(chat.id);
    const operator = new TestSocket(`${base}/api/v1/ws?tenant_id=${TENANT}&token=${anna().token}`);
    sockets.push(operator);
    await operator.opened;
    const refusal = async (socket: TestSocket, frame: unknown) => {
      const before = ofType(socket, 'error').length;
      socket.send(frame);
      await socket.waitFor(() => ofType(socket, 'error').length > before);
      return ofType(socket, 'error').at(-1);
    };

    expect(await refusal(visitor, { type: 'typing', chat_id: chat.id })).toMatchObject({
      code: 'invalid_frame',
      detail: expect.stringContaining('is_typing'),
    });
    expect(await refusal(visitor, { type: 'typing', chat_id: chat.id, is_typing: 'yes' })).toMatchObject({
      code: 'invalid_frame',
    });
    expect(await refusal(visitor, { type: 'viewing', chat_id: '', is_viewing: true })).toMatchObject({
      code: 'invalid_frame',
    });
    expect(await refusal(visitor, { type: 'viewing', chat_id: chat.id, is_viewing: true })).toMatchObject({
      code: 'insufficient_role',
      chat_id: chat.id,
    });
    expect(await refusal(anonymous, { type: 'viewing', chat_id: chat.id, is_viewing: true })).toMatchObject({
      code: 'auth_required',
    });
    // Typing or viewing a chat the socket has not joined.
    expect(await refusal(operator, { type: 'viewing', chat_id: chat.id, is_viewing: true })).toMatchObject({
      code: 'chat_not_found',
      detail: 'Join the chat first (a "join" frame)',
    });
    expect(await refusal(operator, { type: 'typing', chat_id: chat.id, is_typing: true })).toMatchObject({
      code: 'chat_not_found',
    });
    await settled(visitor);
    await settled(operator);
    expect(visitor.socket.readyState).toBe(visitor.socket.OPEN);
  });
});
