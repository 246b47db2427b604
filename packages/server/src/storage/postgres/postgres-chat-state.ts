/**
 * The assistant's side of the PostgreSQL store, on the store's pool: chat state changes for
 * handoff, the per-visitor message count and the daily token usage that guard replies.
 */
import type pg from 'pg';
import { now, toChat } from '../records.ts';
import type { ChatStatusChange, ChatStatusResult, TokenUsage } from '../store.ts';
import type { Row } from './transaction.ts';

export class PostgresChatState {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async updateChatStatus(
    tenant_id: string,
    chat_id: string,
    change: ChatStatusChange,
  ): Promise<ChatStatusResult | undefined> {
    // One conditional UPDATE is the compare-and-set: of two operators taking the same chat, the
    // second finds it no longer in a `from` state and changes nothing.
    const assignment = change.assigned_to !== undefined;
    const updated = await this.#pool.query<Row>(
      `UPDATE chats SET status = $3,
         assigned_to = CASE WHEN $4 THEN $5 ELSE assigned_to END,
         updated_at = $6
       WHERE id = $1 AND tenant_id = $2
         AND ($7::text[] IS NULL OR status = ANY($7::text[]))
         AND ($8::text IS NULL OR assigned_to IS NULL OR assigned_to = $8)
         AND NOT (status = $3 AND assigned_to IS NOT DISTINCT FROM
                  (CASE WHEN $4 THEN $5 ELSE assigned_to END))
       RETURNING *`,
      [
        chat_id,
        tenant_id,
        change.status,
        assignment,
        change.assigned_to ?? null,
        now(),
        change.from ?? null,
        change.unlessAssignedToOtherThan ?? null,
      ],
    );
    const row = updated.rows[0];
    if (row) return { chat: toChat(row), changed: true };
    const current = await this.#pool.query<Row>('SELECT * FROM chats WHERE id = $1 AND tenant_id = $2', [
      chat_id,
      tenant_id,
    ]);
    const chat = current.rows[0];
    return chat ? { chat: toChat(chat), changed: false } : undefined;
  }

  async countVisitorMessagesSince(tenant_id: string, visitor_id: string, since: string): Promise<number> {
    const result = await this.#pool.query<Row>(
      `SELECT count(*) AS count FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE c.tenant_id = $1 AND c.visitor_id = $2 AND m.role = 'user' AND m.created_at > $3`,
      [tenant_id, visitor_id, since],
    );
    return Number(result.rows[0]?.count ?? 0);
  }

  async addTokenUsage(tenant_id: string, day: string, usage: TokenUsage): Promise<void> {
    await this.#pool.query(
      `INSERT INTO token_usage (tenant_id, day, input_tokens, output_tokens) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, day) DO UPDATE SET
         input_tokens = token_usage.input_tokens + excluded.input_tokens,
         output_tokens = token_usage.output_tokens + excluded.output_tokens`,
      [tenant_id, day, usage.input_tokens, usage.output_tokens],
    );
  }

  async getTokenUsage(tenant_id: string, day: string): Promise<TokenUsage> {
    const result = await this.#pool.query<Row>(
      'SELECT input_tokens, output_tokens FROM token_usage WHERE tenant_id = $1 AND day = $2',
      [tenant_id, day],
    );
    const row = result.rows[0];
    return { input_tokens: Number(row?.input_tokens ?? 0), output_tokens: Number(row?.output_tokens ?? 0) };
  }
}
