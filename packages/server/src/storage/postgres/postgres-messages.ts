/**
 * The message half of the PostgreSQL store, on the store's pool: appending, streaming updates,
 * the sweep of stale streaming messages, and paging.
 *
 * A streaming message changes only through `UPDATE … WHERE status = 'streaming'`. Under READ
 * COMMITTED an UPDATE that waited for another one's row lock re-checks its WHERE against the row
 * that one committed, so of an update and the sweep racing for one message exactly one takes it:
 * the sweep skips a message that became final or fresh meanwhile, and an update finds nothing to
 * change in a message the sweep interrupted.
 */
import type pg from 'pg';
import { newId, normalizeTime, now, toMessage } from '../records.ts';
import type { AppendResult, MessagePatch, MessageRecord, MessageSlice, NewMessage } from '../store.ts';
import { type Outcome, type Row, transaction } from './transaction.ts';

/**
 * Hot statements are named (`{ name, text, values }`): pg prepares each once per connection and
 * then only binds, instead of having the server parse and plan it on every call (issue 16).
 */
export class PostgresMessages {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async appendMessage(message: NewMessage): Promise<AppendResult | undefined> {
    return transaction(this.#pool, async (client): Promise<Outcome<AppendResult | undefined>> => {
      const time = now();
      // Bumping first takes the chat's row lock, which queues every other writer of this chat
      // behind us: seqs come out unique and in order without retries.
      const bumped = await client.query<Row>({
        name: 'messages.bump_seq',
        text: 'UPDATE chats SET last_seq = last_seq + 1, updated_at = $3 WHERE id = $1 AND tenant_id = $2 RETURNING last_seq',
        values: [message.chat_id, message.tenant_id, time],
      });
      const chat = bumped.rows[0];
      if (!chat) return { value: undefined, commit: false };
      if (message.client_message_id) {
        // Under READ COMMITTED this sees a message committed by the writer we just waited for.
        const earlier = await client.query<Row>({
          name: 'messages.by_client_id',
          text: 'SELECT * FROM messages WHERE chat_id = $1 AND client_message_id = $2',
          values: [message.chat_id, message.client_message_id],
        });
        const existing = earlier.rows[0];
        // Rolling back also undoes the bump, so the seq is not burnt.
        if (existing) return { value: { message: toMessage(existing), created: false }, commit: false };
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
      await client.query({
        name: 'messages.insert',
        text: `INSERT INTO messages (id, chat_id, seq, role, content, metadata, client_message_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        values: [
          record.id,
          record.chat_id,
          record.seq,
          record.role,
          record.content,
          JSON.stringify(record.metadata),
          record.client_message_id,
          record.status,
          record.created_at,
        ],
      });
      return { value: { message: record, created: true }, commit: true };
    });
  }

  async updateMessage(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): Promise<MessageRecord | undefined> {
    const result = await this.#pool.query<Row>({
      name: 'messages.update_streaming',
      text: `UPDATE messages SET
         content = COALESCE($4, content),
         status = COALESCE($5, status),
         metadata = COALESCE($6::jsonb, metadata),
         updated_at = $7
       WHERE id = $3 AND chat_id = $2 AND status = 'streaming'
         AND EXISTS (SELECT 1 FROM chats WHERE chats.id = $2 AND chats.tenant_id = $1)
       RETURNING *`,
      values: [
        tenant_id,
        chat_id,
        message_id,
        patch.content ?? null,
        patch.status ?? null,
        patch.metadata === undefined ? null : JSON.stringify(patch.metadata),
        now(),
      ],
    });
    const row = result.rows[0];
    return row ? toMessage(row) : undefined;
  }

  async interruptStaleMessages(
    before: string,
  ): Promise<Array<{ tenant_id: string; message: MessageRecord }>> {
    // The chat's tenant comes through the join; a message whose update committed while this waited
    // for its row lock is re-checked and skipped if it is no longer streaming or no longer stale.
    const result = await this.#pool.query<Row>(
      `UPDATE messages SET status = 'interrupted', updated_at = $2
       FROM chats
       WHERE chats.id = messages.chat_id AND messages.status = 'streaming' AND messages.updated_at < $1
       RETURNING messages.*, chats.tenant_id`,
      [normalizeTime(before), now()],
    );
    return result.rows.map((row) => ({ tenant_id: String(row.tenant_id), message: toMessage(row) }));
  }

  async listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Promise<MessageSlice | undefined> {
    // One snapshot for all three reads, so `total` agrees with the items even while messages arrive.
    return transaction(
      this.#pool,
      async (client): Promise<Outcome<MessageSlice | undefined>> => {
        const chat = await client.query('SELECT 1 FROM chats WHERE id = $1 AND tenant_id = $2', [
          chat_id,
          tenant_id,
        ]);
        if (chat.rowCount === 0) return { value: undefined, commit: false };
        const rows = await client.query<Row>(
          'SELECT * FROM messages WHERE chat_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
          [chat_id, page.after_seq, page.limit + 1],
        );
        const total = await client.query<Row>('SELECT count(*) AS total FROM messages WHERE chat_id = $1', [
          chat_id,
        ]);
        const slice: MessageSlice = {
          items: rows.rows.slice(0, page.limit).map(toMessage),
          // count(*) is a bigint, which pg hands over as a string.
          total: Number(total.rows[0]?.total ?? 0),
          has_more: rows.rows.length > page.limit,
        };
        return { value: slice, commit: false };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }
}
