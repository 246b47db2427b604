/**
 * Handoff to a human over the real API and real sockets: a visitor asks, every socket is told,
 * the assistant stays silent; operators take over, answer, give back and close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedResponder } from '../assistant/scripted-responder.ts';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import { TestSocket } from '../testing/test-socket.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('handoff to a human', () => {
  let platform: TestPlatform;
  let base: string;
  let replies = 0;
  let slow = false;
  const operators: Array<{ id: string; token: string; name: string }> = [];

  beforeAll(async () => {
    const responder = new ScriptedResponder({
      delayMs: 5,
      reply: () => {
        replies += 1;
        return slow ? 'word '.repeat(400) : 'The assistant answers.';
      },
    });
    platform = await createTestApp({ app: { responder } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `ws://127.0.0.1:${address.port}`;
    // Development mode: the first operator is the owner, the others register as agents; Ada is
    // then made an admin.
    for (const name of ['Dana', 'Sam', 'Kim', 'Ada']) {
      const response = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        headers: DEMO,
        payload: { email: `${name.toLowerCase()}@handoff.example`, password: PASSWORD, name },
      });
      expect(response.statusCode).toBe(200);
      operators.push({ id: response.json().user.id, token: response.json().access_token, name });
    }
    const promoted = await platform.app.inject({
      method: 'PATCH',
      url: `/api/v1/operators/${operators[3]?.id}`,
      headers: { ...DEMO, authorization: `Bearer ${operators[0]?.token}` },
      payload: { role: 'admin' },
    });
    expect(promoted.json().role).toBe('admin');
  });
  afterAll(() => platform?.close());

  const newChat = async () => {
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    return { id: chat.id as string, headers: { ...DEMO, authorization: `Bearer ${chat.visitor_token}` } };
  };
  const post = (chat: { id: string; headers: Record<string, string> }, content: string) =>
    platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/messages?wait=true`,
      headers: chat.headers,
      payload: { content },
    });
  const staff = (operator: number, action: string, chatId: string, payload?: unknown) =>
    platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chatId}/${action}`,
      headers: { ...DEMO, authorization: `Bearer ${operators[operator]?.token}` },
      ...(payload ? { payload } : {}),
    });
  const messages = async (chat: { id: string; headers: Record<string, string> }) =>
    (await platform.app.inject({ url: `/api/v1/chat/${chat.id}/messages`, headers: chat.headers })).json()
      .items as Array<{ role: string; content: string; status: string; metadata: Record<string, unknown> }>;

  it('a visitor asks for a human: every socket hears it and the assistant stays silent', async () => {
    const chat = await newChat();
    const socket = new TestSocket(`${base}/api/v1/ws/chat?tenant_id=miptech-company&chat_id=${chat.id}`);
    await socket.waitFor((frame) => frame.type === 'joined');

    const asked = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/handoff`,
      headers: chat.headers,
    });
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({ status: 'waiting_for_human', assigned_to: null });
    const frame = await socket.waitFor((candidate) => candidate.type === 'chat_status');
    expect(frame).toMatchObject({ chat_id: chat.id, status: 'waiting_for_human' });
    const note = await socket.waitFor((candidate) => candidate.type === 'chat_message');
    expect(note).toMatchObject({ message: { role: 'system', metadata: { event: 'handoff_requested' } } });

    const before = replies;
    const answer = await post(chat, 'Hello? Anyone there?');
    expect(answer.statusCode).toBe(200);
    // No reply is coming: the body is the visitor's own message.
    expect(answer.json()).toMatchObject({ role: 'user', content: 'Hello? Anyone there?' });
    expect(replies).toBe(before);
    expect((await messages(chat)).map((message) => message.role)).toEqual(['system', 'user']);
    socket.close();
  });

  it('an operator takes over, answers as a human and gives the chat back to the assistant', async () => {
    const chat = await newChat();
    expect((await post(chat, 'First question')).json()).toMatchObject({
      role: 'assistant',
      content: 'The assistant answers.',
      user_message: { role: 'user', content: 'First question' },
    });

    const taken = await staff(0, 'takeover', chat.id);
    expect(taken.statusCode).toBe(200);
    expect(taken.json()).toMatchObject({ status: 'with_human', assigned_to: operators[0]?.id });
    const contested = await staff(1, 'takeover', chat.id);
    expect(contested.statusCode).toBe(409);
    expect(contested.json().code).toBe('chat_assigned');
    expect(contested.json().detail).toBe(`${operators[0]?.name} has this chat`);
    expect((await staff(1, 'messages', chat.id, { content: 'Me too' })).json().code).toBe('chat_assigned');

    const human = await staff(0, 'messages', chat.id, { content: 'Hi, Dana here. How can I help?' });
    expect(human.statusCode).toBe(200);
    expect(human.json()).toMatchObject({ role: 'human', metadata: { operator: 'Dana' } });
    const before = replies;
    expect((await post(chat, 'Thanks Dana')).json()).toMatchObject({ role: 'user' });
    expect(replies).toBe(before);

    const released = await staff(0, 'release', chat.id);
    expect(released.json()).toMatchObject({ status: 'active', assigned_to: null });
    expect((await post(chat, 'One more question')).json()).toMatchObject({ role: 'assistant' });
    expect(replies).toBe(before + 1);
    expect(
      (await messages(chat)).map((message) => `${message.role}:${message.metadata.event ?? ''}`),
    ).toEqual([
      'user:',
      'assistant:',
      'system:operator_joined',
      'human:',
      'user:',
      'system:assistant_resumed',
      'user:',
      'assistant:',
    ]);
  });

  it('taking over stops a reply in progress', async () => {
    const chat = await newChat();
    slow = true;
    try {
      await platform.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chat.id}/messages`,
        headers: chat.headers,
        payload: { content: 'Tell me everything' },
      });
      await expect
        .poll(async () => (await messages(chat)).find((message) => message.role === 'assistant')?.status)
        .toBe('streaming');
      expect((await staff(1, 'takeover', chat.id)).statusCode).toBe(200);
      await expect
        .poll(async () => (await messages(chat)).find((message) => message.role === 'assistant')?.status)
        .toBe('stopped');
    } finally {
      slow = false;
    }
  });

  describe('who may release or close a chat someone took over', () => {
    const [DANA_OWNER, SAM_AGENT, KIM_AGENT, ADA_ADMIN] = [0, 1, 2, 3];
    const statusOf = async (chatId: string) =>
      (
        await platform.app.inject({
          url: `/api/v1/chats/${chatId}`,
          headers: { ...DEMO, authorization: `Bearer ${operators[0]?.token}` },
        })
      ).json();

    it('another agent gets 403 chat_assigned_to_other naming the assignee, and the chat stays theirs', async () => {
      const chat = await newChat();
      expect((await staff(SAM_AGENT, 'takeover', chat.id)).statusCode).toBe(200);
      for (const action of ['release', 'close']) {
        const refused = await staff(KIM_AGENT, action, chat.id);
        expect(refused.statusCode).toBe(403);
        expect(refused.json()).toEqual({
          detail: expect.stringContaining(`Sam (operator ${operators[SAM_AGENT]?.id})`),
          code: 'chat_assigned_to_other',
          request_id: refused.headers['x-request-id'],
        });
      }
      expect(await statusOf(chat.id)).toMatchObject({
        status: 'with_human',
        assigned_to: operators[SAM_AGENT]?.id,
      });
      // Nothing was announced to the visitor for the refused attempts.
      expect((await messages(chat)).map((message) => message.metadata.event).filter(Boolean)).toEqual([
        'operator_joined',
      ]);
    });

    it('the assignee, an admin and an owner may', async () => {
      const chat = await newChat();
      expect((await staff(SAM_AGENT, 'takeover', chat.id)).statusCode).toBe(200);
      expect((await staff(ADA_ADMIN, 'release', chat.id)).json()).toMatchObject({
        status: 'active',
        assigned_to: null,
      });
      expect((await staff(SAM_AGENT, 'takeover', chat.id)).statusCode).toBe(200);
      expect((await staff(DANA_OWNER, 'close', chat.id)).json()).toMatchObject({ status: 'closed' });
      const own = await newChat();
      expect((await staff(SAM_AGENT, 'takeover', own.id)).statusCode).toBe(200);
      expect((await staff(SAM_AGENT, 'release', own.id)).json()).toMatchObject({ status: 'active' });
    });

    it('any operator may close a chat nobody has taken', async () => {
      const chat = await newChat();
      expect((await staff(KIM_AGENT, 'close', chat.id)).json()).toMatchObject({ status: 'closed' });
    });
  });

  it('a closed chat reopens with the assistant when the visitor writes again', async () => {
    const chat = await newChat();
    const closed = await staff(1, 'close', chat.id);
    expect(closed.json()).toMatchObject({ status: 'closed' });
    expect((await staff(1, 'takeover', chat.id)).json().code).toBe('chat_closed');
    expect((await post(chat, 'Back again')).json()).toMatchObject({ role: 'assistant' });
    const read = await platform.app.inject({ url: `/api/v1/chat/${chat.id}`, headers: chat.headers });
    expect(read.json().status).toBe('active');
    expect((await messages(chat)).map((message) => message.metadata.event).filter(Boolean)).toEqual([
      'chat_closed',
      'chat_reopened',
    ]);
  });

  it("another tenant's operator cannot take the chat", async () => {
    const chat = await newChat();
    await platform.store.createTenant({ id: 'handoff-other', name: 'Other' });
    const outsider = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-tenant-id': 'handoff-other' },
      payload: { email: 'owner@other.example', password: PASSWORD },
    });
    const response = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chat.id}/takeover`,
      headers: { 'x-tenant-id': 'handoff-other', authorization: `Bearer ${outsider.json().access_token}` },
    });
    expect(response.statusCode).toBe(404);
    expect((await platform.store.getChat('miptech-company', chat.id))?.status).toBe('active');
  });
});
