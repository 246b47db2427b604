/**
 * The store for running at scale: PostgreSQL through a `pg` connection pool, so several server
 * instances can share one database.
 *
 * Timestamps are generated in JavaScript (`now()`) and read back through `decodeTime`, so both
 * stores return the same ISO 8601 format with milliseconds.
 */
import pg from 'pg';
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
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { PostgresAccounts } from './postgres-accounts.ts';
import { PostgresChatState } from './postgres-chat-state.ts';
import { addInboxConditions, PostgresInbox } from './postgres-inbox.ts';
import { PostgresKnowledge } from './postgres-knowledge.ts';
import { PostgresMessages } from './postgres-messages.ts';
import { PostgresPassageVectors } from './postgres-passage-vectors.ts';
import { listUnansweredQuestions } from './postgres-unanswered.ts';
import { isUniqueViolation, type Row, transaction } from './transaction.ts';

/** Options for {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`. */
  connectionString: string;
  /** Schema to keep the tables in, created by `migrate()`; the server's default search_path when absent. */
  schema?: string;
  /** Most connections the pool opens; pg's default (10) when absent. */
  max?: number;
  /** Builds the message half on the store's pool; `PostgresMessages` when absent (only the spike of decision 013 sets it). */
  messages?: (pool: pg.Pool) => MessageStreamPart;
}

/**
 * Key of the advisory lock that serialises migrations. Any fixed number works, as long as every
 * instance uses the same one and other applications sharing the database do not.
 */
const MIGRATION_LOCK_KEY = 7_105_301_911_262_023_001n;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/i;

/**
 * Tenants and chats here; messages in `postgres-messages.ts`; operators, sessions and keys in
 * `postgres-accounts.ts`; all on the same pool.
 */
export class PostgresStore extends DelegatingAccountStore implements Store {
  readonly kind = 'postgres' as const;
  readonly knowledge: KnowledgeStore;
  readonly vectors: PassageVectorStore;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #messages: MessageStreamPart;
  readonly #chatState: PostgresChatState;
  readonly #inbox: PostgresInbox;
  #closing: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error(`Invalid PostgreSQL schema name "${options.schema}"`);
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max,
      // Set at connection start-up, so every pooled connection sees the schema without an extra query.
      // Quoted so that the name keeps its case, exactly as `CREATE SCHEMA` below creates it.
      options: options.schema === undefined ? undefined : `-c search_path="${options.schema}"`,
    });
    // An idle connection fails when the database restarts; without a listener that error would crash
    // the process. The pool drops the connection and the next query opens a fresh one.
    pool.on('error', () => {});
    super(new PostgresAccounts(pool));
    this.#pool = pool;
    this.#schema = options.schema;
    this.#messages = options.messages?.(pool) ?? new PostgresMessages(pool);
    this.knowledge = new PostgresKnowledge(pool);
    this.vectors = new PostgresPassageVectors(pool);
    this.#chatState = new PostgresChatState(pool);
    this.#inbox = new PostgresInbox(pool);
  }

  async migrate(): Promise<number[]> {
    return transaction(this.#pool, async (client) => {
      // Held until COMMIT: another instance migrating at the same moment waits here, then finds
      // nothing left to apply. Taken before CREATE SCHEMA, which can itself race.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      if (this.#schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
      );
      const result = await client.query<Row>('SELECT version FROM schema_migrations');
      const applied = new Set(result.rows.map((row) => Number(row.version)));
      const done: number[] = [];
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          now(),
        ]);
        done.push(migration.version);
      }
      return { value: done, commit: true };
    });
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    // pg rejects a second `end()`; every caller awaits the first one instead.
    this.#closing ??= this.#pool.end();
    await this.#closing;
  }

  async createTenant(tenant: NewTenant): Promise<Tenant> {
    const time = now();
    try {
      const result = await this.#pool.query<Row>(
        `INSERT INTO tenants (id, name, allowed_origins, greeting, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, true, $5, $5) RETURNING *`,
        [tenant.id, tenant.name, JSON.stringify(tenant.allowed_origins ?? []), tenant.greeting ?? '', time],
      );
      return toTenant(result.rows[0] as Row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`Tenant "${tenant.id}" exists already`);
      throw error;
    }
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const result = await this.#pool.query<Row>('SELECT * FROM tenants WHERE id = $1', [id]);
    const row = result.rows[0];
    return row ? toTenant(row) : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    const result = await this.#pool.query<Row>('SELECT * FROM tenants ORDER BY id');
    return result.rows.map(toTenant);
  }

  async updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    // One statement, so two concurrent patches to different fields cannot undo each other.
    const result = await this.#pool.query<Row>(
      `UPDATE tenants SET
         name = COALESCE($2, name),
         allowed_origins = COALESCE($3::jsonb, allowed_origins),
         enabled = COALESCE($4, enabled),
         greeting = COALESCE($6, greeting),
         assistant = COALESCE($7::jsonb, assistant),
         updated_at = $5
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.name ?? null,
        patch.allowed_origins === undefined ? null : JSON.stringify(patch.allowed_origins),
        patch.enabled ?? null,
        now(),
        patch.greeting ?? null,
        patch.assistant === undefined ? null : JSON.stringify(patch.assistant),
      ],
    );
    const row = result.rows[0];
    return row ? toTenant(row) : undefined;
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
    await this.#pool.query(
      `INSERT INTO chats (id, tenant_id, session_id, visitor_id, title, status, context, last_seq, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8)`,
      [
        record.id,
        record.tenant_id,
        record.session_id,
        record.visitor_id,
        record.title,
        record.status,
        JSON.stringify(record.context),
        time,
      ],
    );
    return record;
  }

  async getChat(tenant_id: string, chat_id: string): Promise<ChatRecord | undefined> {
    const result = await this.#pool.query<Row>('SELECT * FROM chats WHERE id = $1 AND tenant_id = $2', [
      chat_id,
      tenant_id,
    ]);
    const row = result.rows[0];
    return row ? toChat(row) : undefined;
  }

  async listChats(tenant_id: string, query: ChatQuery): Promise<ChatSlice> {
    const parameters: unknown[] = [];
    const parameter = (value: unknown) => `$${parameters.push(value)}`;
    const conditions = [`tenant_id = ${parameter(tenant_id)}`];
    addInboxConditions(query, conditions, parameter);
    if (query.session_id !== undefined) conditions.push(`session_id = ${parameter(query.session_id)}`);
    if (query.before !== undefined) {
      // The row comparison keeps the cursor exact when chats share a created_at: ties go by id,
      // compared bytewise, as the index sorts it and as SQLite does.
      const created_at = parameter(normalizeTime(query.before.created_at));
      conditions.push(
        `(created_at, id COLLATE "C") < (${created_at}::timestamptz, ${parameter(query.before.id)})`,
      );
    }
    const result = await this.#pool.query<Row>(
      `SELECT * FROM chats WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT ${parameter(query.limit + 1)}`,
      parameters,
    );
    return {
      items: result.rows.slice(0, query.limit).map(toChat),
      has_more: result.rows.length > query.limit,
    };
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
    await this.#chatState.addTokenUsage(tenant_id, day, usage);
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
    return listUnansweredQuestions(this.#pool, tenant_id, query);
  }

  async listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Promise<MessageSlice | undefined> {
    return this.#messages.listMessages(tenant_id, chat_id, page);
  }
}
