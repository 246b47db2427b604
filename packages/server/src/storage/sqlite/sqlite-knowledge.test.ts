import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKnowledgeConformance } from '../knowledge.conformance.ts';
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
