/**
 * The platform under test, built from the source tree at `--root` (this checkout, or the commit
 * before the optimisations extracted by bench/run.ts), with every rate limit lifted so that the
 * benchmark measures the work, not the limiter. Logs are off (`LOG_LEVEL=silent`).
 *
 * Arguments: --root DIR --store sqlite|postgres --data DIR [--pg URL] [--schema NAME]
 *            [--messages twins|kysely|kysely-unnamed]
 *
 * With --schema, several instances share one PostgreSQL schema (and, through REDIS_URL, one bus).
 * `--messages kysely` swaps the store's message half for the storage spike of decision 013
 * (`storage/kysely/`), through the stores' `messages` option; `kysely-unnamed` is the same on
 * PostgreSQL with Kysely's stock pg driver (unnamed statements). The default is the production twins.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { reportReady } from '../lib/report-server.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    data: { type: 'string' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    messages: { type: 'string', default: 'twins' },
    schema: { type: 'string' },
  },
});
const root = resolve(values.root ?? '.');
const server = join(root, 'packages/server/src');
const { buildApp } = await import(join(server, 'app.ts'));
const { loadConfig, DEFAULT_RATE_LIMITS } = await import(join(server, 'config.ts'));

const config = loadConfig({
  ...process.env,
  LOG_LEVEL: 'silent',
  DATA_DIR: values.data ?? join(root, '.bench-data'),
  MIPTECH_DEMO: 'true',
  RESPONDER: process.env.RESPONDER ?? 'none',
});
// Both trees get the same lifted limits, whether or not they read RATE_LIMIT_* variables.
config.rateLimits = Object.fromEntries(Object.keys(DEFAULT_RATE_LIMITS).map((name) => [name, 1_000_000_000]));

let store: { close(): Promise<void> } | undefined;
let schema: string | undefined;
const spike = values.messages.startsWith('kysely')
  ? await import(join(server, 'storage/kysely/kysely-messages.ts'))
  : undefined;
if (values.store === 'postgres') {
  const { PostgresStore } = await import(join(server, 'storage/postgres/postgres-store.ts'));
  schema = values.schema ?? `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const nameStatements = values.messages !== 'kysely-unnamed';
  const messages = spike && ((pool: unknown) => spike.postgresKyselyMessages(pool, { nameStatements }));
  store = new PostgresStore({ connectionString: values.pg, schema, messages });
} else if (spike) {
  // The same file the platform would open from DATA_DIR, with the spike's message half.
  const { SqliteStore } = await import(join(server, 'storage/sqlite/sqlite-store.ts'));
  store = new SqliteStore({
    path: join(config.dataDir, 'platform.db'),
    messages: spike.sqliteKyselyMessages,
  });
}
const platform = await buildApp({ config, ...(store ? { store } : {}) });
await platform.app.listen({ port: 0, host: '127.0.0.1' });
const address = platform.app.server.address();
reportReady(typeof address === 'object' && address ? address.port : 0, async () => {
  await platform.app.close();
  if (store && !schema) await store.close();
  if (store && schema) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: values.pg });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await store.close();
  }
});
