/**
 * The inbox's side of the SQLite store, on the store's handle: chat list filters (status sets,
 * assignee, search), each chat's last message and unanswered count, and internal notes.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ChatStatus, MessageRole } from '@miptech/protocol';
import { containsPattern, PREVIEW_LENGTH, toNote } from '../inbox-records.ts';
import { decodeObject, newId, now } from '../records.ts';
import type { ChatActivity, ChatQuery, NewNote, NoteRecord } from '../store.ts';
import { immediateTransaction, prepared } from './transaction.ts';

/** The WHERE conditions (and their parameters) of the inbox filters of a chat query. */
export function inboxConditions(query: ChatQuery): { conditions: string[]; parameters: string[] } {
  const conditions: string[] = [];
  const parameters: string[] = [];
  const statuses: ChatStatus[] =
    query.status === undefined ? [] : Array.isArray(query.status) ? query.status : [query.status];
  if (statuses.length > 0) {
    conditions.push(`status IN (${statuses.map(() => '?').join(', ')})`);
    parameters.push(...statuses);
  }
  if (query.assigned_to !== undefined) {
    conditions.push('assigned_to = ?');
    parameters.push(query.assigned_to);
  }
  const search = query.search?.trim();
  if (search) {
    // LIKE folds ASCII letters; the visitor's identity and page are read from the context JSON
    // by key, so a search for "page" does not match every chat through the key's name.
    conditions.push(`(visitor_id LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\'
      OR json_extract(context, '$.visitor.name') LIKE ? ESCAPE '\\'
      OR json_extract(context, '$.visitor.email') LIKE ? ESCAPE '\\'
      OR json_extract(context, '$.page_url') LIKE ? ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = chats.id AND m.role <> 'system'
                 AND m.content LIKE ? ESCAPE '\\'))`);
    parameters.push(...Array<string>(6).fill(containsPattern(search)));
  }
  return { conditions, parameters };
}

export class SqliteInbox {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  chatActivity(tenant_id: string, chat_ids: readonly string[]): Map<string, ChatActivity> {
    const activity = new Map<string, ChatActivity>();
    if (chat_ids.length === 0) return activity;
    const rows = this.#db
      .prepare(
        `SELECT c.id,
           (SELECT json_object('seq', m.seq, 'role', m.role, 'content', substr(m.content, 1, ${PREVIEW_LENGTH}),
                               'created_at', m.created_at)
              FROM messages m WHERE m.chat_id = c.id AND m.role <> 'system' AND m.status <> 'streaming'
              ORDER BY m.seq DESC LIMIT 1) AS last_message,
           (SELECT count(*) FROM messages m WHERE m.chat_id = c.id AND m.role = 'user'
              AND m.seq > coalesce((SELECT max(a.seq) FROM messages a WHERE a.chat_id = c.id
                                      AND a.role IN ('assistant', 'human')), 0)) AS unread_count,
           (SELECT json_extract(m.metadata, '$.page_url') FROM messages m
              WHERE m.chat_id = c.id AND m.role = 'user' AND json_type(m.metadata, '$.page_url') = 'text'
              ORDER BY m.seq DESC LIMIT 1) AS last_page_url,
           (SELECT m.created_at FROM messages m
              WHERE m.chat_id = c.id AND m.role = 'system'
                AND json_extract(m.metadata, '$.status') = 'waiting_for_human'
              ORDER BY m.seq DESC LIMIT 1) AS handoff_at
         FROM chats c WHERE c.tenant_id = ? AND c.id IN (${chat_ids.map(() => '?').join(', ')})`,
      )
      .all(tenant_id, ...chat_ids);
    for (const row of rows) {
      const last = row.last_message ? decodeObject(row.last_message) : undefined;
      activity.set(String(row.id), {
        last_message: last
          ? {
              seq: Number(last.seq),
              role: String(last.role) as MessageRole,
              content: String(last.content),
              created_at: String(last.created_at),
            }
          : null,
        unread_count: Number(row.unread_count),
        last_page_url: typeof row.last_page_url === 'string' ? row.last_page_url : null,
        handoff_at: typeof row.handoff_at === 'string' ? row.handoff_at : null,
      });
    }
    return activity;
  }

  addNote(note: NewNote): NoteRecord | undefined {
    return immediateTransaction(this.#db, () => {
      const chat = prepared(this.#db, 'SELECT last_seq FROM chats WHERE id = ? AND tenant_id = ?').get(
        note.chat_id,
        note.tenant_id,
      );
      if (!chat) return undefined;
      const record: NoteRecord = {
        id: newId(),
        chat_id: note.chat_id,
        after_seq: Number(chat.last_seq),
        author_id: note.author_id,
        author_name: note.author_name,
        content: note.content,
        created_at: now(),
      };
      prepared(
        this.#db,
        `INSERT INTO chat_notes (id, tenant_id, chat_id, after_seq, author_id, author_name, content, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.id,
        note.tenant_id,
        record.chat_id,
        record.after_seq,
        record.author_id,
        record.author_name,
        record.content,
        record.created_at,
      );
      return record;
    });
  }

  listNotes(tenant_id: string, chat_id: string): NoteRecord[] | undefined {
    const chat = prepared(this.#db, 'SELECT 1 FROM chats WHERE id = ? AND tenant_id = ?').get(
      chat_id,
      tenant_id,
    );
    if (!chat) return undefined;
    return prepared(
      this.#db,
      'SELECT * FROM chat_notes WHERE chat_id = ? AND tenant_id = ? ORDER BY created_at, id',
    )
      .all(chat_id, tenant_id)
      .map(toNote);
  }
}
