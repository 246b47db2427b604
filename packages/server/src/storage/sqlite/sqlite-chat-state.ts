/**
 * The assistant's side of the SQLite store, on the store's database handle: chat state changes
 * for handoff, the per-visitor message count and the daily token usage that guard replies.
 */
import type { DatabaseSync } from 'node:sqlite';
import { now, toChat } from '../records.ts';
import type { ChatStatusChange, ChatStatusResult, TokenUsage } from '../store.ts';
import { immediateTransaction, prepared } from './transaction.ts';

export class SqliteChatState {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  updateChatStatus(
    tenant_id: string,
    chat_id: string,
    change: ChatStatusChange,
  ): ChatStatusResult | undefined {
    // Read and write under the write lock: the check on `from` and the change are one step.
    return immediateTransaction(this.#db, () => {
      const row = prepared(this.#db, 'SELECT * FROM chats WHERE id = ? AND tenant_id = ?').get(
        chat_id,
        tenant_id,
      );
      if (!row) return undefined;
      const chat = toChat(row);
      const assigned_to = change.assigned_to === undefined ? chat.assigned_to : change.assigned_to;
      const holder = change.unlessAssignedToOtherThan;
      const allowed =
        (change.from === undefined || change.from.includes(chat.status)) &&
        (holder === undefined || chat.assigned_to === null || chat.assigned_to === holder);
      if (!allowed || (chat.status === change.status && chat.assigned_to === assigned_to)) {
        return { chat, changed: false };
      }
      const updated_at = now();
      prepared(this.#db, 'UPDATE chats SET status = ?, assigned_to = ?, updated_at = ? WHERE id = ?').run(
        change.status,
        assigned_to,
        updated_at,
        chat_id,
      );
      return { chat: { ...chat, status: change.status, assigned_to, updated_at }, changed: true };
    });
  }

  countVisitorMessagesSince(tenant_id: string, visitor_id: string, since: string): number {
    const row = prepared(
      this.#db,
      `SELECT count(*) AS count FROM messages m JOIN chats c ON c.id = m.chat_id
         WHERE c.tenant_id = ? AND c.visitor_id = ? AND m.role = 'user' AND m.created_at > ?`,
    ).get(tenant_id, visitor_id, new Date(since).toISOString());
    return Number(row?.count ?? 0);
  }

  addTokenUsage(tenant_id: string, day: string, usage: TokenUsage): void {
    prepared(
      this.#db,
      `INSERT INTO token_usage (tenant_id, day, input_tokens, output_tokens) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant_id, day) DO UPDATE SET
           input_tokens = input_tokens + excluded.input_tokens,
           output_tokens = output_tokens + excluded.output_tokens`,
    ).run(tenant_id, day, usage.input_tokens, usage.output_tokens);
  }

  getTokenUsage(tenant_id: string, day: string): TokenUsage {
    const row = prepared(
      this.#db,
      'SELECT input_tokens, output_tokens FROM token_usage WHERE tenant_id = ? AND day = ?',
    ).get(tenant_id, day);
    return { input_tokens: Number(row?.input_tokens ?? 0), output_tokens: Number(row?.output_tokens ?? 0) };
  }
}
