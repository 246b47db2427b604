/**
 * The conformance suite every `Store` implementation must pass (as socket.io's adapter suite runs
 * against every adapter). A new backend is done when this passes against it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ChatQuery, type ChatRecord, type ChatSlice, ConflictError, type Store } from './store.ts';

/** How the suite reaches a backend: `open` may be called again to see the same data anew. */
export interface StoreHarness {
  /** Opens a store over the suite's database (same data every call); migrations not yet run. */
  open(): Promise<Store>;
  /** Removes the suite's database. */
  destroy(): Promise<void>;
}

/**
 * The set-up every store suite shares: open and migrate the store before the suite, close and
 * destroy after it, and skip each case when the backend is not on this machine. `onOpen` hands
 * the opened store (and the harness) to the suite, again after `reopen()`.
 */
export function storeSuite<H extends StoreHarness>(
  name: string,
  harness: () => Promise<H | undefined>,
  onOpen: (store: Store, setup: H) => void,
): {
  test: (title: string, body: () => Promise<void>) => void;
  /** Closes the store and opens it again over the same data, as a restart would. */
  reopen: () => Promise<Store>;
} {
  let setup: H | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    setup = await harness();
    if (!setup) return;
    store = await setup.open();
    await store.migrate();
    onOpen(store, setup);
  });
  afterAll(async () => {
    await store?.close();
    await setup?.destroy();
  });
  return {
    test: (title, body) =>
      it(title, async (context) => {
        if (!setup) context.skip(`${name} is not available on this machine`);
        await body();
      }),
    async reopen() {
      if (!setup) throw new Error(`${name} is not available on this machine`);
      await store?.close();
      store = await setup.open();
      onOpen(store, setup);
      return store;
    },
  };
}

let tenantCounter = 0;
const freshTenantId = () => `tenant-${Date.now().toString(36)}-${++tenantCounter}`;

