/** What the PostgreSQL store and its account half share: the transaction helper and error checks. */
import pg from 'pg';

/** A row as pg returns it. */
export type Row = Record<string, unknown>;

/** What a transaction's work produced, and whether to keep its writes. */
export interface Outcome<T> {
  value: T;
  commit: boolean;
}

/** Runs `work` on one pooled connection between `begin` and COMMIT or ROLLBACK; ROLLBACK when it throws. */
export async function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<Outcome<T>>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const outcome = await work(client);
    await client.query(outcome.commit ? 'COMMIT' : 'ROLLBACK');
    return outcome.value;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    // A connection that cannot even roll back is unusable: passing the error makes the pool discard it.
    client.release(broken);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === '23505';
}
