/**
 * The conformance suite for the store's inbox: the chat list's filters (several statuses, an
 * assignee, search by visitor or content), each chat's last message and unanswered count, and
 * internal notes. Every `Store` implementation runs it (see `sqlite/` and `postgres/` store tests).
 */
import { PREVIEW_LENGTH } from '@miptech/protocol';
import { describe, expect } from 'vitest';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import type { Store } from './store.ts';

let counter = 0;
const freshTenantId = () => `inbox-${Date.now().toString(36)}-${++counter}`;

export function describeInboxConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`Inbox conformance: ${name}`, () => {
    let store: Store;
    const { test } = storeSuite(name, harness, (opened) => {
      store = opened;
    });

    const newTenant = async () => (await store.createTenant({ id: freshTenantId(), name: 'T' })).id;
    const newChat = (tenant_id: string, visitor_id: string, context: Record<string, unknown> = {}) =>
      store.createChat({ tenant_id, session_id: 's', visitor_id, title: 'Website Chat', context });
    const say = (
      tenant_id: string,
      chat_id: string,
      role: 'user' | 'assistant' | 'human' | 'system',
      content: string,
      metadata: Record<string, unknown> = {},
    ) => store.appendMessage({ tenant_id, chat_id, role, content, metadata });
    const ids = (slice: { items: Array<{ id: string }> }) => slice.items.map((chat) => chat.id).sort();

    test('filters by several statuses and by assignee', async () => {
      const tenant = await newTenant();
      const [open, waiting, held, closed] = await Promise.all(
        ['a', 'b', 'c', 'd'].map((visitor) => newChat(tenant, visitor)),
      );
      if (!open || !waiting || !held || !closed) throw new Error('chats not created');
      await store.updateChatStatus(tenant, waiting.id, { status: 'waiting_for_human' });
      await store.updateChatStatus(tenant, held.id, { status: 'with_human', assigned_to: 'op-1' });
      await store.updateChatStatus(tenant, closed.id, { status: 'closed' });
      const openStates = ['active', 'waiting_for_human', 'with_human'] as const;
      expect(ids(await store.listChats(tenant, { status: [...openStates], limit: 10 }))).toEqual(
        [open.id, waiting.id, held.id].sort(),
      );
      expect(ids(await store.listChats(tenant, { status: ['closed'], limit: 10 }))).toEqual([closed.id]);
      expect(ids(await store.listChats(tenant, { assigned_to: 'op-1', limit: 10 }))).toEqual([held.id]);
      expect(ids(await store.listChats(tenant, { assigned_to: 'op-2', limit: 10 }))).toEqual([]);
    });

    test('searches the visitor, the page and message content, case-insensitively, in one tenant only', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const named = await newChat(tenant, 'visitor-named', {
        visitor: { name: 'Dana Scully', email: 'dana@fbi.example' },
        page_url: 'https://example.com/pricing',
      });
      const talking = await newChat(tenant, 'visitor-talking');
      await say(tenant, talking.id, 'user', 'Do you ship to Reykjavík?');
      const quiet = await newChat(tenant, 'visitor-quiet');
      await say(tenant, quiet.id, 'system', 'Reykjavik office note');
      const foreign = await newChat(other, 'visitor-foreign', { visitor: { name: 'Dana Other' } });
      await say(other, foreign.id, 'user', 'Reykjavík too');

      const search = async (text: string) => ids(await store.listChats(tenant, { search: text, limit: 10 }));
      expect(await search('dana')).toEqual([named.id]);
      expect(await search('FBI.EXAMPLE')).toEqual([named.id]);
      expect(await search('/pricing')).toEqual([named.id]);
      expect(await search('visitor-quiet')).toEqual([quiet.id]);
      // Message content, not system notes; never another tenant's chats.
      expect(await search('ship to reykjavík')).toEqual([talking.id]);
      // LIKE's wildcards are the operator's literal text.
      expect(await search('%')).toEqual([]);
      expect(await search('page_url')).toEqual([]);
      // Search combines with the status filter and pages like any list.
      expect(ids(await store.listChats(tenant, { search: 'dana', status: ['closed'], limit: 10 }))).toEqual(
        [],
      );
    });

    test("a chat's activity: last non-system message, unanswered visitor messages, current page", async () => {
      const tenant = await newTenant();
      const chat = await newChat(tenant, 'v');
      const empty = await newChat(tenant, 'w');
      const foreign = await newChat(await newTenant(), 'x');
      await say(tenant, chat.id, 'user', 'First question', { page_url: 'https://example.com/a' });
      await say(tenant, chat.id, 'assistant', 'An answer');
      await say(tenant, chat.id, 'user', 'Second question', { page_url: 'https://example.com/b' });
      await say(tenant, chat.id, 'user', 'x'.repeat(PREVIEW_LENGTH + 50));
      await say(tenant, chat.id, 'system', 'A member of the team has been asked to join the chat.');

      const activity = await store.chatActivity(tenant, [chat.id, empty.id, foreign.id]);
      expect([...activity.keys()].sort()).toEqual([chat.id, empty.id].sort());
      expect(activity.get(chat.id)).toEqual({
        last_message: {
          seq: 4,
          role: 'user',
          content: 'x'.repeat(PREVIEW_LENGTH),
          created_at: expect.any(String),
        },
        unread_count: 2,
        last_page_url: 'https://example.com/b',
        // That system note carries no status: it is not a handoff.
        handoff_at: null,
      });
      expect(activity.get(empty.id)).toEqual({
        last_message: null,
        unread_count: 0,
        last_page_url: null,
        handoff_at: null,
      });

      await say(tenant, chat.id, 'human', 'Dana here');
      expect((await store.chatActivity(tenant, [chat.id])).get(chat.id)).toMatchObject({
        last_message: { seq: 6, role: 'human', content: 'Dana here' },
        unread_count: 0,
      });
      expect(await store.chatActivity(tenant, [])).toEqual(new Map());
    });

    test("a chat's handoff time is its newest move to waiting_for_human, not its newest message", async () => {
      const tenant = await newTenant();
      const chat = await newChat(tenant, 'v');
      const statusNote = (status: string) =>
        store.appendMessage({
          tenant_id: tenant,
          chat_id: chat.id,
          role: 'system',
          content: `Now ${status}`,
          metadata: { status },
        });
      // A few milliseconds apart, so that each message has a time of its own to tell apart.
      const apart = () => new Promise((resolve) => setTimeout(resolve, 3));
      await say(tenant, chat.id, 'user', 'A person, please');
      const first = await statusNote('waiting_for_human');
      await apart();
      await statusNote('active');
      await apart();
      const second = await statusNote('waiting_for_human');
      await apart();
      await say(tenant, chat.id, 'user', 'Still there?');
      // A visitor's message that names the status in its metadata is not a handoff.
      const last = await say(tenant, chat.id, 'user', 'Hello?', { status: 'waiting_for_human' });

      const handoffAt = (await store.chatActivity(tenant, [chat.id])).get(chat.id)?.handoff_at;
      expect(handoffAt).toBe(second?.message.created_at);
      expect(handoffAt).not.toBe(first?.message.created_at);
      expect(handoffAt).not.toBe(last?.message.created_at);
    });

    test('notes sit after the newest message, oldest first, in their own tenant only', async () => {
      const tenant = await newTenant();
      const chat = await newChat(tenant, 'v');
      await say(tenant, chat.id, 'user', 'Hello');
      const first = await store.addNote({
        tenant_id: tenant,
        chat_id: chat.id,
        author_id: 'op-1',
        author_name: 'Anna',
        content: 'VIP customer',
      });
      expect(first).toMatchObject({
        chat_id: chat.id,
        after_seq: 1,
        author_name: 'Anna',
        content: 'VIP customer',
      });
      await say(tenant, chat.id, 'assistant', 'Hi');
      const second = await store.addNote({
        tenant_id: tenant,
        chat_id: chat.id,
        author_id: 'op-2',
        author_name: 'Bruno',
        content: 'Call back tomorrow',
      });
      expect(second?.after_seq).toBe(2);
      expect((await store.listNotes(tenant, chat.id))?.map((note) => note.content)).toEqual([
        'VIP customer',
        'Call back tomorrow',
      ]);
      // Notes are not messages: the log and its seqs are untouched.
      expect((await store.getChat(tenant, chat.id))?.last_seq).toBe(2);
      expect((await store.listMessages(tenant, chat.id, { after_seq: 0, limit: 10 }))?.total).toBe(2);

      const other = await newTenant();
      expect(await store.listNotes(other, chat.id)).toBeUndefined();
      expect(
        await store.addNote({
          tenant_id: other,
          chat_id: chat.id,
          author_id: 'x',
          author_name: 'X',
          content: 'no',
        }),
      ).toBeUndefined();
      expect(await store.listNotes(tenant, chat.id)).toHaveLength(2);
    });
  });
}
