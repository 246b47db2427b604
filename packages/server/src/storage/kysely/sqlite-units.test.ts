/**
 * The spike's group commit keeps the twin's semantics (see `sqlite/group-commit.test.ts`): one
 * transaction for writes that arrive together, each settled only after COMMIT, a failing or
 * rolled-back write undone alone, and `flush` committing what waits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageUnits } from './message-units.ts';
import { sqliteUnits } from './sqlite-units.ts';

describe('sqliteUnits (Kysely group commit)', () => {
  let directory: string;
  let writer: DatabaseSync;
  let reader: DatabaseSync;
  let units: MessageUnits;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'kysely-group-'));
    const path = join(directory, 'db.sqlite');
    writer = new DatabaseSync(path, { enableForeignKeyConstraints: true });
    writer.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
      CREATE TABLE parents (id INTEGER PRIMARY KEY);
      CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
        parent INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`);
    reader = new DatabaseSync(path);
    units = sqliteUnits(writer);
  });
  afterEach(() => {
    reader.close();
    writer.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Another connection's view: changes every time the writer commits a transaction. */
  const commits = () => Number(reader.prepare('PRAGMA data_version').get()?.data_version);
  const names = () =>
    reader
      .prepare('SELECT name FROM items ORDER BY id')
      .all()
      .map((row) => row.name);
  const insert = (name: string, parent: number | null = null, commit = true) =>
    units.write(async (db) => {
      const result = await sql`INSERT INTO items (name, parent) VALUES (${name}, ${parent})`.execute(db);
      return { value: Number(result.insertId), commit };
    });

  it('commits writes that arrive together in one transaction, in the order they came', async () => {
    const before = commits();
    const ids = await Promise.all(Array.from({ length: 10 }, (_, index) => insert(`m${index}`)));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(commits()).toBe(before + 1);
    await insert('later');
    expect(commits()).toBe(before + 2);
  });

  it('settles each write only once it is committed and visible to another connection', async () => {
    const seen: unknown[][] = [];
    await Promise.all(['a', 'b'].map((name) => insert(name).then(() => seen.push(names()))));
    expect(seen).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('undoes only the write that failed or asked for a rollback; the rest of its group commits', async () => {
    const results = await Promise.allSettled([
      insert('x'),
      insert('x'),
      insert('z', null, false),
      insert('y'),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(names()).toEqual(['x', 'y']);
  });

  it('rejects every write of a group whose COMMIT fails, and keeps none of them', async () => {
    // A deferred foreign key is checked at COMMIT: the whole transaction fails there.
    const results = await Promise.allSettled([insert('p'), insert('q', 99)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(names()).toEqual([]);
    expect(writer.isTransaction).toBe(false);
    await insert('r');
    expect(names()).toEqual(['r']);
  });

  it('commits what is queued on flush (before the handle closes)', async () => {
    const pending = insert('last');
    await units.flush();
    expect(names()).toEqual(['last']);
    await expect(pending).resolves.toBe(1);
  });
});
