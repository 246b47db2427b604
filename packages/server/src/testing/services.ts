/**
 * Finds the real services tests run against. On a developer's machine without PostgreSQL or Redis a suite
 * may skip; under CI (`CI=true`) a missing service is a failure, so nothing is silently skipped.
 */
import { Redis } from 'ioredis';
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

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The Redis URL to test against, or undefined when none answers and CI is not set. */
export async function findTestRedis(): Promise<string | undefined> {
  const url = process.env.TEST_REDIS_URL ?? DEFAULT_REDIS_URL;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The connection's own error (ECONNREFUSED…) says more than the rejection ("Connection is closed").
  let cause: Error | undefined;
  client.on('error', (error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch (error) {
    if (process.env.CI) throw new Error(`CI needs Redis at ${url}: ${(cause ?? (error as Error)).message}`);
    return undefined;
  } finally {
    client.disconnect();
  }
}
