/**
 * Finds the real services tests run against. On a developer's machine without PostgreSQL a suite
 * may skip; under CI (`CI=true`) a missing service is a failure, so nothing is silently skipped.
 */
import pg from 'pg';

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The PostgreSQL URL to test against, or undefined when none answers and CI is not set. */
export async function findTestPostgres(): Promise<string | undefined> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_POSTGRES_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch (error) {
    if (process.env.CI) throw new Error(`CI needs PostgreSQL at ${url}: ${(error as Error).message}`);
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A schema name no other test run uses, so suites can share one database in parallel. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Runs `work` on a connection of its own, closed afterwards whatever happens. */
export async function withPostgresClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops a schema made by {@link uniqueSchema}. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withPostgresClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
