import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { describeKnowledgeConformance } from '../knowledge.conformance.ts';
import { describePassageVectorConformance } from '../passage-vectors.conformance.ts';
import { passageHash } from '../records.ts';
import type { StoreHarness } from '../store.conformance.ts';
import { SqliteStore } from './sqlite-store.ts';

/** A database file in a directory of its own, removed after the suite. */
async function harness(): Promise<StoreHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-sqlite-knowledge-'));
  return {
    open: async () => new SqliteStore({ path: join(directory, 'platform.db') }),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

describeKnowledgeConformance('sqlite', harness);
describePassageVectorConformance('sqlite', harness);

describe('sqlite migration 6', () => {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-sqlite-migration-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('hashes the passages stored before it as new inserts do, and keeps them searchable', async () => {
    const path = join(directory, 'platform.db');
    const store = new SqliteStore({ path });
    await store.migrate();
    await store.createTenant({ id: 'old', name: 'Old' });
    await store.knowledge.upsertDocument({
      tenant_id: 'old',
      source: 'a.md',
      title: 'Café guide',
      url: null,
      format: 'markdown',
      body: 'x',
      passages: [{ heading: 'Menü', text: 'Espresso and crème brûlée.' }],
    });
    await store.close();
    // Back to version 5: no hash column, no vector table.
    const db = new DatabaseSync(path);
    db.exec(`DROP INDEX knowledge_passages_by_hash; DROP TABLE knowledge_vectors;
      ALTER TABLE knowledge_passages DROP COLUMN text_hash; DELETE FROM schema_migrations WHERE version = 6;`);
    db.close();

    const reopened = new SqliteStore({ path });
    expect(await reopened.migrate()).toEqual([6]);
    const [missing] = await reopened.vectors.missing('old', 'm', { limit: 5 });
    expect(missing?.text_hash).toBe(passageHash('Café guide', 'Menü', 'Espresso and crème brûlée.'));
    expect(await reopened.knowledge.search('old', 'espresso', { limit: 5 })).toHaveLength(1);
    await reopened.close();
  });
});
