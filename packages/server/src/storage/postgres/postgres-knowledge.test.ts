import { dropSchema, findTestPostgres, uniqueSchema } from '../../testing/services.ts';
import { describeKnowledgeConformance } from '../knowledge.conformance.ts';
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
