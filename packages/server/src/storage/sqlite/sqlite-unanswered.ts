/**
 * Knowledge gaps in SQLite: the tenant's assistant replies that cited no source, each with the
 * question it answered (`metadata.in_reply_to`). A scan of the tenant's recent replies: the
 * window (`since`) bounds it, and the list is read by a person now and then, not per message.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { UnansweredQuestion } from '../store.ts';
import { prepared } from './transaction.ts';

export function listUnansweredQuestions(
  db: DatabaseSync,
  tenant_id: string,
  query: { since: string; limit: number },
): UnansweredQuestion[] {
  const rows = prepared(
    db,
    `SELECT a.chat_id AS chat_id, q.id AS message_id, q.content AS question, a.content AS answer,
            q.created_at AS asked_at
       FROM messages a
       JOIN chats c ON c.id = a.chat_id
       JOIN messages q ON q.id = json_extract(a.metadata, '$.in_reply_to') AND q.chat_id = a.chat_id
      WHERE c.tenant_id = ?
        AND a.role = 'assistant' AND a.status = 'complete' AND a.created_at > ?
        AND q.role = 'user'
        AND coalesce(json_extract(c.context, '$.console_test'), 0) = 0
        AND coalesce(json_array_length(a.metadata, '$.sources'), 0) = 0
        AND coalesce(json_extract(a.metadata, '$.handoff'), '') <> 'requested'
        AND coalesce(json_extract(a.metadata, '$.finish_reason'), '') <> 'error'
      ORDER BY q.created_at DESC, q.id
      LIMIT ?`,
  ).all(tenant_id, new Date(query.since).toISOString(), query.limit);
  return rows.map((row) => ({
    chat_id: String(row.chat_id),
    message_id: String(row.message_id),
    question: String(row.question),
    answer: String(row.answer),
    asked_at: new Date(String(row.asked_at)).toISOString(),
  }));
}
