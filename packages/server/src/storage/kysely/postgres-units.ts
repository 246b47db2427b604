/**
 * The PostgreSQL glue: a write is a READ COMMITTED transaction on one pooled connection, a
 * one-statement write goes straight to the pool, and a snapshot is a REPEATABLE READ READ ONLY
 * transaction, as in `postgres-messages.ts`.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { MessageTables } from './message-tables.ts';
import type { MessageUnits, Outcome, UnitWork } from './message-units.ts';

/** Thrown to make Kysely roll back a transaction whose work asked for it; carries the value out. */
class Rollback {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

export function postgresUnits(pool: pg.Pool): MessageUnits {
  // Kysely never ends this pool: the store owns it and closes it.
  const db = new Kysely<MessageTables>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    async write<T>(work: UnitWork<Outcome<T>>): Promise<T> {
      try {
        return await db.transaction().execute(async (transaction) => {
          const outcome = await work(transaction);
          if (!outcome.commit) throw new Rollback(outcome.value);
          return outcome.value;
        });
      } catch (error) {
        if (error instanceof Rollback) return error.value as T;
        throw error;
      }
    },
    writeOne: (work) => work(db),
    snapshot: (work) =>
      db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(work),
    flush: async () => {},
  };
}
