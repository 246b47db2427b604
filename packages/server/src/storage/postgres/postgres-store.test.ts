import { dropSchema, findTestPostgres, uniqueSchema } from '../../testing/services.ts';
import { describeStoreConformance } from '../store.conformance.ts';
import { PostgresStore } from './postgres-store.ts';

describeStoreConformance('postgres', async () => {
  const url = await findTestPostgres();
  if (!url) return undefined;
  const schema = uniqueSchema('store');
  return {
    open: async () => new PostgresStore({ connectionString: url, schema }),
    destroy: () => dropSchema(url, schema),
  };
});