export function describeStoreConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    const { test, reopen } = storeSuite(name, harness, (opened) => {
      store = opened;
    });

    async function newChat(tenant_id?: string) {
      const tenant = tenant_id ?? (await store.createTenant({ id: freshTenantId(), name: 'T' })).id;
      return store.createChat({
        tenant_id: tenant,
        session_id: 's',
        visitor_id: 'v',
        title: 'Chat',
        context: {},
      });
    }

    test('migrations are idempotent and report what they applied', async () => {
      expect(await store.migrate()).toEqual([]);
      await store.ping();
    });

    test('creates, reads, lists and updates tenants; a duplicate id conflicts', async () => {
      const id = freshTenantId();
      const created = await store.createTenant({
        id,
        name: 'Acme',
        allowed_origins: ['https://acme.example'],
      });
      expect(created).toMatchObject({
        id,
        name: 'Acme',
        allowed_origins: ['https://acme.example'],
        enabled: true,
      });
      expect(await store.getTenant(id)).toEqual(created);
      expect((await store.listTenants()).map((tenant) => tenant.id)).toContain(id);
      await expect(store.createTenant({ id, name: 'Again' })).rejects.toBeInstanceOf(ConflictError);

      const updated = await store.updateTenant(id, { name: 'Acme Inc', enabled: false });
      expect(updated).toMatchObject({
        name: 'Acme Inc',
        enabled: false,
        allowed_origins: ['https://acme.example'],
      });
      expect(await store.updateTenant(id, { allowed_origins: [] })).toMatchObject({ allowed_origins: [] });
      expect(created.greeting).toBe('');
      const greeted = await store.updateTenant(id, { greeting: 'Hi! How can we help?' });
      expect(greeted).toMatchObject({
        greeting: 'Hi! How can we help?',
        name: 'Acme Inc',
        allowed_origins: [],
      });
      expect(await store.updateTenant(id, { enabled: true })).toMatchObject({
        greeting: 'Hi! How can we help?',
      });
      const welcoming = await store.createTenant({ id: freshTenantId(), name: 'W', greeting: 'Hello 👋' });
      expect(await store.getTenant(welcoming.id)).toMatchObject({ greeting: 'Hello 👋' });
      expect((await store.listTenants()).find((tenant) => tenant.id === welcoming.id)?.greeting).toBe(
        'Hello 👋',
      );
      expect(await store.getTenant('no-such-tenant')).toBeUndefined();
      expect(await store.updateTenant('no-such-tenant', { name: 'x' })).toBeUndefined();
    });

    test('a chat is visible only to its own tenant', async () => {
      const chat = await newChat();
      const other = await store.createTenant({ id: freshTenantId(), name: 'Other' });
      expect(chat).toMatchObject({ status: 'active', last_seq: 0, session_id: 's', visitor_id: 'v' });
      expect(await store.getChat(chat.tenant_id, chat.id)).toEqual(chat);
      expect(await store.getChat(other.id, chat.id)).toBeUndefined();
      expect(await store.getChat(chat.tenant_id, crypto.randomUUID())).toBeUndefined();
      expect(await store.listMessages(other.id, chat.id, { after_seq: 0, limit: 10 })).toBeUndefined();
      const foreign = {
        tenant_id: other.id,
        chat_id: chat.id,
        role: 'user' as const,
        content: 'x',
        metadata: {},
      };
      expect(await store.appendMessage(foreign)).toBeUndefined();
    });

    test('lists chats newest first by (created_at, id), by status, in pages without gaps or repeats', async () => {
      const tenant = (await store.createTenant({ id: freshTenantId(), name: 'Busy' })).id;
      await newChat(); // another tenant's chat, which must never show up
      const chats: ChatRecord[] = [];
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        for (let index = 0; index < 25; index++) {
          // Four chats per millisecond, so ties fall across both page boundaries below.
          vi.setSystemTime(Date.UTC(2031, 0, 1) + Math.floor(index / 4) * 1000);
          chats.push(await newChat(tenant));
        }
      } finally {
        vi.useRealTimers();
      }
      const descending = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
      const newest = [...chats].sort(
        (a, b) => descending(a.created_at, b.created_at) || descending(a.id, b.id),
      );
      const expected = newest.map((chat) => chat.id);
      const ids = (slice: ChatSlice) => slice.items.map((chat) => chat.id);

      const everything = await store.listChats(tenant, { limit: 25 });
      expect(ids(everything)).toEqual(expected);
      expect(everything.has_more).toBe(false);
      expect(everything.items[0]).toEqual(newest[0]);
      expect((await store.listChats(tenant, { limit: 24 })).has_more).toBe(true);

      const seen: string[] = [];
      const pages: Array<[number, boolean]> = [];
      let before: ChatQuery['before'];
      for (let page = 0; page < 5; page++) {
        const slice = await store.listChats(tenant, { limit: 10, before });
        seen.push(...ids(slice));
        pages.push([slice.items.length, slice.has_more]);
        const last = slice.items.at(-1);
        if (!slice.has_more || !last) break;
        before = { created_at: last.created_at, id: last.id };
      }
      expect(pages).toEqual([
        [10, true],
        [10, true],
        [5, false],
      ]);
      expect(seen).toEqual(expected);

      expect(ids(await store.listChats(tenant, { status: 'active', limit: 100 }))).toEqual(expected);
      expect(await store.listChats(tenant, { status: 'closed', limit: 100 })).toEqual({
        items: [],
        has_more: false,
      });
      const cursor = newest[9] as ChatRecord;
      const after = await store.listChats(tenant, { status: 'active', limit: 10, before: cursor });
      expect(ids(after)).toEqual(expected.slice(10, 20));
      expect(await store.listChats('no-such-tenant', { limit: 10 })).toEqual({ items: [], has_more: false });
    });

    test('messages get seq 1, 2, 3 and round-trip their content and metadata', async () => {
      const chat = await newChat();
      const metadata = { page_url: 'https://x.example/é', nested: { list: [1, 'two', null], flag: true } };
      const seqs: number[] = [];
      for (const content of ['first', 'second 🚀', 'third']) {
        const result = await store.appendMessage({
          tenant_id: chat.tenant_id,
          chat_id: chat.id,
          role: 'user',
          content,
          metadata,
        });
        expect(result?.created).toBe(true);
        seqs.push(result?.message.seq ?? -1);
      }
      expect(seqs).toEqual([1, 2, 3]);
      const page = await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 10 });
      expect(page?.items.map((message) => message.content)).toEqual(['first', 'second 🚀', 'third']);
      expect(page?.items[1]?.metadata).toEqual(metadata);
      expect(page?.items[0]?.client_message_id).toBeNull();
      expect((await store.getChat(chat.tenant_id, chat.id))?.last_seq).toBe(3);
    });

    test('a resent client_message_id returns the first message and stores nothing', async () => {
      const chat = await newChat();
      const send = (content: string) =>
        store.appendMessage({
          tenant_id: chat.tenant_id,
          chat_id: chat.id,
          role: 'user',
          content,
          metadata: {},
          client_message_id: 'cm-1',
        });
      const first = await send('hello');
      const again = await send('hello, edited');
      expect(first?.created).toBe(true);
      expect(again).toEqual({ message: first?.message, created: false });
      expect((await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 10 }))?.total).toBe(1);

      // The key is per chat: another chat may use the same one.
      const otherChat = await newChat(chat.tenant_id);
      const elsewhere = await store.appendMessage({
        tenant_id: chat.tenant_id,
        chat_id: otherChat.id,
        role: 'user',
        content: 'hi',
        metadata: {},
        client_message_id: 'cm-1',
      });
      expect(elsewhere?.created).toBe(true);
    });

    test('concurrent appends get distinct, gap-free seqs', async () => {
      const chat = await newChat();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, index) =>
          store.appendMessage({
            tenant_id: chat.tenant_id,
            chat_id: chat.id,
            role: 'user',
            content: `m${index}`,
            metadata: {},
          }),
        ),
      );
      const seqs = results.map((result) => result?.message.seq ?? -1).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    });

    test('concurrent resends of one client_message_id store exactly one message', async () => {
      const chat = await newChat();
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.appendMessage({
            tenant_id: chat.tenant_id,
            chat_id: chat.id,
            role: 'user',
            content: 'once',
            metadata: {},
            client_message_id: 'same',
          }),
        ),
      );
      expect(results.filter((result) => result?.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result?.message.id)).size).toBe(1);
      expect((await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 10 }))?.total).toBe(1);
      // The resends that lost burnt no seq: the next message is the second.
      const next = await store.appendMessage({
        tenant_id: chat.tenant_id,
        chat_id: chat.id,
        role: 'user',
        content: 'next',
        metadata: {},
      });
      expect(next?.message.seq).toBe(2);
      expect((await store.getChat(chat.tenant_id, chat.id))?.last_seq).toBe(2);
    });

    test('resends racing new messages leave the seqs gap-free', async () => {
      const chat = await newChat();
      const append = (index: number) =>
        store.appendMessage({
          tenant_id: chat.tenant_id,
          chat_id: chat.id,
          role: 'user',
          content: `m${index}`,
          metadata: {},
          // Every other append resends one of three ids.
          client_message_id: index % 2 === 0 ? `cm-${index % 3}` : null,
        });
      const results = await Promise.all(Array.from({ length: 30 }, (_, index) => append(index)));
      const stored = results.filter((result) => result?.created).map((result) => result?.message.seq ?? -1);
      expect(stored).toHaveLength(15 + 3);
      expect(stored.sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, index) => index + 1));
      expect((await store.getChat(chat.tenant_id, chat.id))?.last_seq).toBe(18);
    });

    test('pages through messages by seq', async () => {
      const chat = await newChat();
      for (let index = 1; index <= 5; index++) {
        await store.appendMessage({
          tenant_id: chat.tenant_id,
          chat_id: chat.id,
          role: 'user',
          content: `m${index}`,
          metadata: {},
        });
      }
      const first = await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 2 });
      expect(first).toMatchObject({ total: 5, has_more: true });
      expect(first?.items.map((message) => message.seq)).toEqual([1, 2]);
      const last = await store.listMessages(chat.tenant_id, chat.id, { after_seq: 4, limit: 2 });
      expect(last).toMatchObject({ total: 5, has_more: false });
      expect(last?.items.map((message) => message.seq)).toEqual([5]);
      const beyond = await store.listMessages(chat.tenant_id, chat.id, { after_seq: 5, limit: 2 });
      expect(beyond).toMatchObject({ items: [], has_more: false });
    });

    test('what was committed is there after the store is closed and opened again', async () => {
      const chat = await newChat();
      const appended = await store.appendMessage({
        tenant_id: chat.tenant_id,
        chat_id: chat.id,
        role: 'user',
        content: 'kept',
        metadata: {},
      });
      await reopen();
      expect(await store.migrate()).toEqual([]);
      const page = await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 10 });
      expect(page?.items).toEqual([appended?.message]);
      expect(await store.getChat(chat.tenant_id, chat.id)).toMatchObject({ id: chat.id, last_seq: 1 });
    });
  });
}
