/**
 * Group commit for the SQLite store (issue 16, decision 012): writes that arrive together share
 * one transaction, so one fsync, instead of one each.
 *
 * Why: with `synchronous = FULL` every COMMIT waits for an fsync, and `node:sqlite` waits on the
 * main thread. One transaction per message spent about 70 % of the server's time in that wait
 * under load. Writes queued during one turn of the event loop (the requests and frames read in one
 * poll phase) are run together when the loop reaches its check phase (`setImmediate`).
 *
 * Semantics, so every durability and exactly-once guarantee holds:
 * - each write runs in its own SAVEPOINT inside the shared transaction: one that throws is rolled
 *   back alone and rejects alone; the others still commit;
 * - every promise settles only after the COMMIT returned: nothing is acknowledged before it is
 *   durable, and if the COMMIT fails, every write of the group rejects (none was acknowledged);
 * - writes run in the order they were queued, one after another, on the one handle: a write sees
 *   the writes queued before it (two resends of one `client_message_id` in one group store one).
 */
import type { DatabaseSync } from 'node:sqlite';
import { prepared } from './transaction.ts';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  readonly #db: DatabaseSync;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Runs `work` in the next group's transaction; resolves with its result once that commits. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  /** Runs every queued write now (also what `close` calls, so nothing queued is lost). */
  flush(): void {
    if (this.#queue.length > 0) this.#flush();
  }

  #flush(): void {
    this.#scheduled = false;
    const group = this.#queue;
    this.#queue = [];
    if (group.length === 0 || !this.#db.isOpen) {
      for (const pending of group) pending.reject(new Error('The database is closed'));
      return;
    }
    const db = this.#db;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // IMMEDIATE: the write lock up front, so another process on the file waits (busy_timeout).
      prepared(db, 'BEGIN IMMEDIATE').run();
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    try {
      for (const pending of group) {
        prepared(db, 'SAVEPOINT group_member').run();
        try {
          outcomes.push({ ok: true, value: pending.work() });
          prepared(db, 'RELEASE group_member').run();
        } catch (error) {
          prepared(db, 'ROLLBACK TO group_member').run();
          prepared(db, 'RELEASE group_member').run();
          outcomes.push({ ok: false, error });
        }
      }
      prepared(db, 'COMMIT').run();
    } catch (error) {
      // The transaction itself failed (disk full, I/O error): nothing of the group is durable.
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const pending of group) pending.reject(error);
      return;
    }
    group.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(outcome?.error);
    });
  }
}
