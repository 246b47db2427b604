import { dropSchema, findTestPostgres, uniqueSchema, withPostgresClient } from '../../testing/services.ts';
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
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { PostgresStore } from './postgres-store.ts';

/** A schema of its own per suite, so the suites can run in parallel on one database. */
async function harness(): Promise<StoreHarness | undefined> {
  const url = await findTestPostgres();
  if (!url) return undefined;
  const schema = uniqueSchema('store');
  return {
    open: async () => new PostgresStore({ connectionString: url, schema }),
    destroy: () => dropSchema(url, schema),
  };
}

/** A schema of its own with the migrations up to `version` applied, as `migrate()` would have. */
async function legacy(url: string, version: number): Promise<LegacyDatabase> {
  const schema = uniqueSchema('legacy');
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
    open: async () => new PostgresStore({ connectionString: url, schema }),
    destroy: () => dropSchema(url, schema),
  };
}

async function streamHarness(): Promise<MessageStreamHarness | undefined> {
  const url = await findTestPostgres();
  const base = await harness();
  if (!url || !base) return undefined;
  return { ...base, legacy: (version) => legacy(url, version) };
}

describeStoreConformance('postgres', harness);
describeAccountStoreConformance('postgres', harness);
describeChatStateConformance('postgres', harness);
describeInboxConformance('postgres', harness);
describeUnansweredConformance('postgres', harness);
describeMessageStreamConformance('postgres', streamHarness);
