/**
 * The conformance suite for streamed messages, run beside `describeStoreConformance` against every
 * `Store`: message status, `updateMessage`, `interruptStaleMessages`, the session filter of
 * `listChats`, and migration 3 upgrading a database that holds version-2 data.
 *
 * Times are set with fake `Date`s in the past (2010, 2020), so a sweep's cutoff can only reach the
 * messages its own test made; messages made at the real time are years newer than any cutoff here.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, vi } from 'vitest';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import type { ChatRecord, MessagePatch, MessageRecord, MessageStatus, Store } from './store.ts';

/** A database of its own at an older schema version, for upgrade tests. */
export interface LegacyDatabase {
  /** Runs statements without parameters; the suite writes only literals both dialects read alike. */
  exec(sql: string): Promise<void>;
  /** A store over this database; its migrations not yet run. */
  open(): Promise<Store>;
  /** Removes this database. */
  destroy(): Promise<void>;
}

/** A {@link StoreHarness} that can also make a database migrated only up to `version`. */
export interface MessageStreamHarness extends StoreHarness {
  legacy(version: number): Promise<LegacyDatabase>;
}

let tenantCounter = 0;
const freshTenantId = () => `stream-${Date.now().toString(36)}-${++tenantCounter}`;

/** Runs `work` with the clock standing at `iso`. */
async function at<T>(iso: string, work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(new Date(iso));
    return await work();
  } finally {
    vi.useRealTimers();
  }
}

const ids = (chats: ChatRecord[]) => chats.map((chat) => chat.id);

