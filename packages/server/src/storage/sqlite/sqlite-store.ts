/**
 * The embedded default store: one SQLite file through `node:sqlite`, in WAL mode.
 *
 * `node:sqlite` is synchronous, so each method runs to completion without interleaving inside
 * this process; `BEGIN IMMEDIATE` takes the write lock up front so that a second process on the
 * same file (a CLI next to a running server) waits instead of failing half-way.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DelegatingAccountStore } from '../delegating-account-store.ts';
import type { KnowledgeStore } from '../knowledge-store.ts';
import type { MessageStreamPart } from '../message-stream-part.ts';
import type { PassageVectorStore } from '../passage-vectors.ts';
import { newId, normalizeTime, now, toChat, toTenant } from '../records.ts';
import {
  type AppendResult,
  type ChatActivity,
  type ChatQuery,
  type ChatRecord,
  type ChatSlice,
  type ChatStatusChange,
  type ChatStatusResult,
  ConflictError,
  type MessagePatch,
  type MessageRecord,
  type MessageSlice,
  type NewChat,
  type NewMessage,
  type NewNote,
  type NewTenant,
  type NoteRecord,
  type Store,
  type Tenant,
  type TenantPatch,
  type TokenUsage,
  type UnansweredQuestion,
} from '../store.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SqliteAccounts } from './sqlite-accounts.ts';
import { SqliteChatState } from './sqlite-chat-state.ts';
import { inboxConditions, SqliteInbox } from './sqlite-inbox.ts';
import { SqliteKnowledge } from './sqlite-knowledge.ts';
import { SqliteMessages } from './sqlite-messages.ts';
import { SqlitePassageVectors } from './sqlite-passage-vectors.ts';
import { listUnansweredQuestions } from './sqlite-unanswered.ts';
import { immediateTransaction, isUniqueViolation, prepared } from './transaction.ts';

/** Options for {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. */
  path: string;
  /** Builds the message half on the store's handle; `SqliteMessages` when absent (only the spike of decision 013 sets it). */
  messages?: (db: DatabaseSync) => MessageStreamPart;
}

/**
 * Tenants and chats here; messages in `sqlite-messages.ts`; operators, sessions and keys in
 * `sqlite-accounts.ts`; all on the same handle.
 */
