/**
 * Knowledge gaps in PostgreSQL: the tenant's assistant replies that cited no source, each with
 * the question it answered (`metadata.in_reply_to`). A scan of the tenant's recent replies: the
 * window (`since`) bounds it, and the list is read by a person now and then, not per message.
 */
import type pg from 'pg';
import type { UnansweredQuestion } from '../store.ts';
import type { Row } from './transaction.ts';

export async function listUnansweredQuestions(
  pool: pg.Pool,
  tenant_id: string,
  query: { since: string; limit: number },
): Promise<UnansweredQuestion[]> {
  const result = await pool.query<Row>(
    `SELECT a.chat_id AS chat_id, q.id AS message_id, q.content AS question, a.content AS answer,
            q.created_at AS asked_at
       FROM messages a
       JOIN chats c ON c.id = a.chat_id
       JOIN messages q ON q.id = a.metadata->>'in_reply_to' AND q.chat_id = a.chat_id
      WHERE c.tenant_id = $1
        AND a.role = 'assistant' AND a.status = 'complete' AND a.created_at > $2
        AND q.role = 'user'
        AND coalesce(c.context->>'console_test', 'false') = 'false'
        AND CASE WHEN jsonb_typeof(a.metadata->'sources') = 'array'
                 THEN jsonb_array_length(a.metadata->'sources') ELSE 0 END = 0
        AND coalesce(a.metadata->>'handoff', '') <> 'requested'
        AND coalesce(a.metadata->>'finish_reason', '') <> 'error'
      ORDER BY q.created_at DESC, q.id COLLATE "C"
      LIMIT $3`,
    [tenant_id, query.since, query.limit],
  );
  return result.rows.map((row) => ({
    chat_id: String(row.chat_id),
    message_id: String(row.message_id),
    question: String(row.question),
    answer: String(row.answer),
    asked_at: new Date(row.asked_at as string | Date).toISOString(),
  }));
}
