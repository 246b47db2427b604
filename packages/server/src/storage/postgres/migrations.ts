/**
 * PostgreSQL schema, one entry per version. Never edit an applied entry: add a new one.
 * Mirrors `../sqlite/migrations.ts`; the conformance suite keeps the two honest.
 *
 * Ids are `text`, not `uuid`, as in SQLite: a malformed chat id in a URL must find nothing rather
 * than fail with an invalid-input error.
 */
export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'tenants, chats, messages',
    sql: `
      CREATE TABLE tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        allowed_origins jsonb NOT NULL DEFAULT '[]',
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE chats (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        session_id text NOT NULL,
        visitor_id text NOT NULL,
        title text NOT NULL,
        status text NOT NULL,
        context jsonb NOT NULL,
        last_seq integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX chats_by_tenant ON chats (tenant_id, created_at);
      CREATE INDEX chats_by_visitor ON chats (tenant_id, visitor_id);

      CREATE TABLE messages (
        id text PRIMARY KEY,
        chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        role text NOT NULL,
        content text NOT NULL,
        metadata jsonb NOT NULL,
        client_message_id text,
        created_at timestamptz NOT NULL,
        UNIQUE (chat_id, seq),
        UNIQUE (chat_id, client_message_id)
      );
    `,
  },
];
