import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { DEMO_TENANT_ID, ensureDemoTenant } from '../tenancy/demo-tenant.ts';
import { DEMO_KNOWLEDGE_DIRECTORY, DEMO_PAGE_OF, ensureDemoKnowledge } from './demo-knowledge.ts';

describe('ensureDemoKnowledge', () => {
  let directory: string;
  let store: SqliteStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'miptech-demo-knowledge-'));
    store = new SqliteStore({ path: join(directory, 'platform.db') });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('does nothing without the demo tenant', async () => {
    const report = await ensureDemoKnowledge(store);
    expect(report).toMatchObject({ tenant_found: false, created: 0 });
    expect(await store.knowledge.countPassages(DEMO_TENANT_ID)).toBe(0);
  });

  it('loads every demo file once, titled by its heading, with no link', async () => {
    await ensureDemoTenant(store);
    const files = readdirSync(DEMO_KNOWLEDGE_DIRECTORY).filter((file) => file.endsWith('.md'));
    expect(files.length).toBeGreaterThanOrEqual(7);

    const logged: object[] = [];
    const first = await ensureDemoKnowledge(store, { info: (details) => logged.push(details) });
    expect(first).toEqual({
      created: files.length,
      updated: 0,
      unchanged: 0,
      removed: 0,
      tenant_found: true,
    });
    expect(logged).toHaveLength(1);

    const documents = await store.knowledge.listDocuments(DEMO_TENANT_ID);
    expect(documents.map((document) => document.source).sort()).toEqual(
      files.map((file) => `demo:${file}`).sort(),
    );
    for (const document of documents) {
      const heading = /^# (.+)$/m.exec(
        readFileSync(join(DEMO_KNOWLEDGE_DIRECTORY, document.source.slice(5)), 'utf8'),
      );
      expect(document.title).toBe(heading?.[1]);
      expect(document.url).toBe(DEMO_PAGE_OF[document.source.slice(5)] ?? null);
      expect(document.passage_count).toBeGreaterThan(1);
    }

    // A restart writes nothing: the content hashes match.
    const second = await ensureDemoKnowledge(store, { info: (details) => logged.push(details) });
    expect(second).toEqual({
      created: 0,
      updated: 0,
      unchanged: files.length,
      removed: 0,
      tenant_found: true,
    });
    expect(logged).toHaveLength(1);
    expect(await store.knowledge.listDocuments(DEMO_TENANT_ID)).toEqual(documents);
  });

  it('updates a changed file and removes a deleted one, leaving other documents alone', async () => {
    await ensureDemoTenant(store);
    const knowledge = join(directory, 'knowledge');
    cpSync(DEMO_KNOWLEDGE_DIRECTORY, knowledge, { recursive: true });
    await ensureDemoKnowledge(store, undefined, knowledge);
    await store.knowledge.upsertDocument({
      tenant_id: DEMO_TENANT_ID,
      source: 'https://miptech.example/blog',
      title: 'Blog',
      url: null,
      format: 'text',
      body: 'An operator added this.',
      passages: [{ heading: '', text: 'An operator added this.' }],
    });

    writeFileSync(join(knowledge, 'faq.md'), '# FAQ\n\n## Do you sign NDAs?\n\nYes, always.\n');
    unlinkSync(join(knowledge, 'about.md'));
    const report = await ensureDemoKnowledge(store, undefined, knowledge);
    expect(report).toMatchObject({ created: 0, updated: 1, removed: 1 });

    const sources = (await store.knowledge.listDocuments(DEMO_TENANT_ID)).map((document) => document.source);
    expect(sources).toContain('https://miptech.example/blog');
    expect(sources).toContain('demo:faq.md');
    expect(sources).not.toContain('demo:about.md');
  });
});
