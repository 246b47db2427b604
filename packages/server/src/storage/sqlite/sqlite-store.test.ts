import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance } from '../store.conformance.ts';
import { SqliteStore } from './sqlite-store.ts';

describeStoreConformance('sqlite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-sqlite-'));
  return {
    open: async () => new SqliteStore({ path: join(directory, 'platform.db') }),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
});
