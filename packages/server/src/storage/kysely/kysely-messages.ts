/**
 * The message stream written once for SQLite and PostgreSQL through Kysely: the storage spike of
 * decision 013, measured against the twins `sqlite/sqlite-messages.ts` and
 * `postgres/postgres-messages.ts` and held to the same conformance suite. Not used in production;
 * `sqliteKyselyMessages` / `postgresKyselyMessages` plug it into a store through its `messages`
 * option.
 *
 * The twins' guarantees, kept in one form that both dialects accept:
 * - an append bumps `chats.last_seq` first (`UPDATE … RETURNING`): in PostgreSQL that row lock
 *   queues every other writer of the chat, so seqs come out unique and in order; a resent
 *   `client_message_id` then rolls the unit back, so the seq is not burnt;
 * - a streaming message changes only through `UPDATE … WHERE status = 'streaming'`, one statement,
 *   so an update and the sweep never both take it (PostgreSQL re-checks the WHERE of a statement
 *   that waited for the row lock);
 * - a page's items and `total` come from one snapshot.
 * How a unit becomes a transaction (group commit, pooled transaction) is the dialects' glue.
 */
import type { DatabaseSync } from 'node:sqlite';
import type pg from 'pg';
import type { MessageStreamPart } from '../message-stream-part.ts';
import { newId, normalizeTime, now, toMessage } from '../records.ts';
import type { AppendResult, MessagePatch, MessageRecord, MessageSlice, NewMessage } from '../store.ts';
import type { MessageUnits, Outcome } from './message-units.ts';
import { type PostgresUnitsOptions, postgresUnits } from './postgres-units.ts';
import { sqliteUnits } from './sqlite-units.ts';

export class KyselyMessages implements MessageStreamPart {
  readonly #units: MessageUnits;

  constructor(units: MessageUnits) {
    this.#units = units;
  }

  flush(): Promise<void> {
    return this.#units.flush();
  }

  appendMessage(message: NewMessage): Promise<AppendResult | undefined> {
    return this.#units.write(async (db): Promise<Outcome<AppendResult | undefined>> => {
      const time = now();
      const chat = await db
        .updateTable('chats')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1), updated_at: time }))
        .where('id', '=', message.chat_id)
        .where('tenant_id', '=', message.tenant_id)
        .returning('last_seq')
        .executeTakeFirst();
      if (!chat) return { value: undefined, commit: false };
      if (message.client_message_id) {
        const earlier = await db
          .selectFrom('messages')
          .selectAll()
          .where('chat_id', '=', message.chat_id)
          .where('client_message_id', '=', message.client_message_id)
          .executeTakeFirst();
        if (earlier) return { value: { message: toMessage(earlier), created: false }, commit: false };
      }
      const record: MessageRecord = {
        id: newId(),
        chat_id: message.chat_id,
        seq: Number(chat.last_seq),
        role: message.role,
        content: message.content,
        metadata: message.metadata,
        client_message_id: message.client_message_id ?? null,
        status: message.status ?? 'complete',
        created_at: time,
        updated_at: time,
      };
      await db
        .insertInto('messages')
        .values({ ...record, metadata: JSON.stringify(record.metadata) })
        .execute();
      return { value: { message: record, created: true }, commit: true };
    });
  }

  updateMessage(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): Promise<MessageRecord | undefined> {
    return this.#units.writeOne(async (db) => {
      // Only the fields the patch has: no COALESCE, and no cast for PostgreSQL's jsonb.
      const row = await db
        .updateTable('messages')
        .set({
          ...(patch.content === undefined ? {} : { content: patch.content }),
          ...(patch.status === undefined ? {} : { status: patch.status }),
          ...(patch.metadata === undefined ? {} : { metadata: JSON.stringify(patch.metadata) }),
          updated_at: now(),
        })
        .where('id', '=', message_id)
        .where('chat_id', '=', chat_id)
        .where('status', '=', 'streaming')
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom('chats')
              .select('chats.id')
              .whereRef('chats.id', '=', 'messages.chat_id')
              .where('chats.tenant_id', '=', tenant_id),
          ),
        )
        .returningAll()
        .executeTakeFirst();
      return row ? toMessage(row) : undefined;
    });
  }

  async interruptStaleMessages(
    before: string,
  ): Promise<Array<{ tenant_id: string; message: MessageRecord }>> {
    // One statement, atomic on its own. The tenant comes from a subquery in RETURNING, which both
    // dialects accept (SQLite's RETURNING cannot name the tables of an UPDATE … FROM).
    const rows = await this.#units.db
      .updateTable('messages')
      .set({ status: 'interrupted', updated_at: now() })
      .where('status', '=', 'streaming')
      .where('updated_at', '<', normalizeTime(before))
      .returningAll()
      .returning(({ selectFrom }) =>
        selectFrom('chats')
          .select('chats.tenant_id')
          .whereRef('chats.id', '=', 'messages.chat_id')
          .as('tenant_id'),
      )
      .execute();
    return rows.map((row) => ({ tenant_id: String(row.tenant_id), message: toMessage(row) }));
  }

  listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Promise<MessageSlice | undefined> {
    return this.#units.snapshot(async (db) => {
      const chat = await db
        .selectFrom('chats')
        .select('id')
        .where('id', '=', chat_id)
        .where('tenant_id', '=', tenant_id)
        .executeTakeFirst();
      if (!chat) return undefined;
      const rows = await db
        .selectFrom('messages')
        .selectAll()
        .where('chat_id', '=', chat_id)
        .where('seq', '>', page.after_seq)
        .orderBy('seq')
        .limit(page.limit + 1)
        .execute();
      const total = await db
        .selectFrom('messages')
        .select(({ fn }) => fn.countAll().as('total'))
        .where('chat_id', '=', chat_id)
        .executeTakeFirst();
      return {
        items: rows.slice(0, page.limit).map(toMessage),
        // count(*) is a bigint, which pg hands over as a string.
        total: Number(total?.total ?? 0),
        has_more: rows.length > page.limit,
      };
    });
  }
}

/** The spike's message half for `SqliteStore`'s `messages` option. */
export const sqliteKyselyMessages = (db: DatabaseSync): KyselyMessages => new KyselyMessages(sqliteUnits(db));

/** The spike's message half for `PostgresStore`'s `messages` option. */
export const postgresKyselyMessages = (pool: pg.Pool, options?: PostgresUnitsOptions): KyselyMessages =>
  new KyselyMessages(postgresUnits(pool, options));
