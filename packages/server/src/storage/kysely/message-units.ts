/**
 * What differs between the dialects once the SQL is written once: how a unit of work becomes a
 * transaction. The message stream states what it needs (a multi-statement write, a one-statement
 * write, a consistent read) and each dialect's glue says how.
 */
import type { Kysely } from 'kysely';
import type { MessageTables } from './message-tables.ts';

/** What a write's work produced, and whether to keep its writes (false undoes them, as ROLLBACK). */
export interface Outcome<T> {
  value: T;
  commit: boolean;
}

/** Work on a Kysely handle that is inside the unit's transaction, or a plain handle when none is needed. */
export type UnitWork<T> = (db: Kysely<MessageTables>) => Promise<T>;

export interface MessageUnits {
  /** The plain handle, for one statement that is atomic and durable on its own. */
  readonly db: Kysely<MessageTables>;
  /** Several statements as one transaction; resolves only once it committed (or rolled back). */
  write<T>(work: UnitWork<Outcome<T>>): Promise<T>;
  /** One write statement; resolves only once it committed. */
  writeOne<T>(work: UnitWork<T>): Promise<T>;
  /** Reads that must all see one snapshot. */
  snapshot<T>(work: UnitWork<T>): Promise<T>;
  /** Commits whatever waits for a group (SQLite); nothing to do elsewhere. */
  flush(): Promise<void>;
}
