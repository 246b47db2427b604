/**
 * The operator inbox over real sockets: an operator subscribes to the tenant's inbox and hears of
 * every chat change as an `inbox_chat` frame; visitors and anonymous sockets are refused; another
 * tenant's operator hears nothing; internal notes reach staff sockets and REST only, never a
 * visitor. Plus the REST side: the list as inbox lines, its filters and search, reopen, notes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedResponder } from '../assistant/scripted-responder.ts';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';
import { type Frame, TestSocket } from '../testing/test-socket.ts';

const TENANT = 'miptech-company';
const OTHER = 'inbox-other-tenant';
const PASSWORD = 'a long and unguessable passphrase';

interface Created {
  id: string;
  visitor_token: string;
}

describe('the operator inbox', () => {
  let platform: TestPlatform;
  let base: string;
  let owner: { token: string; id: string };
  let otherOwner: { token: string; id: string };
  const sockets: TestSocket[] = [];

  const register = async (tenant: string, name: string) => {
    const response = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-tenant-id': tenant },
      payload: { email: `${name.toLowerCase()}@example.com`, password: PASSWORD, name },
    });
    expect(response.statusCode).toBe(200);
    return { token: response.json().access_token as string, id: response.json().user.id as string };
  };

  beforeAll(async () => {
    platform = await createTestApp({ app: { responder: new ScriptedResponder({ delayMs: 5 }) } });
    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `ws://127.0.0.1:${address.port}`;
    await platform.store.createTenant({ id: OTHER, name: 'Other company' });
    owner = await register(TENANT, 'Anna');
    otherOwner = await register(OTHER, 'Otto');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.socket.terminate();
    await platform?.close();
  });

  const socket = (query: string) => {
    const opened = new TestSocket(`${base}/api/v1/ws?${query}`);
    sockets.push(opened);
    return opened;
  };
  /** An operator socket subscribed to its tenant's inbox. */
  const inboxSocket = async (token: string, tenant = TENANT) => {
    const operator = socket(`tenant_id=${tenant}&token=${token}`);
    await operator.opened;
    operator.send({ type: 'inbox_subscribe' });
    await operator.waitFor((frame) => frame.type === 'inbox_subscribed');
    return operator;
  };
  const staff = (token = owner.token) => ({ ...DEMO, authorization: `Bearer ${token}` });
  const newChat = async (context: Record<string, unknown> = {}): Promise<Created> =>
    (
      await platform.app.inject({
        method: 'POST',
        url: '/api/v1/chat',
        headers: DEMO,
        payload: { context: { page_url: 'https://example.com/start', ...context } },
      })
    ).json();
  /** Posts as the visitor and waits for the assistant's reply (when the AI has the chat). */
  const visitorPost = (chat: Created, content: string, metadata: Record<string, unknown> = {}) =>
    platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/messages?wait=true`,
      headers: { ...DEMO, authorization: `Bearer ${chat.visitor_token}` },
      payload: { content, metadata },
    });
  const inboxFrames = (operator: TestSocket, chatId: string) =>
    operator.frames.filter(
      (frame) => frame.type === 'inbox_chat' && (frame.chat as { id: string }).id === chatId,
    );
  const chatOf = (frame: Frame) => frame.chat as Record<string, unknown>;

  it('tells a subscribed operator of a new chat, its messages and its handoff, as inbox lines', async () => {
    const operator = await inboxSocket(owner.token);
    const chat = await newChat({ visitor: { name: 'Dana' } });
    const created = await operator.waitFor(
      (frame) => frame.type === 'inbox_chat' && frame.change === 'created' && chatOf(frame).id === chat.id,
    );
    expect(chatOf(created)).toMatchObject({
      status: 'active',
      last_seq: 0,
      last_message: null,
      unread_count: 0,
      current_page: 'https://example.com/start',
    });

    await visitorPost(chat, 'Where is my order?', { page_url: 'https://example.com/orders' });
    const answered = await operator.waitFor(
      (frame) =>
        frame.type === 'inbox_chat' &&
        chatOf(frame).id === chat.id &&
        (chatOf(frame).last_message as { role: string } | null)?.role === 'assistant',
    );
    expect(chatOf(answered)).toMatchObject({
      current_page: 'https://example.com/orders',
      unread_count: 0,
      last_message: { role: 'assistant', content: 'You said: Where is my order?' },
    });

    const handoff = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/handoff`,
      headers: { ...DEMO, authorization: `Bearer ${chat.visitor_token}` },
    });
    expect(handoff.statusCode).toBe(200);
    const waiting = await operator.waitFor(
      (frame) =>
        frame.type === 'inbox_chat' &&
        frame.change === 'status' &&
        chatOf(frame).status === 'waiting_for_human',
    );
    expect(chatOf(waiting).id).toBe(chat.id);

    // While it waits, the visitor's messages count as unanswered.
    await visitorPost(chat, 'Hello? Anyone?');
    const unanswered = await operator.waitFor(
      (frame) =>
        frame.type === 'inbox_chat' &&
        chatOf(frame).id === chat.id &&
        chatOf(frame).unread_count === 1 &&
        chatOf(frame).status === 'waiting_for_human',
    );
    expect(chatOf(unanswered).last_message).toMatchObject({ role: 'user', content: 'Hello? Anyone?' });

    await platform.app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/takeover`, headers: staff() });
    const taken = await operator.waitFor(
      (frame) =>
        frame.type === 'inbox_chat' && chatOf(frame).id === chat.id && chatOf(frame).status === 'with_human',
    );
    expect(chatOf(taken).assigned_to).toBe(owner.id);

    // Every frame moves last_seq forward or keeps it: a client keeps the highest.
    const seqs = inboxFrames(operator, chat.id).map((frame) => Number(chatOf(frame).last_seq));
    expect(Math.max(...seqs)).toBe(chatOf(taken).last_seq);

    operator.send({ type: 'inbox_unsubscribe' });
    operator.send({ type: 'ping', ts: 1 });
    await operator.waitFor((frame) => frame.type === 'pong');
    const before = inboxFrames(operator, chat.id).length;
    await platform.app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/close`, headers: staff() });
    // A second subscriber proves the close was announced; the unsubscribed one got nothing more.
    const witness = await inboxSocket(owner.token);
    await platform.app.inject({ method: 'POST', url: `/api/v1/chats/${chat.id}/reopen`, headers: staff() });
    await witness.waitFor((frame) => frame.type === 'inbox_chat' && chatOf(frame).id === chat.id);
    expect(inboxFrames(operator, chat.id)).toHaveLength(before);
  });

  it('refuses visitors and anonymous sockets, and never tells another tenant', async () => {
    const chat = await newChat();
    const visitor = socket(`tenant_id=${TENANT}&token=${chat.visitor_token}`);
    await visitor.opened;
    visitor.send({ type: 'inbox_subscribe' });
    expect(await visitor.waitFor((frame) => frame.type === 'error')).toMatchObject({
      code: 'insufficient_role',
    });
    const anonymous = socket(`tenant_id=${TENANT}`);
    await anonymous.opened;
    anonymous.send({ type: 'inbox_subscribe' });
    expect(await anonymous.waitFor((frame) => frame.type === 'error')).toMatchObject({
      code: 'auth_required',
    });
    // A's token on B's socket does not even connect; B's own operator subscribes to B only.
    const crossed = socket(`tenant_id=${OTHER}&token=${owner.token}`);
    expect((await crossed.closed).code).toBe(4401);
    const other = await inboxSocket(otherOwner.token, OTHER);
    const own = await inboxSocket(owner.token);

    const next = await newChat();
    await visitorPost(next, 'A question for A only');
    await own.waitFor(
      (frame) =>
        frame.type === 'inbox_chat' &&
        chatOf(frame).id === next.id &&
        (chatOf(frame).last_message as { role: string } | null)?.role === 'assistant',
    );
    for (const listener of [visitor, anonymous, other]) {
      expect(listener.frames.filter((frame) => frame.type === 'inbox_chat')).toEqual([]);
    }
    expect(JSON.stringify(other.frames)).not.toContain('A question for A only');
  });

  it('notes reach staff (REST and socket), never the visitor (REST history and socket)', async () => {
    const chat = await newChat();
    await visitorPost(chat, 'I would like a quote');
    const operator = socket(`tenant_id=${TENANT}&token=${owner.token}&chat_id=${chat.id}`);
    const visitor = socket(`tenant_id=${TENANT}&token=${chat.visitor_token}&chat_id=${chat.id}`);
    await operator.waitFor((frame) => frame.type === 'joined');
    await visitor.waitFor((frame) => frame.type === 'joined');

    const posted = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chat.id}/notes`,
      headers: staff(),
      payload: { content: '  Secret: big customer, be generous  ' },
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.json()).toMatchObject({
      kind: 'note',
      content: 'Secret: big customer, be generous',
      author_name: 'Anna',
    });
    const live = await operator.waitFor((frame) => frame.type === 'chat_note');
    expect(live).toMatchObject({ chat_id: chat.id, note: { content: 'Secret: big customer, be generous' } });

    // The visitor's socket carries on past the note, without it and without a gap in its seqs.
    await visitorPost(chat, 'Still there?');
    await visitor.waitFor((frame) => frame.type === 'chat_message' && frame.seq === 4);
    const visitorSeqs = visitor.frames
      .filter((frame) => frame.type === 'chat_message')
      .map((frame) => frame.seq);
    expect(visitorSeqs).toEqual([3, 4]);
    expect(JSON.stringify(visitor.frames)).not.toContain('Secret');
    const history = await platform.app.inject({
      url: `/api/v1/chat/${chat.id}/messages`,
      headers: { ...DEMO, authorization: `Bearer ${chat.visitor_token}` },
    });
    expect(history.statusCode).toBe(200);
    expect(history.body).not.toContain('Secret');
    expect(history.json().items.map((message: { seq: number }) => message.seq)).toEqual([1, 2, 3, 4]);
    // Visitors cannot read notes at all.
    const asVisitor = await platform.app.inject({
      url: `/api/v1/chats/${chat.id}/notes`,
      headers: { ...DEMO, authorization: `Bearer ${chat.visitor_token}` },
    });
    expect(asVisitor.statusCode).toBe(401);
    expect(asVisitor.body).not.toContain('Secret');

    const notes = await platform.app.inject({ url: `/api/v1/chats/${chat.id}/notes`, headers: staff() });
    expect(notes.json().items).toEqual([
      expect.objectContaining({ after_seq: 2, content: 'Secret: big customer, be generous' }),
    ]);
    const empty = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${chat.id}/notes`,
      headers: staff(),
      payload: { content: '   ' },
    });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 'message_empty', request_id: expect.any(String) });
  });

  it('lists inbox lines filtered by statuses and assignee, searched, paged; reopens a closed chat', async () => {
    const tag = `zebra-${Date.now()}`;
    const first = await newChat({ visitor: { name: `Quinn ${tag}` } });
    const second = await newChat();
    await visitorPost(second, `Do you sell ${tag} stripes?`);
    const third = await newChat();
    await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${third.id}/takeover`,
      headers: staff(),
    });

    const list = async (query: string) => {
      const response = await platform.app.inject({ url: `/api/v1/chats?${query}`, headers: staff() });
      expect(response.statusCode, response.body).toBe(200);
      return response.json() as {
        items: Array<Record<string, unknown>>;
        has_more: boolean;
        next_cursor: string | null;
      };
    };
    const found = await list(`q=${tag.toUpperCase()}`);
    expect(found.items.map((chat) => chat.id).sort()).toEqual([first.id, second.id].sort());
    const bySecond = found.items.find((chat) => chat.id === second.id);
    expect(bySecond).toMatchObject({ last_message: { role: 'assistant' }, unread_count: 0 });

    const mine = await list('assigned_to=me');
    expect(mine.items.map((chat) => chat.id)).toContain(third.id);
    expect(mine.items.every((chat) => chat.assigned_to === owner.id)).toBe(true);
    const open = await list('status=active,waiting_for_human&limit=200');
    expect(open.items.some((chat) => chat.id === third.id)).toBe(false);
    expect(open.items.some((chat) => chat.id === first.id)).toBe(true);

    const page1 = await list(`q=${tag}&limit=1`);
    expect(page1).toMatchObject({ has_more: true });
    const page2 = await list(`q=${tag}&limit=1&cursor=${page1.next_cursor}`);
    expect(page2).toMatchObject({ has_more: false });
    expect([page1.items[0]?.id, page2.items[0]?.id].sort()).toEqual([first.id, second.id].sort());

    const invalid = await platform.app.inject({
      url: '/api/v1/chats?status=open,nonsense',
      headers: staff(),
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json()).toMatchObject({ code: 'validation_failed', request_id: expect.any(String) });

    await platform.app.inject({ method: 'POST', url: `/api/v1/chats/${third.id}/close`, headers: staff() });
    const reopened = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${third.id}/reopen`,
      headers: staff(),
    });
    expect(reopened.statusCode).toBe(200);
    expect(reopened.json()).toMatchObject({ status: 'active', assigned_to: null });
    const messages = await platform.app.inject({
      url: `/api/v1/chats/${third.id}/messages`,
      headers: staff(),
    });
    expect(messages.json().items.at(-1)).toMatchObject({
      role: 'system',
      content: 'Anna reopened the chat.',
    });
    // Reopening an open chat changes nothing.
    const again = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chats/${third.id}/reopen`,
      headers: staff(),
    });
    expect(again.json().last_seq).toBe(reopened.json().last_seq);
  });
});