export class SqliteStore extends DelegatingAccountStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly knowledge: KnowledgeStore;
  readonly vectors: PassageVectorStore;
  readonly #db: DatabaseSync;
  readonly #messages: MessageStreamPart;
  readonly #chatState: SqliteChatState;
  readonly #inbox: SqliteInbox;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const db = new DatabaseSync(options.path, { enableForeignKeyConstraints: true });
    // FULL makes every acknowledged commit durable across power loss, not only a process crash.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    // Migration 6 hashes the passages stored before it; SQLite has no SHA-256 of its own.
    db.function('sha256_hex', { deterministic: true }, (value) =>
      createHash('sha256').update(String(value)).digest('hex'),
    );
    super(new SqliteAccounts(db));
    this.#db = db;
    this.#messages = options.messages?.(db) ?? new SqliteMessages(db);
    this.knowledge = new SqliteKnowledge(db);
    this.vectors = new SqlitePassageVectors(db);
    this.#chatState = new SqliteChatState(db);
    this.#inbox = new SqliteInbox(db);
  }

  async migrate(): Promise<number[]> {
    return immediateTransaction(this.#db, () => {
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const applied = new Set(
        prepared(this.#db, 'SELECT version FROM schema_migrations')
          .all()
          .map((row) => Number(row.version)),
      );
      const done: number[] = [];
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.#db.exec(migration.sql);
        prepared(this.#db, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          now(),
        );
        done.push(migration.version);
      }
      return done;
    });
  }

  async ping(): Promise<void> {
    prepared(this.#db, 'SELECT 1').get();
  }

  async close(): Promise<void> {
    // Writes still waiting for their group commit now rather than fail.
    if (this.#db.isOpen) await this.#messages.flush?.();
    if (this.#db.isOpen) this.#db.close();
  }

  async createTenant(tenant: NewTenant): Promise<Tenant> {
    const time = now();
    try {
      prepared(
        this.#db,
        `INSERT INTO tenants (id, name, allowed_origins, greeting, enabled, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?)`,
      ).run(
        tenant.id,
        tenant.name,
        JSON.stringify(tenant.allowed_origins ?? []),
        tenant.greeting ?? '',
        time,
        time,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`Tenant "${tenant.id}" exists already`);
      throw error;
    }
    return this.#tenant(tenant.id) as Tenant;
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    return this.#tenant(id);
  }

  async listTenants(): Promise<Tenant[]> {
    return prepared(this.#db, 'SELECT * FROM tenants ORDER BY id').all().map(toTenant);
  }

  async updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    const current = this.#tenant(id);
    if (!current) return undefined;
    prepared(
      this.#db,
      'UPDATE tenants SET name = ?, allowed_origins = ?, greeting = ?, enabled = ?, assistant = ?, updated_at = ? WHERE id = ?',
    ).run(
      patch.name ?? current.name,
      JSON.stringify(patch.allowed_origins ?? current.allowed_origins),
      patch.greeting ?? current.greeting,
      (patch.enabled ?? current.enabled) ? 1 : 0,
      JSON.stringify(patch.assistant ?? current.assistant),
      now(),
      id,
    );
    return this.#tenant(id);
  }

  async createChat(chat: NewChat): Promise<ChatRecord> {
    const time = now();
    const record: ChatRecord = {
      id: newId(),
      ...chat,
      status: 'active',
      assigned_to: null,
      last_seq: 0,
      created_at: time,
      updated_at: time,
    };
    prepared(
      this.#db,
      `INSERT INTO chats (id, tenant_id, session_id, visitor_id, title, status, context, last_seq, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    ).run(
      record.id,
      record.tenant_id,
      record.session_id,
      record.visitor_id,
      record.title,
      record.status,
      JSON.stringify(record.context),
      time,
      time,
    );
    return record;
  }

  async getChat(tenant_id: string, chat_id: string): Promise<ChatRecord | undefined> {
    const row = prepared(this.#db, 'SELECT * FROM chats WHERE id = ? AND tenant_id = ?').get(
      chat_id,
      tenant_id,
    );
    return row ? toChat(row) : undefined;
  }

  async listChats(tenant_id: string, query: ChatQuery): Promise<ChatSlice> {
    // Row values keep the cursor exact when several chats share a created_at: ties go by id.
    const inbox = inboxConditions(query);
    const conditions = ['tenant_id = ?', ...inbox.conditions];
    const parameters: string[] = [tenant_id, ...inbox.parameters];
    if (query.session_id !== undefined) {
      conditions.push('session_id = ?');
      parameters.push(query.session_id);
    }
    if (query.before !== undefined) {
      conditions.push('(created_at, id) < (?, ?)');
      // Stored timestamps are all toISOString() text; a cursor must look the same to compare as text.
      parameters.push(normalizeTime(query.before.created_at), query.before.id);
    }
    // The filters make a few SQL texts (the search text is a parameter), so they are cached too.
    const rows = prepared(
      this.#db,
      `SELECT * FROM chats WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(...parameters, query.limit + 1);
    return { items: rows.slice(0, query.limit).map(toChat), has_more: rows.length > query.limit };
  }

  async chatActivity(tenant_id: string, chat_ids: readonly string[]): Promise<Map<string, ChatActivity>> {
    return this.#inbox.chatActivity(tenant_id, chat_ids);
  }

  async addNote(note: NewNote): Promise<NoteRecord | undefined> {
    return this.#inbox.addNote(note);
  }

  async listNotes(tenant_id: string, chat_id: string): Promise<NoteRecord[] | undefined> {
    return this.#inbox.listNotes(tenant_id, chat_id);
  }

  async updateChatStatus(
    tenant_id: string,
    chat_id: string,
    change: ChatStatusChange,
  ): Promise<ChatStatusResult | undefined> {
    return this.#chatState.updateChatStatus(tenant_id, chat_id, change);
  }

  async countVisitorMessagesSince(tenant_id: string, visitor_id: string, since: string): Promise<number> {
    return this.#chatState.countVisitorMessagesSince(tenant_id, visitor_id, since);
  }

  async addTokenUsage(tenant_id: string, day: string, usage: TokenUsage): Promise<void> {
    this.#chatState.addTokenUsage(tenant_id, day, usage);
  }

  async getTokenUsage(tenant_id: string, day: string): Promise<TokenUsage> {
    return this.#chatState.getTokenUsage(tenant_id, day);
  }

  async appendMessage(message: NewMessage): Promise<AppendResult | undefined> {
    return this.#messages.appendMessage(message);
  }

  async updateMessage(
    tenant_id: string,
    chat_id: string,
    message_id: string,
    patch: MessagePatch,
  ): Promise<MessageRecord | undefined> {
    return this.#messages.updateMessage(tenant_id, chat_id, message_id, patch);
  }

  async interruptStaleMessages(
    before: string,
  ): Promise<Array<{ tenant_id: string; message: MessageRecord }>> {
    return this.#messages.interruptStaleMessages(before);
  }

  async listUnansweredQuestions(
    tenant_id: string,
    query: { since: string; limit: number },
  ): Promise<UnansweredQuestion[]> {
    return listUnansweredQuestions(this.#db, tenant_id, query);
  }

  async listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Promise<MessageSlice | undefined> {
    return this.#messages.listMessages(tenant_id, chat_id, page);
  }

  #tenant(id: string): Tenant | undefined {
    const row = prepared(this.#db, 'SELECT * FROM tenants WHERE id = ?').get(id);
    return row ? toTenant(row) : undefined;
  }
}
