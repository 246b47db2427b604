/**
 * Kysely over `node:sqlite`, which is not one of Kysely's built-in drivers. Kysely's own
 * `SqliteDialect` only needs a better-sqlite3-shaped handle (`prepare` → `reader`, `all`, `run`),
 * so this adapts `DatabaseSync` to that shape instead of adding a dialect package
 * (`kysely-generic-sqlite` would do the same through a further layer of executors).
 *
 * Statements come from the store's own cache (`prepared`), so the spike compiles each SQL text
 * once per handle, as the hand-written twin does. Kysely's runtime puts a mutex in front of this
 * single connection (`supportsMultipleConnections` is false for SQLite): one query or one
 * held connection at a time.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { SqliteDialect, type SqliteStatement } from 'kysely';
import { prepared } from '../sqlite/transaction.ts';

/** One adapter per compiled statement; `reader` asks SQLite once whether it returns rows. */
const adapters = new WeakMap<StatementSync, SqliteStatement>();

function adapt(statement: StatementSync): SqliteStatement {
  let adapter = adapters.get(statement);
  if (!adapter) {
    const bind = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
    adapter = {
      // RETURNING makes an UPDATE a reader too: it has result columns.
      reader: statement.columns().length > 0,
      all: (parameters) => statement.all(...bind(parameters)),
      run: (parameters) => statement.run(...bind(parameters)),
      iterate: (parameters) => statement.iterate(...bind(parameters)),
    };
    adapters.set(statement, adapter);
  }
  return adapter;
}

/** A Kysely dialect on a handle the store owns: Kysely never closes it. */
export function nodeSqliteDialect(db: DatabaseSync): SqliteDialect {
  return new SqliteDialect({
    database: {
      close: () => {},
      prepare: (sql) => adapt(prepared(db, sql)),
    },
  });
}
