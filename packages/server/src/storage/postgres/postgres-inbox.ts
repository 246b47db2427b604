/**
 * The inbox's side of the PostgreSQL store, on the store's pool: chat list filters (status sets,
 * assignee, search), each chat's last message and unanswered count, and internal notes.
 */
import type { MessageRole } from '@miptech/protocol';
import type pg from 'pg';
import { containsPattern, PREVIEW_LENGTH, toNote } from '../inbox-records.ts';
import { decodeOptionalTime, decodeTime, newId, now } from '../records.ts';
import type { ChatActivity, ChatQuery, NewNote, NoteRecord } from '../store.ts';
import type { Row } from './transaction.ts';

/** Adds the inbox filters of a chat query to `conditions`, naming parameters through `parameter`. */
export function addInboxConditions(
  query: ChatQuery,
  conditions: string[],
  parameter: (value: unknown) => string,
): void {
  if (query.status !== undefined) {
    const statuses = Array.isArray(query.status) ? query.status : [query.status];
    conditions.push(`status = ANY(${parameter(statuses)}::text[])`);
  }
  if (query.assigned_to !== undefined) conditions.push(`assigned_to = ${parameter(query.assigned_to)}`);
  const search = query.search?.trim();
  if (search) {
    const pattern = parameter(containsPattern(search));
    // The visitor's identity and page are read from the context by key, so a search for "page"
    // does not match every chat through the key's name.
    conditions.push(`(visitor_id ILIKE ${pattern} OR title ILIKE ${pattern}
      OR context->'visitor'->>'name' ILIKE ${pattern}
      OR context->'visitor'->>'email' ILIKE ${pattern}
      OR context->>'page_url' ILIKE ${pattern}
      OR EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = chats.id AND m.role <> 'system'
                 AND m.content ILIKE ${pattern}))`);
  }
}

export class PostgresInbox {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async chatActivity(tenant_id: string, chat_ids: readonly string[]): Promise<Map<string, ChatActivity>> {
    const activity = new Map<string, ChatActivity>();
    if (chat_ids.length === 0) return activity;
    const result = await this.#pool.query<Row>(
      `SELECT c.id, last.seq, last.role, last.content, last.created_at,
         (SELECT count(*) FROM messages m WHERE m.chat_id = c.id AND m.role = 'user'
            AND m.seq > coalesce((SELECT max(a.seq) FROM messages a WHERE a.chat_id = c.id
                                    AND a.role IN ('assistant', 'human')), 0)) AS unread_count,
         (SELECT m.metadata->>'page_url' FROM messages m
            WHERE m.chat_id = c.id AND m.role = 'user' AND jsonb_typeof(m.metadata->'page_url') = 'string'
            ORDER BY m.seq DESC LIMIT 1) AS last_page_url,
         (SELECT m.created_at FROM messages m
            WHERE m.chat_id = c.id AND m.role = 'system' AND m.metadata->>'status' = 'waiting_for_human'
            ORDER BY m.seq DESC LIMIT 1) AS handoff_at
       FROM chats c
       LEFT JOIN LATERAL (
         SELECT m.seq, m.role, left(m.content, ${PREVIEW_LENGTH}) AS content, m.created_at FROM messages m
         WHERE m.chat_id = c.id AND m.role <> 'system' AND m.status <> 'streaming'
         ORDER BY m.seq DESC LIMIT 1
       ) last ON true
       WHERE c.tenant_id = $1 AND c.id = ANY($2::text[])`,
      [tenant_id, chat_ids],
    );
    for (const row of result.rows) {
      activity.set(String(row.id), {
        last_message:
          row.seq === null
            ? null
            : {
                seq: Number(row.seq),
                role: String(row.role) as MessageRole,
                content: String(row.content),
                created_at: decodeTime(row.created_at),
              },
        unread_count: Number(row.unread_count),
        last_page_url: typeof row.last_page_url === 'string' ? row.last_page_url : null,
        handoff_at: decodeOptionalTime(row.handoff_at),
      });
    }
    return activity;
  }

  async addNote(note: NewNote): Promise<NoteRecord | undefined> {
    // One statement: the note takes the chat's last_seq of the moment, or nothing is written.
    const result = await this.#pool.query<Row>(
      `INSERT INTO chat_notes (id, tenant_id, chat_id, after_seq, author_id, author_name, content, created_at)
         SELECT $1, tenant_id, id, last_seq, $4, $5, $6, $7 FROM chats WHERE id = $3 AND tenant_id = $2
       RETURNING *`,
      [newId(), note.tenant_id, note.chat_id, note.author_id, note.author_name, note.content, now()],
    );
    const row = result.rows[0];
    return row ? toNote(row) : undefined;
  }

  async listNotes(tenant_id: string, chat_id: string): Promise<NoteRecord[] | undefined> {
    const chat = await this.#pool.query('SELECT 1 FROM chats WHERE id = $1 AND tenant_id = $2', [
      chat_id,
      tenant_id,
    ]);
    if (chat.rowCount === 0) return undefined;
    const result = await this.#pool.query<Row>(
      'SELECT * FROM chat_notes WHERE chat_id = $1 AND tenant_id = $2 ORDER BY created_at, id COLLATE "C"',
      [chat_id, tenant_id],
    );
    return result.rows.map(toNote);
  }
}
