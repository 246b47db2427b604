/**
 * A tenant with a small help center of Markdown pages in an in-memory SQLite store, asked as a
 * visitor asks: what the built-in responder's tests of its answers start from.
 */
import { afterAll, beforeAll } from 'vitest';
import { ask, evalResponder, type Reply } from '../../../../eval/ask.ts';
import { prepareDocument } from '../knowledge/prepare-document.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';

/**
 * Registers the store's set-up and tear-down with the enclosing `describe`, and returns how to ask
 * the tenant a question (a visitor's first message, default settings).
 */
export function helpCenter(
  tenantId: string,
  pages: Record<string, string>,
): (question: string) => Promise<Reply> {
  const store = new SqliteStore({ path: ':memory:' });
  const tenant = { id: tenantId, name: 'Acme' };
  const responder = evalResponder(store.knowledge);
  beforeAll(async () => {
    await store.migrate();
    await store.createTenant({ id: tenant.id, name: tenant.name, allowed_origins: [] });
    for (const [source, body] of Object.entries(pages)) {
      await store.knowledge.upsertDocument(
        prepareDocument({ tenant_id: tenant.id, source, body, format: 'markdown' }),
      );
    }
  });
  afterAll(() => store.close());
  return (question) => ask(responder, tenant, question);
}
