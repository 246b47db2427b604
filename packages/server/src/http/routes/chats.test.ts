import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../storage/store.ts';
import { createTestApp, DEMO, type TestPlatform } from '../../testing/test-app.ts';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestApp();
  await platform.store.createTenant({ id: 'other-co', name: 'Other' });
});
afterAll(() => platform.close());

const json = { 'content-type': 'application/json' };
const request = (
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = DEMO,
) =>
  platform.app.inject({
    method,
    url,
    headers: { ...json, ...headers },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

async function newChat(): Promise<string> {
  const response = await request('POST', '/api/v1/chat', { session_id: 's', visitor_id: 'v' });
  return response.json().id;
}

describe('chats', () => {
  it('creates a chat with the fields both seed clients read', async () => {
    const body = {
      session_id: 'session_1732000000_abc',
      visitor_id: 'visitor_1732000000_def',
      title: 'Website Chat',
      context: {
        page_url: 'https://miptechnologies.tech/',
        user_agent: 'UA',
        referrer: '',
        tenant_id: 'miptech-company',
      },
    };
    for (const url of ['/api/v1/chat', '/api/v1/chat/']) {
      const response = await request('POST', url, body);
      expect(response.statusCode).toBe(200);
      const chat = response.json();
      expect(chat).toMatchObject({
        session_id: body.session_id,
        visitor_id: body.visitor_id,
        title: 'Website Chat',
        status: 'active',
        tenant_id: 'miptech-company',
      });
      expect(chat.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(chat.chat_id).toBe(chat.id);
      expect(chat.context).toEqual(body.context);
      expect(Date.parse(chat.created_at)).not.toBeNaN();
    }
  });

  it('creates a chat from an empty body, generating session and visitor ids', async () => {
    const response = await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO });
    expect(response.statusCode).toBe(200);
    expect(response.json().session_id).toMatch(/^session_/);
    expect(response.json().visitor_id).toMatch(/^visitor_/);
  });

  it('reads a chat back; another tenant gets the byte-identical 404 of a missing chat', async () => {
    const id = await newChat();
    expect((await request('GET', `/api/v1/chat/${id}`)).json().id).toBe(id);
    const asOther = await request('GET', `/api/v1/chat/${id}`, undefined, {
      'x-tenant-id': 'other-co',
      'x-request-id': 'fixed-request-id',
    });
    const missing = await request('GET', `/api/v1/chat/${crypto.randomUUID()}`, undefined, {
      'x-tenant-id': 'other-co',
      'x-request-id': 'fixed-request-id',
    });
    expect(asOther.statusCode).toBe(404);
    expect(asOther.body).toBe(missing.body);
    expect(asOther.json().code).toBe('chat_not_found');
    // Nor can another tenant write into it or read its messages.
    expect(
      (await request('POST', `/api/v1/chat/${id}/messages`, { content: 'x' }, { 'x-tenant-id': 'other-co' }))
        .statusCode,
    ).toBe(404);
    expect(
      (await request('GET', `/api/v1/chat/${id}/messages`, undefined, { 'x-tenant-id': 'other-co' }))
        .statusCode,
    ).toBe(404);
  });

  it('validates fields with 422 and names each failing field', async () => {
    const response = await request('POST', '/api/v1/chat', {
      session_id: 'has spaces',
      visitor_id: 7,
      context: { page_url: 5 },
    });
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body.code).toBe('validation_failed');
    expect(body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'body.context.page_url',
      'body.session_id',
      'body.visitor_id',
    ]);
  });
});

