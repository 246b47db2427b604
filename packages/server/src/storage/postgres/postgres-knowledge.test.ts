import { describe, expect, it } from 'vitest';
import { dropSchema, findTestPostgres, uniqueSchema, withPostgresClient } from '../../testing/services.ts';
import { describeKnowledgeConformance } from '../knowledge.conformance.ts';
import { describePassageVectorConformance } from '../passage-vectors.conformance.ts';
import { passageHash } from '../records.ts';
import type { StoreHarness } from '../store.conformance.ts';
import { PostgresStore } from './postgres-store.ts';

/** A schema of its own, so this suite runs beside the others on one database; skipped without PostgreSQL. */
async function harness(): Promise<StoreHarness | undefined> {
  const url = await findTestPostgres();
  if (!url) return undefined;
  const schema = uniqueSchema('knowledge');
  return {
    open: async () => new PostgresStore({ connectionString: url, schema }),
    destroy: () => dropSchema(url, schema),
  };
}

describeKnowledgeConformance('postgres', harness);
describePassageVectorConformance('postgres', harness);

describe('postgres migration 6', () => {
  it('hashes the passages stored before it as new inserts do, and keeps them searchable', async (context) => {
    const url = await findTestPostgres();
    if (!url) return context.skip('postgres is not available on this machine');
    const schema = uniqueSchema('migration');
    try {
      const store = new PostgresStore({ connectionString: url, schema });
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
      await withPostgresClient(url, (client) =>
        client.query(`SET search_path TO "${schema}";
          DROP TABLE knowledge_vectors; ALTER TABLE knowledge_passages DROP COLUMN text_hash;
          DELETE FROM schema_migrations WHERE version = 6;`),
      );
      const reopened = new PostgresStore({ connectionString: url, schema });
      expect(await reopened.migrate()).toEqual([6]);
      const [missing] = await reopened.vectors.missing('old', 'm', { limit: 5 });
      expect(missing?.text_hash).toBe(passageHash('Café guide', 'Menü', 'Espresso and crème brûlée.'));
      expect(await reopened.knowledge.search('old', 'espresso', { limit: 5 })).toHaveLength(1);
      await reopened.close();
    } finally {
      await dropSchema(url, schema);
    }
  });
});