export function describeMessageStreamConformance(
  name: string,
  harness: () => Promise<MessageStreamHarness | undefined>,
): void {
  describe(`Message stream conformance: ${name}`, () => {
    let setup: MessageStreamHarness;
    let store: Store;
    const { test } = storeSuite(name, harness, (opened, harnessSetup) => {
      store = opened;
      setup = harnessSetup;
    });

    const newTenant = async () => (await store.createTenant({ id: freshTenantId(), name: 'T' })).id;

    async function newChat(tenant_id?: string, session_id = 's'): Promise<ChatRecord> {
      return store.createChat({
        tenant_id: tenant_id ?? (await newTenant()),
        session_id,
        visitor_id: 'v',
        title: 'Chat',
        context: {},
      });
    }

    async function append(
      chat: ChatRecord,
      status?: MessageStatus,
      extra: { content?: string; client_message_id?: string } = {},
    ): Promise<MessageRecord> {
      const result = await store.appendMessage({
        tenant_id: chat.tenant_id,
        chat_id: chat.id,
        role: status === undefined ? 'user' : 'assistant',
        content: extra.content ?? '',
        metadata: {},
        client_message_id: extra.client_message_id,
        status,
      });
      if (!result) throw new Error('appendMessage to an existing chat must store');
      return result.message;
    }

    /** The message as stored now. */
    async function stored(chat: ChatRecord, id: string): Promise<MessageRecord | undefined> {
      const page = await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 1000 });
      return page?.items.find((message) => message.id === id);
    }

    const update = (chat: ChatRecord, message: MessageRecord, patch: MessagePatch) =>
      store.updateMessage(chat.tenant_id, chat.id, message.id, patch);

    test('a message is complete unless appended as streaming; updated_at starts at created_at', async () => {
      const chat = await newChat();
      const plain = await append(chat, undefined, { content: 'hi' });
      expect(plain.status).toBe('complete');
      expect(plain.updated_at).toBe(plain.created_at);
      expect(await stored(chat, plain.id)).toEqual(plain);

      const reply = await append(chat, 'streaming');
      expect(reply).toMatchObject({ status: 'streaming', role: 'assistant', seq: 2 });
      expect(reply.updated_at).toBe(reply.created_at);
      expect(await stored(chat, reply.id)).toEqual(reply);

      // A complete message is final from the start.
      expect(await update(chat, plain, { content: 'changed' })).toBeUndefined();
      expect(await stored(chat, plain.id)).toEqual(plain);
    });

    test('a streaming message grows through updateMessage until a final status freezes it', async () => {
      for (const final of ['complete', 'stopped', 'interrupted'] as const) {
        const chat = await newChat();
        const reply = await at('2020-01-01T00:00:00.000Z', () => append(chat, 'streaming'));

        const first = await at('2020-01-01T00:00:01.000Z', () => update(chat, reply, { content: 'Hel' }));
        expect(first).toEqual({
          ...reply,
          content: 'Hel',
          updated_at: '2020-01-01T00:00:01.000Z',
        });
        expect(await stored(chat, reply.id)).toEqual(first);

        // The content is replaced by the whole text so far, not appended to.
        const second = await at('2020-01-01T00:00:02.000Z', () =>
          update(chat, reply, { content: 'Hello', metadata: { tokens: 2 } }),
        );
        expect(second).toEqual({
          ...reply,
          content: 'Hello',
          metadata: { tokens: 2 },
          updated_at: '2020-01-01T00:00:02.000Z',
        });

        // A patch of the status alone keeps the content and metadata.
        const ended = await at('2020-01-01T00:00:03.000Z', () => update(chat, reply, { status: final }));
        expect(ended).toEqual({
          ...reply,
          content: 'Hello',
          metadata: { tokens: 2 },
          status: final,
          updated_at: '2020-01-01T00:00:03.000Z',
        });
        expect(await stored(chat, reply.id)).toEqual(ended);

        // Final: nothing changes it again, not even back to streaming.
        expect(await update(chat, reply, { content: 'Hello, world' })).toBeUndefined();
        expect(await update(chat, reply, { status: 'streaming' })).toBeUndefined();
        expect(await update(chat, reply, {})).toBeUndefined();
        expect(await stored(chat, reply.id)).toEqual(ended);
      }
    });

    test("updateMessage reaches only a message of the tenant's own chat", async () => {
      const chat = await newChat();
      const sibling = await newChat(chat.tenant_id);
      const otherTenant = await newTenant();
      const foreignChat = await newChat(otherTenant);
      const reply = await append(chat, 'streaming', { content: 'mine' });

      expect(await store.updateMessage(otherTenant, chat.id, reply.id, { content: 'x' })).toBeUndefined();
      expect(
        await store.updateMessage(otherTenant, foreignChat.id, reply.id, { content: 'x' }),
      ).toBeUndefined();
      expect(
        await store.updateMessage(chat.tenant_id, sibling.id, reply.id, { content: 'x' }),
      ).toBeUndefined();
      expect(
        await store.updateMessage(chat.tenant_id, chat.id, randomUUID(), { content: 'x' }),
      ).toBeUndefined();
      expect(
        await store.updateMessage(otherTenant, chat.id, reply.id, { status: 'stopped' }),
      ).toBeUndefined();
      expect(await stored(chat, reply.id)).toEqual(reply);

      // The same call from the owner does change it: the refusals above were about ownership.
      expect(await update(chat, reply, { content: 'mine, grown' })).toMatchObject({
        id: reply.id,
        content: 'mine, grown',
        status: 'streaming',
      });
    });

    test('a resent client_message_id returns the stored message with its current status', async () => {
      const chat = await newChat();
      const reply = await append(chat, 'streaming', { client_message_id: 'reply-1' });
      const resend = () =>
        store.appendMessage({
          tenant_id: chat.tenant_id,
          chat_id: chat.id,
          role: 'assistant',
          content: 'again',
          metadata: {},
          client_message_id: 'reply-1',
          status: 'streaming',
        });
      const grown = await update(chat, reply, { content: 'partial' });
      expect(await resend()).toEqual({ message: grown, created: false });
      const done = await update(chat, reply, { status: 'complete' });
      expect(done?.status).toBe('complete');
      expect(await resend()).toEqual({ message: done, created: false });
      expect((await store.listMessages(chat.tenant_id, chat.id, { after_seq: 0, limit: 10 }))?.total).toBe(1);
    });

    test('interruptStaleMessages interrupts only streaming messages not updated since the cutoff', async () => {
      const x = await newChat();
      const y = await newChat();
      const T0 = '2020-03-01T00:00:00.000Z';
      const cutoff = '2020-03-01T00:05:00.000Z';
      const { staleX, staleY, complete, revived } = await at(T0, async () => ({
        staleX: await append(x, 'streaming', { content: 'x…' }),
        staleY: await append(y, 'streaming', { content: 'y…' }),
        complete: await append(x),
        revived: await append(y, 'streaming'),
      }));
      const boundary = await at(cutoff, () => append(x, 'streaming'));
      const fresh = await at('2020-03-01T00:10:00.000Z', () => append(y, 'streaming'));
      const grown = await at('2020-03-01T00:10:00.000Z', () => update(y, revived, { content: 'alive' }));

      const swept = await at('2020-03-01T00:20:00.000Z', () => store.interruptStaleMessages(cutoff));
      const ours = swept
        .filter((entry) => entry.message.chat_id === x.id || entry.message.chat_id === y.id)
        .sort((a, b) => a.message.seq - b.message.seq || a.tenant_id.localeCompare(b.tenant_id));
      const interrupted = (message: MessageRecord) => ({
        ...message,
        status: 'interrupted',
        updated_at: '2020-03-01T00:20:00.000Z',
      });
      expect(ours).toEqual(
        [
          { tenant_id: x.tenant_id, message: interrupted(staleX) },
          { tenant_id: y.tenant_id, message: interrupted(staleY) },
        ].sort((a, b) => a.message.seq - b.message.seq || a.tenant_id.localeCompare(b.tenant_id)),
      );
      expect(await stored(x, staleX.id)).toEqual(interrupted(staleX));
      expect(await stored(y, staleY.id)).toEqual(interrupted(staleY));
      // Untouched: a complete message, one updated exactly at the cutoff, a fresh one, one that grew.
      expect(await stored(x, complete.id)).toEqual(complete);
      expect(await stored(x, boundary.id)).toEqual(boundary);
      expect(await stored(y, fresh.id)).toEqual(fresh);
      expect(await stored(y, revived.id)).toEqual(grown);

      // Nothing stale is left, and the writer of an interrupted message can no longer change it.
      expect(await store.interruptStaleMessages(cutoff)).toEqual([]);
      expect(await update(x, staleX, { content: 'x… too late', status: 'complete' })).toBeUndefined();
      expect(await stored(x, staleX.id)).toEqual(interrupted(staleX));
    });

    test('an update racing the sweep for one message: exactly one of them takes it', async () => {
      const chat = await newChat();
      const perRound = 8;
      // Where the sweep starts among each round's calls: first, among them, last.
      const sweepPositions = [0, 3, 5, perRound];
      // Each round's messages are a day older than the next round's, and its cutoff a minute after
      // them: a sweep reaches only its own round (the messages of earlier rounds are final or fresh).
      const day = (round: number) => `2010-01-${String(round + 1).padStart(2, '0')}`;
      const rounds: MessageRecord[][] = [];
      for (const round of sweepPositions.keys()) {
        rounds.push(
          await at(`${day(round)}T00:00:00.000Z`, async () => {
            const made: MessageRecord[] = [];
            for (let index = 0; index < perRound; index++) made.push(await append(chat, 'streaming'));
            return made;
          }),
        );
      }
      // Half finish, half only grow (which makes them fresh).
      const patchOf = (index: number): MessagePatch =>
        index % 2 === 0 ? { content: 'done', status: 'complete' } : { content: 'more' };
      for (const [round, sweepAt] of sweepPositions.entries()) {
        const batch = rounds[round] as MessageRecord[];
        const start = (message: MessageRecord, index: number) => update(chat, message, patchOf(index));
        const early = batch.slice(0, sweepAt).map((message, index) => start(message, index));
        const sweep = store.interruptStaleMessages(`${day(round)}T00:01:00.000Z`);
        const late = batch.slice(sweepAt).map((message, index) => start(message, sweepAt + index));
        const [results, swept] = await Promise.all([Promise.all([...early, ...late]), sweep]);
        const sweptById = new Map(swept.map((entry) => [entry.message.id, entry]));

        for (const [index, message] of batch.entries()) {
          const updated = results[index];
          const taken = sweptById.get(message.id);
          // The winner, and the loser saw nothing: never both, never neither.
          expect({ id: message.id, updated: updated !== undefined, swept: taken !== undefined }).toEqual({
            id: message.id,
            updated: updated !== undefined,
            swept: updated === undefined,
          });
          const kept = await stored(chat, message.id);
          if (updated) {
            expect(updated).toMatchObject(
              index % 2 === 0
                ? { status: 'complete', content: 'done' }
                : { status: 'streaming', content: 'more' },
            );
            expect(kept).toEqual(updated);
          } else {
            expect(taken).toEqual({
              tenant_id: chat.tenant_id,
              message: expect.objectContaining({ id: message.id, status: 'interrupted', content: '' }),
            });
            expect(kept).toEqual(taken?.message);
          }
        }
      }
    });

    test('listChats filters by session', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const made: ChatRecord[] = [];
      for (const [index, session] of ['a', 'b', 'a', 'a'].entries()) {
        made.push(
          await at(new Date(Date.UTC(2020, 5, 1, 0, index)).toISOString(), () => newChat(tenant, session)),
        );
      }
      const theirs = await newChat(other, 'a');
      const sessionA = made.filter((chat) => chat.session_id === 'a').reverse();

      const all = await store.listChats(tenant, { session_id: 'a', limit: 10 });
      expect(all).toEqual({ items: sessionA, has_more: false });
      expect(ids((await store.listChats(tenant, { session_id: 'b', limit: 10 })).items)).toEqual([
        made[1]?.id,
      ]);
      expect(await store.listChats(tenant, { session_id: 'c', limit: 10 })).toEqual({
        items: [],
        has_more: false,
      });
      expect(ids((await store.listChats(other, { session_id: 'a', limit: 10 })).items)).toEqual([theirs.id]);
      expect(await store.listChats(tenant, { session_id: 'a', status: 'closed', limit: 10 })).toEqual({
        items: [],
        has_more: false,
      });
      expect(
        ids((await store.listChats(tenant, { session_id: 'a', status: 'active', limit: 10 })).items),
      ).toEqual(ids(sessionA));

      const first = await store.listChats(tenant, { session_id: 'a', limit: 2 });
      expect(first).toEqual({ items: sessionA.slice(0, 2), has_more: true });
      const last = first.items.at(-1) as ChatRecord;
      const rest = await store.listChats(tenant, { session_id: 'a', limit: 2, before: last });
      expect(rest).toEqual({ items: sessionA.slice(2), has_more: false });
    });

    test('migration 3 upgrades a version-2 database: its messages are complete, updated_at = created_at', async () => {
      const legacy = await setup.legacy(2);
      let upgraded: Store | undefined;
      try {
        await legacy.exec(`
          INSERT INTO tenants (id, name, created_at, updated_at)
            VALUES ('legacy', 'Legacy', '2029-05-01T09:00:00.000Z', '2029-05-01T09:00:00.000Z');
          INSERT INTO chats (id, tenant_id, session_id, visitor_id, title, status, context, last_seq, created_at, updated_at)
            VALUES ('chat-1', 'legacy', 'sess', 'v', 'Old', 'active', '{}', 2,
                    '2029-05-01T09:30:00.000Z', '2029-05-01T10:05:00.000Z');
          INSERT INTO messages (id, chat_id, seq, role, content, metadata, client_message_id, created_at)
            VALUES ('m-1', 'chat-1', 1, 'user', 'hello', '{"k":1}', 'c-1', '2029-05-01T10:00:00.000Z'),
                   ('m-2', 'chat-1', 2, 'assistant', 'hi there', '{}', NULL, '2029-05-01T10:05:00.000Z');
        `);
        upgraded = await legacy.open();
        // 3 and every later migration, in order.
        const applied = await upgraded.migrate();
        expect(applied[0]).toBe(3);
        expect(applied).toEqual(applied.map((_, index) => 3 + index));
        expect(await upgraded.migrate()).toEqual([]);

        const page = await upgraded.listMessages('legacy', 'chat-1', { after_seq: 0, limit: 10 });
        expect(page?.items).toEqual([
          {
            id: 'm-1',
            chat_id: 'chat-1',
            seq: 1,
            role: 'user',
            content: 'hello',
            metadata: { k: 1 },
            client_message_id: 'c-1',
            status: 'complete',
            created_at: '2029-05-01T10:00:00.000Z',
            updated_at: '2029-05-01T10:00:00.000Z',
          },
          {
            id: 'm-2',
            chat_id: 'chat-1',
            seq: 2,
            role: 'assistant',
            content: 'hi there',
            metadata: {},
            client_message_id: null,
            status: 'complete',
            created_at: '2029-05-01T10:05:00.000Z',
            updated_at: '2029-05-01T10:05:00.000Z',
          },
        ]);
        // Upgraded messages are final, and nothing there is streaming.
        expect(await upgraded.updateMessage('legacy', 'chat-1', 'm-2', { content: 'x' })).toBeUndefined();
        expect(await upgraded.interruptStaleMessages('2100-01-01T00:00:00.000Z')).toEqual([]);
        expect(ids((await upgraded.listChats('legacy', { session_id: 'sess', limit: 10 })).items)).toEqual([
          'chat-1',
        ]);

        // The new columns work for new rows, and the schema refuses what the contract forbids.
        const next = await upgraded.appendMessage({
          tenant_id: 'legacy',
          chat_id: 'chat-1',
          role: 'assistant',
          content: '',
          metadata: {},
          status: 'streaming',
        });
        expect(next?.message).toMatchObject({ seq: 3, status: 'streaming' });
        await expect(legacy.exec("UPDATE messages SET status = 'paused' WHERE id = 'm-1'")).rejects.toThrow();
        await expect(legacy.exec("UPDATE messages SET updated_at = NULL WHERE id = 'm-1'")).rejects.toThrow();
        expect(
          (await upgraded.listMessages('legacy', 'chat-1', { after_seq: 0, limit: 1 }))?.items[0],
        ).toMatchObject({ status: 'complete', updated_at: '2029-05-01T10:00:00.000Z' });
      } finally {
        await upgraded?.close();
        await legacy.destroy();
      }
    });
  });
}
