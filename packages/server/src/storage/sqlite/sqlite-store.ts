/**
 * The embedded default store: one SQLite file through `node:sqlite`, in WAL mode.
 *
 * `node:sqlite` is synchronous, so each method runs to completion without interleaving inside
 * this process; `BEGIN IMMEDIATE` takes the write lock up front so that a second process on the
 * same file (a CLI next to a running server) waits instead of failing half-way.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DelegatingAccountStore } from '../delegating-account-store.ts';
import { newId, normalizeTime, now, toChat, toMessage, toTenant } from '../records.ts';
import {
  type AppendResult,
  type ChatQuery,
  type ChatRecord,
  type ChatSlice,
  ConflictError,
  type MessageRecord,
  type MessageSlice,
  type NewChat,
  type NewMessage,
  type NewTenant,
  type Store,
  type Tenant,
  type TenantPatch,
} from '../store.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SqliteAccounts } from './sqlite-accounts.ts';
import { immediateTransaction, isUniqueViolation } from './transaction.ts';

/** Options for {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. */
  path: string;
}

/** Tenants, chats and messages here; operators, sessions and keys in `sqlite-accounts.ts`, on the same handle. */
export class SqliteStore extends DelegatingAccountStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const db = new DatabaseSync(options.path, { enableForeignKeyConstraints: true });
    // FULL makes every acknowledged commit durable across power loss, not only a process crash.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    super(new SqliteAccounts(db));
    this.#db = db;
  }

  async migrate(): Promise<number[]> {
    return immediateTransaction(this.#db, () => {
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const applied = new Set(
        this.#db
          .prepare('SELECT version FROM schema_migrations')
          .all()
          .map((row) => Number(row.version)),
      );
      const done: number[] = [];
      for (const migration of SQLITE_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.#db.exec(migration.sql);
        this.#db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, now());
        done.push(migration.version);
      }
      return done;
    });
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  async createTenant(tenant: NewTenant): Promise<Tenant> {
    const time = now();
    try {
      this.#db
        .prepare(
          `INSERT INTO tenants (id, name, allowed_origins, greeting, enabled, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?)`,
        )
        .run(
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
    return this.#db.prepare('SELECT * FROM tenants ORDER BY id').all().map(toTenant);
  }

  async updateTenant(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    const current = this.#tenant(id);
    if (!current) return undefined;
    this.#db
      .prepare(
        'UPDATE tenants SET name = ?, allowed_origins = ?, greeting = ?, enabled = ?, updated_at = ? WHERE id = ?',
      )
      .run(
        patch.name ?? current.name,
        JSON.stringify(patch.allowed_origins ?? current.allowed_origins),
        patch.greeting ?? current.greeting,
        (patch.enabled ?? current.enabled) ? 1 : 0,
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
      last_seq: 0,
      created_at: time,
      updated_at: time,
    };
    this.#db
      .prepare(
        `INSERT INTO chats (id, tenant_id, session_id, visitor_id, title, status, context, last_seq, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      )
      .run(
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
    const row = this.#db
      .prepare('SELECT * FROM chats WHERE id = ? AND tenant_id = ?')
      .get(chat_id, tenant_id);
    return row ? toChat(row) : undefined;
  }

  async listChats(tenant_id: string, query: ChatQuery): Promise<ChatSlice> {
    // Row values keep the cursor exact when several chats share a created_at: ties go by id.
    const conditions = ['tenant_id = ?'];
    const parameters: string[] = [tenant_id];
    if (query.status !== undefined) {
      conditions.push('status = ?');
      parameters.push(query.status);
    }
    if (query.before !== undefined) {
      conditions.push('(created_at, id) < (?, ?)');
      // Stored timestamps are all toISOString() text; a cursor must look the same to compare as text.
      parameters.push(normalizeTime(query.before.created_at), query.before.id);
    }
    const rows = this.#db
      .prepare(
        `SELECT * FROM chats WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(...parameters, query.limit + 1);
    return { items: rows.slice(0, query.limit).map(toChat), has_more: rows.length > query.limit };
  }

  async appendMessage(message: NewMessage): Promise<AppendResult | undefined> {
    return immediateTransaction(this.#db, () => {
      const chat = this.#db
        .prepare('SELECT last_seq FROM chats WHERE id = ? AND tenant_id = ?')
        .get(message.chat_id, message.tenant_id);
      if (!chat) return undefined;
      if (message.client_message_id) {
        const earlier = this.#db
          .prepare('SELECT * FROM messages WHERE chat_id = ? AND client_message_id = ?')
          .get(message.chat_id, message.client_message_id);
        if (earlier) return { message: toMessage(earlier), created: false };
      }
      const record: MessageRecord = {
        id: newId(),
        chat_id: message.chat_id,
        seq: Number(chat.last_seq) + 1,
        role: message.role,
        content: message.content,
        metadata: message.metadata,
        client_message_id: message.client_message_id ?? null,
        created_at: now(),
      };
      this.#db
        .prepare(
          `INSERT INTO messages (id, chat_id, seq, role, content, metadata, client_message_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.id,
          record.chat_id,
          record.seq,
          record.role,
          record.content,
          JSON.stringify(record.metadata),
          record.client_message_id,
          record.created_at,
        );
      this.#db
        .prepare('UPDATE chats SET last_seq = ?, updated_at = ? WHERE id = ?')
        .run(record.seq, record.created_at, record.chat_id);
      return { message: record, created: true };
    });
  }

  async listMessages(
    tenant_id: string,
    chat_id: string,
    page: { after_seq: number; limit: number },
  ): Promise<MessageSlice | undefined> {
    const chat = this.#db
      .prepare('SELECT 1 FROM chats WHERE id = ? AND tenant_id = ?')
      .get(chat_id, tenant_id);
    if (!chat) return undefined;
    const rows = this.#db
      .prepare('SELECT * FROM messages WHERE chat_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(chat_id, page.after_seq, page.limit + 1);
    const total = this.#db.prepare('SELECT count(*) AS n FROM messages WHERE chat_id = ?').get(chat_id);
    return {
      items: rows.slice(0, page.limit).map(toMessage),
      total: Number(total?.n ?? 0),
      has_more: rows.length > page.limit,
    };
  }

  #tenant(id: string): Tenant | undefined {
    const row = this.#db.prepare('SELECT * FROM tenants WHERE id = ?').get(id);
    return row ? toTenant(row) : undefined;
  }
}
