/**
 * The message half of the SQLite store, on the store's database handle: appending, streaming
 * updates, the sweep of stale streaming messages, and paging.
 *
 * A streaming message changes only through `UPDATE … WHERE status = 'streaming'`, one statement each,
 * so an update and the sweep cannot both take the same message: whichever runs second finds it
 * final already and leaves it alone.
 *
 * Appends and updates go through {@link GroupCommit}: those that arrive together share one
 * transaction and one fsync, and each resolves only once that transaction committed.
 */
import type { DatabaseSync } from 'node:sqlite';
import { newId, normalizeTime, now, toMessage } from '../records.ts';
import type { AppendResult, MessagePatch, MessageRecord, MessageSlice, NewMessage } from '../store.ts';
import { GroupCommit } from './group-commit.ts';
import { prepared } from './transaction.ts';

export class SqliteMessages {
  readonly #db: DatabaseSync;
  readonly #group: GroupCommit;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#group = new GroupCommit(db);
  }

  /** Commits the writes still waiting for their group (before the handle closes). */
  flush(): void {
    this.#group.flush();
  }

  appendMessage(message: NewMessage): Promise<AppendResult | undefined> {
    // One savepoint of a group transaction: the read of last_seq and the insert stay one step.
    return this.#group.run(() => {
      const chat = prepared(this.#db, 'SELECT last_seq FROM chats WHERE id = ? AND tenant_id = ?').get(
        message.chat_id,
        message.tenant_id,
      );
      if (!chat) return undefined;
      if (message.client_message_id) {
        const earlier = prepared(
          this.#db,
          'SELECT * FROM messages WHERE chat_id = ? AND client_message_id = ?',
        ).get(message.chat_id, message.client_message_id);
        if (earlier) return { message: toMessage(earlier), created: false };
      }
      const time = now();
      const record: MessageRecord = {
        id: newId(),
        chat_id: message.chat_id,
        seq: Number(chat.last_seq) + 1,
        role: message.role,
        content: message.content,
        metadata: message.metadata,
        client_message_id: message.client_message_id ?? null,
        status: message.status ?? 'complete',
        created_at: time,
        updated_at: time,
      };
      prepared(
        this.#db,
        `INSERT INTO messages (id, chat_id, seq, role, content, metadata, client_message_id, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.id,
        record.chat_id,
        record.seq,
        record.role,
        record.content,
        JSON.stringify(record.metadata),
        record.client_message_id,
        record.status,
        record.created_at,
        record.updated_at,
      );
      prepared(this.#db, 'UPDATE chats SET last_seq = ?, updated_at = ? WHERE id = ?').run(
        record.seq,
        record.created_at,
        record.chat_id,
      );
      return { message: record, created: true };
    });
  }

  updateMessage(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): Promise<MessageRecord | undefined> {
    return this.#group.run(() => this.#update(tenant_id, chat_id, message_id, patch));
  }

  #update(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): MessageRecord | undefined {
    const row = prepared(
      this.#db,
      `UPDATE messages SET
           content = COALESCE(?, content),
           status = COALESCE(?, status),
           metadata = COALESCE(?, metadata),
           updated_at = ?
         WHERE id = ? AND chat_id = ? AND status = 'streaming'
           AND EXISTS (SELECT 1 FROM chats WHERE chats.id = messages.chat_id AND chats.tenant_id = ?)
         RETURNING *`,
    ).get(
      patch.content ?? null,
      patch.status ?? null,
      patch.metadata === undefined ? null : JSON.stringify(patch.metadata),
      now(),
      message_id,
      chat_id,
      tenant_id,
    );
    return row ? toMessage(row) : undefined;
  }

  interruptStaleMessages(before: string): Array<{ tenant_id: string; message: MessageRecord }> {
    // One statement: atomic on its own, and it takes the write lock (busy_timeout) like any write.
    // Timestamps compare as text, so the cutoff must look like the stored ones.
    const rows = prepared(
      this.#db,
      `UPDATE messages SET status = 'interrupted', updated_at = ?
         WHERE status = 'streaming' AND updated_at < ?
         RETURNING *, (SELECT tenant_id FROM chats WHERE chats.id = messages.chat_id) AS tenant_id`,
    ).all(now(), normalizeTime(before));
    return rows.map((row) => ({ tenant_id: String(row.tenant_id), message: toMessage(row) }));
  }

  listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): MessageSlice | undefined {
    const chat = prepared(this.#db, 'SELECT 1 FROM chats WHERE id = ? AND tenant_id = ?').get(
      chat_id,
      tenant_id,
    );
    if (!chat) return undefined;
    const rows = prepared(
      this.#db,
      'SELECT * FROM messages WHERE chat_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ).all(chat_id, page.after_seq, page.limit + 1);
    const total = prepared(this.#db, 'SELECT count(*) AS n FROM messages WHERE chat_id = ?').get(chat_id);
    return {
      items: rows.slice(0, page.limit).map(toMessage),
      total: Number(total?.n ?? 0),
      has_more: rows.length > page.limit,
    };
  }
}
