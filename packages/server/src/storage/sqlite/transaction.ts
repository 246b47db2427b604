/** What the SQLite store and its account half share: the transaction helper and error checks. */
import type { DatabaseSync } from 'node:sqlite';

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
