import { dropSchema, findTestPostgres, uniqueSchema } from '../../testing/services.ts';
import { describeAccountStoreConformance } from '../account-store.conformance.ts';
import { describeStoreConformance, type StoreHarness } from '../store.conformance.ts';
import { PostgresStore } from './postgres-store.ts';

/** A schema of its own per suite, so the suites can run in parallel on one database. */
async function harness(): Promise<StoreHarness | undefined> {
  const url = await findTestPostgres();
  if (!url) return undefined;
  const schema = uniqueSchema('store');
  return {
    open: async () => new PostgresStore({ connectionString: url, schema }),
    destroy: () => dropSchema(url, schema),
  };
}

describeStoreConformance('postgres', harness);
describeAccountStoreConformance('postgres', harness);
