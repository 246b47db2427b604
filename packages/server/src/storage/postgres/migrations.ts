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
  {
    version: 2,
    name: 'greeting, operators, sessions, refresh tokens, invitations, api keys, chat listing',
    sql: `
      ALTER TABLE tenants ADD COLUMN greeting text NOT NULL DEFAULT '';

      -- UNIQUE (tenant_id, id) is redundant with the primary key but lets sessions reference
      -- (tenant_id, operator_id), so a session can never pair one tenant with another's operator.
      CREATE TABLE operators (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (tenant_id, email),
        UNIQUE (tenant_id, id)
      );

      CREATE TABLE auth_sessions (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        operator_id text NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        FOREIGN KEY (tenant_id, operator_id) REFERENCES operators (tenant_id, id) ON DELETE CASCADE,
        UNIQUE (id, tenant_id, operator_id)
      );
      CREATE INDEX auth_sessions_by_operator ON auth_sessions (tenant_id, operator_id);

      -- Deleting an operator reaches its tokens through its sessions only: one cascade path, so
      -- the delete locks session then token rows in the same order as a rotation does.
      CREATE TABLE refresh_tokens (
        id text PRIMARY KEY,
        session_id text NOT NULL,
        tenant_id text NOT NULL,
        operator_id text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        replaced_by text,
        FOREIGN KEY (session_id, tenant_id, operator_id)
          REFERENCES auth_sessions (id, tenant_id, operator_id) ON DELETE CASCADE
      );
      CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id, tenant_id, operator_id);

      -- invited_by and created_by are a record of who did it, not a reference: removing that
      -- operator leaves the invitations and keys they made as they are.
      CREATE TABLE invitations (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        email text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
        token_hash text NOT NULL UNIQUE,
        invited_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz
      );

      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'agent')),
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      );
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

      -- listChats walks (created_at, id) downwards; the new index covers what chats_by_tenant did.
      -- id sorts bytewise (COLLATE "C"), as in SQLite, whatever the database's collation.
      DROP INDEX chats_by_tenant;
      CREATE INDEX chats_by_tenant_recent ON chats (tenant_id, created_at, id COLLATE "C");
      CREATE INDEX chats_by_tenant_status ON chats (tenant_id, status, created_at, id COLLATE "C");
    `,
  },
  {
    version: 3,
    name: 'message status and updated_at for streamed replies, chats by session',
    sql: `
      ALTER TABLE messages ADD COLUMN status text NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'streaming', 'stopped', 'interrupted'));

      -- Every existing row takes its created_at; only then can the column be NOT NULL.
      ALTER TABLE messages ADD COLUMN updated_at timestamptz;
      UPDATE messages SET updated_at = created_at;
      ALTER TABLE messages ALTER COLUMN updated_at SET NOT NULL;

      -- interruptStaleMessages looks for streaming messages not updated for a while: only the few
      -- that are streaming right now are in this index.
      CREATE INDEX messages_streaming_by_updated ON messages (updated_at) WHERE status = 'streaming';

      -- listChats filtered by session, in its (created_at, id) order.
      CREATE INDEX chats_by_tenant_session ON chats (tenant_id, session_id, created_at, id COLLATE "C");
    `,
  },
  {
    version: 4,
    name: 'assistant settings, chat assignment, daily token usage',
    sql: `
      -- A tenant's assistant settings (persona, prompt, LLM overrides, budget) as one JSON object.
      ALTER TABLE tenants ADD COLUMN assistant jsonb NOT NULL DEFAULT '{}';

      -- The operator who took the chat over; null while the assistant (or nobody) has it.
      ALTER TABLE chats ADD COLUMN assigned_to text;

      -- LLM tokens spent per tenant and UTC day, for the daily budget.
      CREATE TABLE token_usage (
        tenant_id text NOT NULL REFERENCES tenants(id),
        day text NOT NULL,
        input_tokens bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, day)
      );

      -- The per-visitor reply guard counts a visitor's recent messages across their chats.
      CREATE INDEX messages_by_chat_created ON messages (chat_id, created_at);
    `,
  },
  {
    version: 5,
    name: 'knowledge base',
    sql: `
      -- UNIQUE (tenant_id, id) is redundant with the primary key but lets passages reference
      -- (tenant_id, document_id), so a passage can never carry another tenant's id than its document.
      CREATE TABLE knowledge_documents (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        source text NOT NULL,
        title text NOT NULL,
        url text,
        format text NOT NULL CHECK (format IN ('markdown', 'html', 'text')),
        body text NOT NULL,
        content_hash text NOT NULL,
        passage_count integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (tenant_id, source),
        UNIQUE (tenant_id, id)
      );
      CREATE INDEX knowledge_documents_by_title ON knowledge_documents (tenant_id, title COLLATE "C", id COLLATE "C");

      -- The document's title is copied onto each passage because a generated column can read only
      -- its own row; a title change rewrites the passages anyway (it changes the content hash).
      CREATE TABLE knowledge_passages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        document_id text NOT NULL,
        tenant_id text NOT NULL,
        ordinal integer NOT NULL,
        title text NOT NULL,
        heading text NOT NULL,
        text text NOT NULL,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') ||
          setweight(to_tsvector('english', heading), 'B') ||
          setweight(to_tsvector('english', text), 'C')
        ) STORED,
        FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id) ON DELETE CASCADE,
        UNIQUE (tenant_id, document_id, ordinal)
      );
      CREATE INDEX knowledge_passages_search ON knowledge_passages USING gin (search);
    `,
  },
  {
    version: 6,
    name: 'passage content hashes and vectors',
    sql: `
      -- The key of a passage's vector: SHA-256 of its document's title, its heading and its text
      -- (records.ts passageHash). Written by every insert from here on; the rows already there are
      -- hashed here.
      ALTER TABLE knowledge_passages ADD COLUMN text_hash text NOT NULL DEFAULT '';
      UPDATE knowledge_passages SET text_hash =
        encode(sha256(convert_to(title || E'\\n' || heading || E'\\n' || text, 'UTF8')), 'hex');
      CREATE INDEX knowledge_passages_by_hash ON knowledge_passages (tenant_id, text_hash);

      -- Embedding vectors by content, not by passage: an upsert replaces passages, and unchanged
      -- text keeps its vector by keeping its hash. float32 little-endian in bytea, as in SQLite
      -- (no pgvector: the platform runs on a stock PostgreSQL). Identity ids only grow, so the
      -- count and the largest id together tell a cache whether anything changed.
      CREATE TABLE knowledge_vectors (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenants(id),
        model text NOT NULL,
        text_hash text NOT NULL,
        dimensions integer NOT NULL,
        vector bytea NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (tenant_id, model, text_hash)
      );
    `,
  },
  {
    version: 7,
    name: 'internal notes',
    sql: `
      -- Notes are staff-only and outside the chat's log: a seq of their own would leave holes in
      -- the seqs a visitor receives, which clients take for lost messages.
      CREATE TABLE chat_notes (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        chat_id text NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        after_seq integer NOT NULL,
        author_id text NOT NULL,
        author_name text NOT NULL,
        content text NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX chat_notes_by_chat ON chat_notes (chat_id, created_at);
    `,
  },
];
