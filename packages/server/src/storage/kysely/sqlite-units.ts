/**
 * The SQLite glue, with the group commit of `sqlite/group-commit.ts` (decision 012) rebuilt on
 * Kysely's async connection: writes queued during one turn of the event loop share one
 * `BEGIN IMMEDIATE … COMMIT` (one fsync), each in its own SAVEPOINT, and every promise settles
 * only after the COMMIT returned. A write that throws or asks for a rollback is undone alone.
 *
 * The difference from the twin: `node:sqlite` is synchronous, but Kysely's calls are not, so the
 * group's transaction stays open across microtasks instead of within one synchronous call. The
 * group holds Kysely's connection (its mutex) from BEGIN to COMMIT, so no other Kysely query runs
 * inside it; statements that bypass Kysely on the same handle (the rest of `SqliteStore`) could,
 * which is a risk decision 013 records.
 */
import type { DatabaseSync } from 'node:sqlite';
import { Kysely, sql } from 'kysely';
import type { MessageTables } from './message-tables.ts';
import type { MessageUnits, Outcome, UnitWork } from './message-units.ts';
import { nodeSqliteDialect } from './node-sqlite-dialect.ts';

interface Pending {
  work: UnitWork<Outcome<unknown>>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

class KyselyGroupCommit {
  readonly #handle: DatabaseSync;
  readonly #db: Kysely<MessageTables>;
  #queue: Pending[] = [];
  #scheduled = false;
  /** The group being committed: a flush (from `close`) waits for it before closing the handle. */
  #running: Promise<void> = Promise.resolve();

  constructor(handle: DatabaseSync, db: Kysely<MessageTables>) {
    this.#handle = handle;
    this.#db = db;
  }

  run<T>(work: UnitWork<Outcome<T>>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Runs every queued write now; resolves once their group, and any group before it, settled. */
  flush(): Promise<void> {
    this.#running = this.#running.then(() => this.#flushNow());
    return this.#running;
  }

  async #flushNow(): Promise<void> {
    this.#scheduled = false;
    const group = this.#queue;
    this.#queue = [];
    if (group.length === 0) return;
    if (!this.#handle.isOpen) {
      for (const pending of group) pending.reject(new Error('The database is closed'));
      return;
    }
    let settled: Settled[] | undefined;
    try {
      settled = await this.#db.connection().execute((connection) => this.#commit(connection, group));
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    if (!settled) return;
    group.forEach((pending, index) => {
      const outcome = settled[index];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(outcome?.error);
    });
  }

  /** The group's transaction on the held connection; undefined (and every write rejected) when it failed. */
  async #commit(connection: Kysely<MessageTables>, group: Pending[]): Promise<Settled[] | undefined> {
    try {
      await sql`BEGIN IMMEDIATE`.execute(connection);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return undefined;
    }
    const settled: Settled[] = [];
    try {
      for (const pending of group) {
        await sql`SAVEPOINT group_member`.execute(connection);
        try {
          const outcome = await pending.work(connection);
          if (!outcome.commit) await sql`ROLLBACK TO group_member`.execute(connection);
          settled.push({ ok: true, value: outcome.value });
        } catch (error) {
          await sql`ROLLBACK TO group_member`.execute(connection);
          settled.push({ ok: false, error });
        }
        await sql`RELEASE group_member`.execute(connection);
      }
      await sql`COMMIT`.execute(connection);
      return settled;
    } catch (error) {
      // The transaction itself failed (disk full, I/O error): nothing of the group is durable.
      if (this.#handle.isTransaction) this.#handle.exec('ROLLBACK');
      for (const pending of group) pending.reject(error);
      return undefined;
    }
  }
}

export function sqliteUnits(handle: DatabaseSync): MessageUnits {
  const db = new Kysely<MessageTables>({ dialect: nodeSqliteDialect(handle) });
  const group = new KyselyGroupCommit(handle, db);
  return {
    db,
    write: (work) => group.run(work),
    writeOne: (work) => group.run(async (connection) => ({ value: await work(connection), commit: true })),
    // Holding the one connection keeps every group commit out until the reads are done.
    snapshot: (work) => db.connection().execute(work),
    flush: () => group.flush(),
  };
}
