import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KnowledgeStore } from '../storage/knowledge-store.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { ingestSources, type SourceReport } from './ingest.ts';

const TENANT = 'acme';

/** The store, except that upserting `failingSource` throws, as a full disk would. */
function failingOn(knowledge: KnowledgeStore, failingSource: string): KnowledgeStore {
  return {
    search: (tenant_id, query, options) => knowledge.search(tenant_id, query, options),
    listDocuments: (tenant_id) => knowledge.listDocuments(tenant_id),
    getDocument: (tenant_id, document_id) => knowledge.getDocument(tenant_id, document_id),
    deleteDocument: (tenant_id, document_id) => knowledge.deleteDocument(tenant_id, document_id),
    countPassages: (tenant_id) => knowledge.countPassages(tenant_id),
    upsertDocument: async (document) => {
      if (document.source === failingSource) throw new Error('disk full');
      return knowledge.upsertDocument(document);
    },
  };
}

describe('ingestSources', () => {
  let directory: string;
  let store: SqliteStore;

  function write(path: string, content: string): void {
    mkdirSync(join(directory, path, '..'), { recursive: true });
    writeFileSync(join(directory, path), content);
  }

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'miptech-ingest-'));
    store = new SqliteStore({ path: join(directory, 'platform.db') });
    await store.migrate();
    await store.createTenant({ id: TENANT, name: 'Acme' });
    write(
      'docs/pricing.md',
      '# Pricing\n\nThe Basic plan costs 10 € a month.\n\n## Pro\n\nThe Pro plan costs 30 €.',
    );
    write('docs/hours.txt', 'Opening hours\n\nMonday to Friday, nine to five.');
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('creates one document per file, then leaves them unchanged when nothing changed', async () => {
    const first = await ingestSources(store.knowledge, TENANT, ['docs'], { cwd: directory });
    expect(first.sources.map(({ source, outcome }) => [source, outcome])).toEqual([
      ['docs/hours.txt', 'created'],
      ['docs/pricing.md', 'created'],
    ]);
    expect(first.sources[1]).toMatchObject({
      title: 'Pricing',
      passage_count: 1,
      document_id: expect.any(String),
    });
    expect(first.totals).toEqual({ created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0 });

    const again = await ingestSources(store.knowledge, TENANT, ['docs'], { cwd: directory });
    expect(again.totals).toEqual({ created: 0, updated: 0, unchanged: 2, skipped: 0, failed: 0 });
    // The same documents, not new ones with the same content.
    expect(again.sources.map((entry) => entry.document_id)).toEqual(
      first.sources.map((entry) => entry.document_id),
    );
    expect(await store.knowledge.listDocuments(TENANT)).toHaveLength(2);
  });

  it('updates the document of an edited file in place, with its new passages', async () => {
    const first = await ingestSources(store.knowledge, TENANT, ['docs/pricing.md'], { cwd: directory });
    write('docs/pricing.md', '# Pricing\n\nThe Basic plan now costs 12 € a month, billed yearly or monthly.');
    const edited = await ingestSources(store.knowledge, TENANT, ['./docs/pricing.md'], { cwd: directory });
    expect(edited.sources).toEqual([
      {
        source: 'docs/pricing.md',
        outcome: 'updated',
        document_id: first.sources[0]?.document_id,
        title: 'Pricing',
        passage_count: 1,
      },
    ]);
    const documents = await store.knowledge.listDocuments(TENANT);
    expect(documents).toHaveLength(1);
    const stored = await store.knowledge.getDocument(TENANT, documents[0]?.id ?? '');
    expect(stored?.passages.map((passage) => passage.text)).toEqual([
      'The Basic plan now costs 12 € a month, billed yearly or monthly.',
    ]);
  });

  it('reports failed and skipped sources, goes on past them, and calls back for each as it goes', async () => {
    write('docs/empty.md', '<!-- nothing yet -->\n');
    write('docs/logo.svg', '<svg/>');
    const seen: SourceReport[] = [];
    const report = await ingestSources(store.knowledge, TENANT, ['missing', 'docs'], {
      cwd: directory,
      onSource: (entry) => seen.push(entry),
    });
    expect(report.sources.map(({ source, outcome, reason }) => [source, outcome, reason])).toEqual([
      ['missing', 'failed', 'no such file or directory'],
      ['docs/empty.md', 'failed', 'no text to index'],
      ['docs/hours.txt', 'created', undefined],
      ['docs/logo.svg', 'skipped', expect.stringContaining('not a supported file type')],
      ['docs/pricing.md', 'created', undefined],
    ]);
    expect(report.totals).toEqual({ created: 2, updated: 0, unchanged: 0, skipped: 1, failed: 2 });
    expect(seen).toEqual(report.sources);
  });

  it("reports a store's error as that source's failure", async () => {
    const failing = failingOn(store.knowledge, 'docs/hours.txt');
    const report = await ingestSources(failing, TENANT, ['docs'], { cwd: directory });
    expect(report.sources.map(({ outcome, reason }) => [outcome, reason])).toEqual([
      ['failed', 'disk full'],
      ['created', undefined],
    ]);
    expect((await store.knowledge.listDocuments(TENANT)).map((document) => document.source)).toEqual([
      'docs/pricing.md',
    ]);
  });

  it('ingests pages through the fetch it is given', async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response('<title>About</title><nav>Menu</nav><main><p>We make widgets.</p></main>', {
        headers: { 'content-type': 'text/html' },
      });
    const report = await ingestSources(store.knowledge, TENANT, ['https://acme.example/about'], {
      fetch: fakeFetch,
    });
    expect(report.sources).toEqual([
      expect.objectContaining({ source: 'https://acme.example/about', outcome: 'created', title: 'About' }),
    ]);
    const [document] = await store.knowledge.listDocuments(TENANT);
    expect(document).toMatchObject({ url: 'https://acme.example/about', format: 'html' });
  });
});
