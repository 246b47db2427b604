/**
 * The REST baseline: a bare Fastify route that inserts one row per request, into `node:sqlite`
 * (WAL, synchronous=FULL, as the platform) or PostgreSQL through `pg`, and answers its id.
 *
 * Arguments: --store sqlite|postgres --data DIR [--pg URL]
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { reportReady } from '../lib/report-server.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    data: { type: 'string', default: '.bench-data' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const app = Fastify({ logger: false });
let close = async () => {};

if (values.store === 'postgres') {
  const table = `bench_bare_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const pool = new pg.Pool({ connectionString: values.pg, max: 10 });
  await pool.query(
    `CREATE TABLE ${table} (id uuid PRIMARY KEY, chat_id text NOT NULL, content text NOT NULL, created_at timestamptz NOT NULL)`,
  );
  app.post('/messages/:chat', async (request) => {
    const id = randomUUID();
    const { content } = request.body as { content: string };
    await pool.query(`INSERT INTO ${table} (id, chat_id, content, created_at) VALUES ($1, $2, $3, now())`, [
      id,
      (request.params as { chat: string }).chat,
      content,
    ]);
    return { id };
  });
  close = async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  };
} else {
  mkdirSync(values.data, { recursive: true });
  const db = new DatabaseSync(join(values.data, `bare-${process.pid}.db`));
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, chat_id TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL)`);
  const insert = db.prepare('INSERT INTO messages (id, chat_id, content, created_at) VALUES (?, ?, ?, ?)');
  app.post('/messages/:chat', async (request) => {
    const id = randomUUID();
    const { content } = request.body as { content: string };
    insert.run(id, (request.params as { chat: string }).chat, content, new Date().toISOString());
    return { id };
  });
  close = async () => db.close();
}

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
reportReady(typeof address === 'object' && address ? address.port : 0, async () => {
  await app.close();
  await close();
});
