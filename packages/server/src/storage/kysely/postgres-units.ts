/**
 * The PostgreSQL glue: a write is a READ COMMITTED transaction on one pooled connection, a
 * one-statement write goes straight to the pool, and a snapshot is a REPEATABLE READ READ ONLY
 * transaction, as in `postgres-messages.ts`.
 *
 * Kysely's pg driver sends every query unnamed, so PostgreSQL parses and plans it each time; the
 * twin names its hot statements (decision 012). With `nameStatements` (the default) the glue
 * names every parameterised statement after its SQL text, so each pooled connection prepares it
 * once, as the twin's do; the bench can turn it off to measure stock Kysely.
 */
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
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

/** Statement names by SQL text, shared by every pool: a text keeps its name, so each connection prepares it once. */
const names = new Map<string, string>();
const nameOf = (text: string) => {
  let name = names.get(text);
  if (!name) {
    name = `kysely.${names.size + 1}`;
    names.set(text, name);
  }
  return name;
};

/** The store's pool as Kysely sees it, with statements named; Kysely never ends it (the store does). */
function namingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query: ((text: string, values: unknown[]) =>
          values.length === 0
            ? client.query(text)
            : client.query({ name: nameOf(text), text, values })) as pg.PoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy),
      };
    },
    end: async () => {},
    options: pool.options,
  };
}

/** Options for {@link postgresUnits}. */
export interface PostgresUnitsOptions {
  /** Name parameterised statements so pg prepares each once per connection; default true. */
  nameStatements?: boolean;
}

export function postgresUnits(pool: pg.Pool, options: PostgresUnitsOptions = {}): MessageUnits {
  const dialect = new PostgresDialect({
    // Stock Kysely takes the pool as it is; it would end it only on `destroy()`, never called here.
    pool: options.nameStatements === false ? pool : namingPool(pool),
  });
  const db = new Kysely<MessageTables>({ dialect });
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
