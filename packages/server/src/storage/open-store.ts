/** Picks the store the configuration asks for: PostgreSQL when `DATABASE_URL` is set, else SQLite. */
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Store {
  return config.databaseUrl
    ? new PostgresStore({ connectionString: config.databaseUrl })
    : new SqliteStore({ path: join(config.dataDir, 'platform.db') });
}
