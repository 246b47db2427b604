/** What the SQLite store and its account half share: the transaction helper and error checks. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * Runs `work` between `BEGIN IMMEDIATE` and COMMIT, or ROLLBACK when it throws. IMMEDIATE takes
 * the write lock up front, so a second process on the same file waits (busy_timeout) rather than
 * failing half-way when it tries to write after reading.
 */
export function immediateTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/.test(error.message);
}

/** Compiled statements per handle, by SQL text. */
const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/**
 * `db.prepare(sql)`, compiled once per handle and reused: compiling in every store call took
 * about 10 % of the CPU of `POST …/messages` (issue 16). SQL texts are literals (or built from a
 * few fixed parts), so the cache stays small.
 */
export function prepared(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}
