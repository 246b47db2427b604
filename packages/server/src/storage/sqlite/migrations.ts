/**
 * SQLite schema, one entry per version. Never edit an applied entry: add a new one.
 * Mirrors `../postgres/migrations.ts`; the conformance suite keeps the two honest.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'tenants, chats, messages',
    sql: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        allowed_origins TEXT NOT NULL DEFAULT '[]',
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        session_id TEXT NOT NULL,
        visitor_id TEXT NOT NULL,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        context TEXT NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX chats_by_tenant ON chats (tenant_id, created_at);
      CREATE INDEX chats_by_visitor ON chats (tenant_id, visitor_id);

      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL,
        client_message_id TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (chat_id, seq),
        UNIQUE (chat_id, client_message_id)
      ) STRICT;
    `,
  },
];
