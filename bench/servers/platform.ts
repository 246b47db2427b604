/**
 * The platform under test, built from the source tree at `--root` (this checkout, or the commit
 * before the optimisations extracted by bench/run.ts), with every rate limit lifted so that the
 * benchmark measures the work, not the limiter. Logs are off (`LOG_LEVEL=silent`).
 *
 * Arguments: --root DIR --store sqlite|postgres --data DIR [--pg URL] [--schema NAME]
 * With --schema, several instances share one PostgreSQL schema (and, through REDIS_URL, one bus).
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
if (values.store === 'postgres') {
  const { PostgresStore } = await import(join(server, 'storage/postgres/postgres-store.ts'));
  schema = values.schema ?? `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  store = new PostgresStore({ connectionString: values.pg, schema });
}
const platform = await buildApp({ config, ...(store ? { store } : {}) });
await platform.app.listen({ port: 0, host: '127.0.0.1' });
const address = platform.app.server.address();
reportReady(typeof address === 'object' && address ? address.port : 0, async () => {
  await platform.app.close();
  if (store && schema) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: values.pg });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await store.close();
  }
});