describe('messages', () => {
  const seedPost = {
    content: '  Hello there  ',
    role: 'user',
    metadata: {
      timestamp: '2026-11-22T10:00:00.000Z',
      page_url: 'https://x.example/',
      tenant_id: 'miptech-company',
    },
  };

  it('answers what the seed client sends with a receipt: where it was stored, not its text again', async () => {
    const id = await newChat();
    const response = await request('POST', `/api/v1/chat/${id}/messages`, seedPost);
    expect(response.statusCode).toBe(200);
    const receipt = response.json();
    // The seed's useChat shows any answer with a `content` as the assistant's reply.
    expect(receipt).not.toHaveProperty('content');
    expect(receipt).not.toHaveProperty('metadata');
    expect(receipt).toMatchObject({ chat_id: id, role: 'user', seq: 1, status: 'complete' });
    const [stored] = (await request('GET', `/api/v1/chat/${id}/messages`)).json().items;
    expect(stored).toMatchObject({ id: receipt.id, content: 'Hello there' });
    expect(stored.metadata.page_url).toBe('https://x.example/');
  });

  it('returns the stored message with Prefer: return=representation, and says so', async () => {
    const id = await newChat();
    const response = await request('POST', `/api/v1/chat/${id}/messages`, seedPost, {
      ...DEMO,
      prefer: 'return=representation',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['preference-applied']).toBe('return=representation');
    expect(response.json()).toMatchObject({
      chat_id: id,
      role: 'user',
      content: 'Hello there',
      seq: 1,
      client_message_id: null,
    });
    expect(response.json().metadata.page_url).toBe('https://x.example/');
  });

  it('returns the stored message to a client that sends a client_message_id', async () => {
    const id = await newChat();
    const response = await request('POST', `/api/v1/chat/${id}/messages`, {
      ...seedPost,
      client_message_id: 'c-full',
    });
    expect(response.json()).toMatchObject({ content: 'Hello there', client_message_id: 'c-full' });
  });

  it('stores a resent client_message_id once and says it replayed', async () => {
    const id = await newChat();
    const first = await request('POST', `/api/v1/chat/${id}/messages`, {
      content: 'once',
      client_message_id: 'abc-1',
    });
    const second = await request('POST', `/api/v1/chat/${id}/messages`, {
      content: 'once',
      client_message_id: 'abc-1',
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect((await request('GET', `/api/v1/chat/${id}/messages`)).json().total).toBe(1);
  });

  it.each([
    ['empty', { content: '' }, 'message_empty'],
    ['only whitespace', { content: ' \n\t ' }, 'message_empty'],
    ['4001 characters', { content: 'x'.repeat(4001) }, 'message_too_long'],
    ['from the assistant', { content: 'hi', role: 'assistant' }, 'role_not_allowed'],
    ['without content', { role: 'user' }, 'validation_failed'],
    ['with a NUL character', { content: 'a\u0000b' }, 'validation_failed'],
    ['with NUL inside metadata', { content: 'ok', metadata: { note: 'a\u0000b' } }, 'validation_failed'],
    ['with huge metadata', { content: 'ok', metadata: { blob: 'x'.repeat(20_000) } }, 'validation_failed'],
  ])('refuses a message %s with 422', async (_name, body, code) => {
    const id = await newChat();
    const response = await request('POST', `/api/v1/chat/${id}/messages`, body);
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe(code);
    expect((await request('GET', `/api/v1/chat/${id}/messages`)).json().total).toBe(0);
  });

  it('accepts exactly 4000 characters after trimming', async () => {
    const id = await newChat();
    const response = await request('POST', `/api/v1/chat/${id}/messages`, {
      content: ` ${'y'.repeat(4000)} `,
      client_message_id: 'c-4000',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().content).toHaveLength(4000);
  });

  it('gives concurrent posts distinct, gap-free seqs', async () => {
    const id = await newChat();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        request('POST', `/api/v1/chat/${id}/messages`, { content: `m${index}` }),
      ),
    );
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    const seqs = responses.map((response) => response.json().seq).sort((a: number, b: number) => a - b);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
  });

  it('pages through history oldest first with a cursor', async () => {
    const id = await newChat();
    for (let index = 1; index <= 5; index++)
      await request('POST', `/api/v1/chat/${id}/messages`, { content: `m${index}` });
    const first = (await request('GET', `/api/v1/chat/${id}/messages?limit=2`)).json();
    expect(first).toMatchObject({ total: 5, has_more: true, next_cursor: '2' });
    expect(first.items.map((message: MessageRecord) => message.content)).toEqual(['m1', 'm2']);
    const rest = (
      await request('GET', `/api/v1/chat/${id}/messages?limit=200&cursor=${first.next_cursor}`)
    ).json();
    expect(rest).toMatchObject({ total: 5, has_more: false, next_cursor: null });
    expect(rest.items.map((message: MessageRecord) => message.seq)).toEqual([3, 4, 5]);
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=-1', 'cursor=x']) {
      const response = await request('GET', `/api/v1/chat/${id}/messages?${query}`);
      expect(response.statusCode, query).toBe(422);
    }
  });

  it('tells listeners about each committed message once, and not about replays', async () => {
    const id = await newChat();
    const seen: number[] = [];
    const unsubscribe = platform.chats.onMessage((message) => seen.push(message.seq));
    await request('POST', `/api/v1/chat/${id}/messages`, { content: 'a', client_message_id: 'k1' });
    await request('POST', `/api/v1/chat/${id}/messages`, { content: 'a', client_message_id: 'k1' });
    await request('POST', `/api/v1/chat/${id}/messages`, { content: 'b' });
    await request('POST', `/api/v1/chat/${id}/messages`, { content: '' });
    unsubscribe();
    await request('POST', `/api/v1/chat/${id}/messages`, { content: 'c' });
    expect(seen).toEqual([1, 2]);
  });
});
