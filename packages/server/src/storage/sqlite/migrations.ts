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
  {
    version: 2,
    name: 'greeting, operators, sessions, refresh tokens, invitations, api keys, chat listing',
    sql: `
      ALTER TABLE tenants ADD COLUMN greeting TEXT NOT NULL DEFAULT '';

      -- UNIQUE (tenant_id, id) is redundant with the primary key but lets sessions reference
      -- (tenant_id, operator_id), so a session can never pair one tenant with another's operator.
      CREATE TABLE operators (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (tenant_id, email),
        UNIQUE (tenant_id, id)
      ) STRICT;

      CREATE TABLE auth_sessions (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        operator_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        revoked_reason TEXT,
        FOREIGN KEY (tenant_id, operator_id) REFERENCES operators (tenant_id, id) ON DELETE CASCADE,
        UNIQUE (id, tenant_id, operator_id)
      ) STRICT;
      CREATE INDEX auth_sessions_by_operator ON auth_sessions (tenant_id, operator_id);

      -- Deleting an operator reaches its tokens through its sessions only: one cascade path.
      CREATE TABLE refresh_tokens (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        operator_id TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        rotated_at TEXT,
        replaced_by TEXT,
        FOREIGN KEY (session_id, tenant_id, operator_id)
          REFERENCES auth_sessions (id, tenant_id, operator_id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id, tenant_id, operator_id);

      -- invited_by and created_by are a record of who did it, not a reference: removing that
      -- operator leaves the invitations and keys they made as they are.
      CREATE TABLE invitations (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        email TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
        token_hash TEXT NOT NULL UNIQUE,
        invited_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        accepted_at TEXT
      ) STRICT;

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        prefix TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
      CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

      -- listChats walks (created_at, id) downwards; the new index covers what chats_by_tenant did.
      DROP INDEX chats_by_tenant;
      CREATE INDEX chats_by_tenant_recent ON chats (tenant_id, created_at, id);
      CREATE INDEX chats_by_tenant_status ON chats (tenant_id, status, created_at, id);
    `,
  },
  {
    version: 3,
    name: 'message status and updated_at for streamed replies, chats by session',
    sql: `
      ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'streaming', 'stopped', 'interrupted'));

      -- ADD COLUMN ... NOT NULL needs a constant default; every row then takes its created_at,
      -- and every insert from here on writes updated_at itself.
      ALTER TABLE messages ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
      UPDATE messages SET updated_at = created_at;

      -- interruptStaleMessages looks for streaming messages not updated for a while: only the few
      -- that are streaming right now are in this index.
      CREATE INDEX messages_streaming_by_updated ON messages (updated_at) WHERE status = 'streaming';

      -- listChats filtered by session, in its (created_at, id) order.
      CREATE INDEX chats_by_tenant_session ON chats (tenant_id, session_id, created_at, id);
    `,
  },
  {
    version: 4,
    name: 'assistant settings, chat assignment, daily token usage',
    sql: `
      -- A tenant's assistant settings (persona, prompt, LLM overrides, budget) as one JSON object.
      ALTER TABLE tenants ADD COLUMN assistant TEXT NOT NULL DEFAULT '{}';

      -- The operator who took the chat over; null while the assistant (or nobody) has it.
      ALTER TABLE chats ADD COLUMN assigned_to TEXT;

      -- LLM tokens spent per tenant and UTC day, for the daily budget.
      CREATE TABLE token_usage (
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        day TEXT NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, day)
      ) STRICT;

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
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        source TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        format TEXT NOT NULL CHECK (format IN ('markdown', 'html', 'text')),
        body TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        passage_count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (tenant_id, source),
        UNIQUE (tenant_id, id)
      ) STRICT;
      CREATE INDEX knowledge_documents_by_title ON knowledge_documents (tenant_id, title, id);

      -- AUTOINCREMENT: a passage id is never reused, even after its document is replaced.
      CREATE TABLE knowledge_passages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        heading TEXT NOT NULL,
        text TEXT NOT NULL,
        FOREIGN KEY (tenant_id, document_id) REFERENCES knowledge_documents (tenant_id, id) ON DELETE CASCADE,
        UNIQUE (tenant_id, document_id, ordinal)
      ) STRICT;

      -- The index over passages, keyed by their rowid. Contentless (the text lives in
      -- knowledge_passages only) with contentless_delete, so a row leaves by its rowid alone. The
      -- triggers keep it in step with every write to knowledge_passages, including the cascade when
      -- a document is deleted, inside that write's transaction: a search never sees half a document.
      -- An external-content index could not do that: removing a row needs its old title, and the
      -- cascade runs after the document row is gone.
      CREATE VIRTUAL TABLE knowledge_search USING fts5 (
        title, heading, text,
        content = '', contentless_delete = 1,
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER knowledge_passages_index AFTER INSERT ON knowledge_passages BEGIN
        INSERT INTO knowledge_search (rowid, title, heading, text)
          VALUES (new.id, (SELECT title FROM knowledge_documents WHERE id = new.document_id), new.heading, new.text);
      END;
      CREATE TRIGGER knowledge_passages_reindex AFTER UPDATE ON knowledge_passages BEGIN
        DELETE FROM knowledge_search WHERE rowid = old.id;
        INSERT INTO knowledge_search (rowid, title, heading, text)
          VALUES (new.id, (SELECT title FROM knowledge_documents WHERE id = new.document_id), new.heading, new.text);
      END;
      CREATE TRIGGER knowledge_passages_unindex AFTER DELETE ON knowledge_passages BEGIN
        DELETE FROM knowledge_search WHERE rowid = old.id;
      END;
    `,
  },
  {
    version: 6,
    name: 'passage content hashes and vectors',
    sql: `
      -- The key of a passage's vector: SHA-256 of its document's title, its heading and its text
      -- (records.ts passageHash). Written by every insert from here on; the rows already there are
      -- hashed by sha256_hex(), which the store registers on its connection before migrating.
      ALTER TABLE knowledge_passages ADD COLUMN text_hash TEXT NOT NULL DEFAULT '';
      -- Only a change of what is indexed reindexes: setting text_hash must not touch the FTS index.
      DROP TRIGGER knowledge_passages_reindex;
      CREATE TRIGGER knowledge_passages_reindex AFTER UPDATE OF document_id, heading, text ON knowledge_passages BEGIN
        DELETE FROM knowledge_search WHERE rowid = old.id;
        INSERT INTO knowledge_search (rowid, title, heading, text)
          VALUES (new.id, (SELECT title FROM knowledge_documents WHERE id = new.document_id), new.heading, new.text);
      END;
      UPDATE knowledge_passages SET text_hash = sha256_hex(
        (SELECT title FROM knowledge_documents WHERE id = knowledge_passages.document_id)
          || char(10) || heading || char(10) || text);
      CREATE INDEX knowledge_passages_by_hash ON knowledge_passages (tenant_id, text_hash);

      -- Embedding vectors by content, not by passage: an upsert replaces passages, and unchanged
      -- text keeps its vector by keeping its hash. AUTOINCREMENT: ids only grow, so the count and
      -- the largest id together tell a cache whether anything changed (passage-vectors.ts version).
      CREATE TABLE knowledge_vectors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL REFERENCES tenants(id),
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (tenant_id, model, text_hash)
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'internal notes',
    sql: `
      -- Notes are staff-only and outside the chat's log: a seq of their own would leave holes in
      -- the seqs a visitor receives, which clients take for lost messages.
      CREATE TABLE chat_notes (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        after_seq INTEGER NOT NULL,
        author_id TEXT NOT NULL,
        author_name TEXT NOT NULL,
        content TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX chat_notes_by_chat ON chat_notes (chat_id, created_at);
    `,
  },
];
