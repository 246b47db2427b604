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
import { ChatAppendQueue } from './chat-append-queue.ts';
import { isUniqueViolation, type Outcome, type Row, transaction } from './transaction.ts';

/**
 * Appends to one chat in one statement, so one round trip and no transaction held open across round
 * trips (issue 16: BEGIN, bump, lookup, INSERT, COMMIT held the chat's row lock for four round trips).
 * Parameters: chat id, tenant id, time, then one array per column of the new messages, in order.
 *
 * - `input`: the new messages, numbered by their position.
 * - `existing`: messages already stored in this tenant's chat under one of their `client_message_id`s
 *   (a NULL id matches nothing). Those are not stored again.
 * - `fresh`: the others, ranked in order.
 * - `bumped`: takes the chat's row lock and reserves one seq per fresh message; every other writer
 *   of the chat queues behind it, so seqs come out unique, gap-free and in order without retries.
 * - `inserted`: the fresh messages with their seqs.
 * Result rows: `appended_id`/`appended_seq` per stored message, and the columns of each existing one.
 * No row at all means no such chat for this tenant.
 *
 * A resend racing its first copy (from another instance) sees no `existing` row, since the
 * statement's snapshot predates the other's commit, which it then waits for on the row lock; it
 * bumps, and its INSERT hits the unique (chat_id, client_message_id) index. The whole statement,
 * bump included, is rolled back (a statement is atomic, so no seq is burnt), and {@link RESENT}
 * fetches the copy that won.
 */
const APPEND = `WITH input AS (
    SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
      WITH ORDINALITY AS input (id, role, content, metadata, client_message_id, status, position)
  ), existing AS (
    SELECT messages.* FROM messages JOIN chats ON chats.id = messages.chat_id
    WHERE messages.chat_id = $1 AND chats.tenant_id = $2
      AND messages.client_message_id IN (SELECT client_message_id FROM input)
  ), fresh AS (
    SELECT input.*, row_number() OVER (ORDER BY position) AS rank FROM input
    WHERE NOT EXISTS (SELECT 1 FROM existing WHERE existing.client_message_id = input.client_message_id)
  ), bumped AS (
    UPDATE chats SET last_seq = last_seq + (SELECT count(*) FROM fresh), updated_at = $3::timestamptz
    WHERE id = $1 AND tenant_id = $2 AND EXISTS (SELECT 1 FROM fresh)
    RETURNING last_seq
  ), inserted AS (
    INSERT INTO messages (id, chat_id, seq, role, content, metadata, client_message_id, status, created_at, updated_at)
    SELECT fresh.id, $1, bumped.last_seq - (SELECT count(*) FROM fresh) + fresh.rank, fresh.role, fresh.content,
      fresh.metadata::jsonb, fresh.client_message_id, fresh.status, $3::timestamptz, $3::timestamptz
    FROM fresh, bumped
    RETURNING id, seq
  )
  SELECT inserted.id AS appended_id, inserted.seq AS appended_seq, existing.*
    FROM inserted LEFT JOIN existing ON false
  UNION ALL
  SELECT NULL, NULL, existing.* FROM existing`;

/** The stored copy of a resent message: chat id, tenant id, client_message_id. */
const RESENT = `SELECT messages.* FROM messages JOIN chats ON chats.id = messages.chat_id
  WHERE messages.chat_id = $1 AND chats.tenant_id = $2 AND messages.client_message_id = $3`;

/**
 * Hot statements are named (`{ name, text, values }`): pg prepares each once per connection and
 * then only binds, instead of having the server parse and plan it on every call (issue 16).
 */
export class PostgresMessages {
  readonly #pool: pg.Pool;
  readonly #appends = new ChatAppendQueue<NewMessage, AppendResult | undefined>((messages) =>
    this.#appendGroup(messages),
  );

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Appends to a chat go through {@link ChatAppendQueue}: one in flight per chat, and the ones that
   * arrive meanwhile go together in the next statement.
   */
  async appendMessage(message: NewMessage): Promise<AppendResult | undefined> {
    return this.#appends.append(`${message.tenant_id}\n${message.chat_id}`, message);
  }

  /** Appends `messages`, all to one chat of one tenant, in one statement (see {@link APPEND}). */
  async #appendGroup(messages: NewMessage[]): Promise<Array<AppendResult | undefined>> {
    const first = messages[0];
    if (!first) return [];
    const time = now();
    const records: MessageRecord[] = messages.map((message) => ({
      id: newId(),
      chat_id: message.chat_id,
      seq: 0,
      role: message.role,
      content: message.content,
      metadata: message.metadata,
      client_message_id: message.client_message_id ?? null,
      status: message.status ?? 'complete',
      created_at: time,
      updated_at: time,
    }));
    // A client_message_id twice in one group: only its first message goes to the database; the
    // later ones are answered as resends of it.
    const firstWithId = new Map<string, number>();
    const sent = records.filter((record, index) => {
      if (record.client_message_id === null) return true;
      if (firstWithId.has(record.client_message_id)) return false;
      firstWithId.set(record.client_message_id, index);
      return true;
    });
    let rows: Row[];
    try {
      const result = await this.#pool.query<Row>({
        name: 'messages.append',
        text: APPEND,
        values: [
          first.chat_id,
          first.tenant_id,
          time,
          sent.map((record) => record.id),
          sent.map((record) => record.role),
          sent.map((record) => record.content),
          sent.map((record) => JSON.stringify(record.metadata)),
          sent.map((record) => record.client_message_id),
          sent.map((record) => record.status),
        ],
      });
      rows = result.rows;
    } catch (error) {
      // A resend racing its first copy (see APPEND): nothing was stored; answer with that copy.
      const only = sent.length === 1 ? sent[0] : undefined;
      if (!isUniqueViolation(error) || !only?.client_message_id) throw error;
      const result = await this.#pool.query<Row>({
        name: 'messages.resent',
        text: RESENT,
        values: [first.chat_id, first.tenant_id, only.client_message_id],
      });
      rows = result.rows;
    }
    const seqs = new Map<string, number>();
    const existing = new Map<string, MessageRecord>();
    for (const row of rows) {
      if (row.appended_id != null) seqs.set(String(row.appended_id), Number(row.appended_seq));
      else existing.set(String(row.client_message_id), toMessage(row));
    }
    if (rows.length === 0) return records.map(() => undefined);
    const results: Array<AppendResult | undefined> = [];
    for (const record of records) {
      const seq = seqs.get(record.id);
      if (seq !== undefined) {
        results.push({ message: { ...record, seq }, created: true });
        continue;
      }
      const key = record.client_message_id ?? '';
      const earlier = existing.get(key) ?? results[firstWithId.get(key) ?? -1]?.message;
      results.push(earlier ? { message: earlier, created: false } : undefined);
    }
    return results;
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
