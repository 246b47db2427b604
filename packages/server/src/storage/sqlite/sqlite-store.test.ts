import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describeAccountStoreConformance } from '../account-store.conformance.ts';
import { describeChatStateConformance } from '../chat-state.conformance.ts';
import { describeInboxConformance } from '../inbox.conformance.ts';
import {
  describeMessageStreamConformance,
  type LegacyDatabase,
  type MessageStreamHarness,
} from '../message-stream.conformance.ts';
import { describeStoreConformance, type StoreHarness } from '../store.conformance.ts';
import { describeUnansweredConformance } from '../unanswered.conformance.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SqliteStore } from './sqlite-store.ts';

/** A database file in a directory of its own per suite. */
async function harness(): Promise<StoreHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-sqlite-'));
  return {
    open: async () => new SqliteStore({ path: join(directory, 'platform.db') }),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** A database file of its own with the migrations up to `version` applied, as `migrate()` would have. */
async function legacy(version: number): Promise<LegacyDatabase> {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-sqlite-legacy-'));
  const path = join(directory, 'platform.db');
  const exec = async (sql: string) => {
    const db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  await exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  for (const migration of SQLITE_MIGRATIONS.filter((entry) => entry.version <= version)) {
    await exec(
      `${migration.sql};
       INSERT INTO schema_migrations (version, name, applied_at)
         VALUES (${migration.version}, '${migration.name}', '${new Date().toISOString()}');`,
    );
  }
  return {
    exec,
    open: async () => new SqliteStore({ path }),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

async function streamHarness(): Promise<MessageStreamHarness> {
  return { ...(await harness()), legacy };
}

describeStoreConformance('sqlite', harness);
describeAccountStoreConformance('sqlite', harness);
describeChatStateConformance('sqlite', harness);
describeInboxConformance('sqlite', harness);
describeUnansweredConformance('sqlite', harness);
describeMessageStreamConformance('sqlite', streamHarness);
