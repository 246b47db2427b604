/**
 * The spike of decision 013 held to the twins' contract: the store and message-stream conformance
 * suites, on SQLite and PostgreSQL, with the message half swapped for `KyselyMessages`. Everything
 * else in these stores is the ordinary code, so a failure here is the spike's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { dropSchema, findTestPostgres, uniqueSchema, withPostgresClient } from '../../testing/services.ts';
import {
  describeMessageStreamConformance,
  type LegacyDatabase,
  type MessageStreamHarness,
} from '../message-stream.conformance.ts';
import { POSTGRES_MIGRATIONS } from '../postgres/migrations.ts';
import { PostgresStore } from '../postgres/postgres-store.ts';
import { SQLITE_MIGRATIONS } from '../sqlite/migrations.ts';
import { SqliteStore } from '../sqlite/sqlite-store.ts';
import { describeStoreConformance } from '../store.conformance.ts';
import { postgresKyselyMessages, sqliteKyselyMessages } from './kysely-messages.ts';

const openSqlite = (path: string) => new SqliteStore({ path, messages: sqliteKyselyMessages });

async function sqliteLegacy(version: number): Promise<LegacyDatabase> {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-kysely-legacy-'));
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
    open: async () => openSqlite(path),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

async function sqliteHarness(): Promise<MessageStreamHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-kysely-'));
  return {
    open: async () => openSqlite(join(directory, 'platform.db')),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
    legacy: sqliteLegacy,
  };
}

const openPostgres = (url: string, schema: string) =>
  new PostgresStore({ connectionString: url, schema, messages: postgresKyselyMessages });

async function postgresLegacy(url: string, version: number): Promise<LegacyDatabase> {
  const schema = uniqueSchema('kysely_legacy');
  const exec = (sql: string) =>
    withPostgresClient(url, async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      await client.query(sql);
    });
  await withPostgresClient(url, (client) => client.query(`CREATE SCHEMA "${schema}"`));
  await exec(
    'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
  );
  for (const migration of POSTGRES_MIGRATIONS.filter((entry) => entry.version <= version)) {
    await exec(
      `${migration.sql};
       INSERT INTO schema_migrations (version, name, applied_at)
         VALUES (${migration.version}, '${migration.name}', now());`,
    );
  }
  return {
    exec,
    open: async () => openPostgres(url, schema),
    destroy: () => dropSchema(url, schema),
  };
}

async function postgresHarness(): Promise<MessageStreamHarness | undefined> {
  const url = await findTestPostgres();
  if (!url) return undefined;
  const schema = uniqueSchema('kysely');
  return {
    open: async () => openPostgres(url, schema),
    destroy: () => dropSchema(url, schema),
    legacy: (version) => postgresLegacy(url, version),
  };
}

describeStoreConformance('sqlite, Kysely messages', sqliteHarness);
describeMessageStreamConformance('sqlite, Kysely messages', sqliteHarness);
describeStoreConformance('postgres, Kysely messages', postgresHarness);
describeMessageStreamConformance('postgres, Kysely messages', postgresHarness);
