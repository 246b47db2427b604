/**
 * The conformance suite every `PassageVectorStore` must pass, run against each store
 * (`sqlite/sqlite-knowledge.test.ts`, `postgres/postgres-knowledge.test.ts`). Each tenant is new.
 */
import { describe, expect } from 'vitest';
import type { NewDocument } from './knowledge-store.ts';
import type { PassageVectorStore } from './passage-vectors.ts';
import { passageHash } from './records.ts';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import type { Store } from './store.ts';

let tenantCounter = 0;
const MODEL = 'test:bag-of-words';
const OTHER_MODEL = 'test:other';

function newDocument(tenant_id: string, source: string, title: string, texts: string[]): NewDocument {
  return {
    tenant_id,
    source,
    title,
    url: `https://docs.example/${source}`,
    format: 'text',
    body: texts.join('\n\n'),
    passages: texts.map((text) => ({ heading: 'Part', text })),
  };
}

/** A vector that differs per text, with values a lossy encoding would change. */
function vectorOf(text: string): Float32Array {
  const vector = new Float32Array(6);
  for (let index = 0; index < vector.length; index++) {
    vector[index] = Math.fround(Math.sin(text.length * (index + 1)) * 1e-3 * (index % 2 ? -1 : 1));
  }
  return vector;
}

export function describePassageVectorConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`PassageVectorStore conformance: ${name}`, () => {
    let store: Store;
    const { test, reopen } = storeSuite(name, harness, (opened) => {
      store = opened;
    });
    const vectors = (): PassageVectorStore => store.vectors;
    const newTenant = async () =>
      (await store.createTenant({ id: `vec-${Date.now().toString(36)}-${++tenantCounter}`, name: 'T' })).id;
    /** Embeds every missing content of the tenant under `model` with {@link vectorOf}. */
    const embedAll = async (tenant: string, model = MODEL) => {
      const missing = await vectors().missing(tenant, model, { limit: 1000 });
      await vectors().put(
        tenant,
        model,
        missing.map((entry) => ({ text_hash: entry.text_hash, vector: vectorOf(entry.text) })),
      );
      return missing;
    };
    const loadedTexts = async (tenant: string, model = MODEL) => {
      const loaded = await vectors().load(tenant, model);
      const hits = await vectors().hits(
        tenant,
        loaded.map((entry) => entry.passage_id),
      );
      const textOf = new Map(hits.map((hit) => [hit.id, hit.text]));
      return loaded.map((entry) => ({ text: textOf.get(entry.passage_id), vector: entry.vector }));
    };

    test('lists each missing content once, stores its vector exactly, and loads it for every passage', async () => {
      const tenant = await newTenant();
      await store.knowledge.upsertDocument(newDocument(tenant, 'a.md', 'Guide', ['Alpha.', 'Beta.']));
      await store.knowledge.upsertDocument(newDocument(tenant, 'b.md', 'Guide', ['Alpha.']));
      const missing = await vectors().missing(tenant, MODEL, { limit: 100 });
      expect(missing.map((entry) => entry.text).sort()).toEqual(['Alpha.', 'Beta.']);
      expect(missing.find((entry) => entry.text === 'Alpha.')).toEqual({
        text_hash: passageHash('Guide', 'Part', 'Alpha.'),
        title: 'Guide',
        heading: 'Part',
        text: 'Alpha.',
      });
      expect(await vectors().missing(tenant, MODEL, { limit: 1 })).toHaveLength(1);
      expect(await vectors().load(tenant, MODEL)).toEqual([]);

      await embedAll(tenant);
      expect(await vectors().missing(tenant, MODEL, { limit: 100 })).toEqual([]);
      const loaded = await loadedTexts(tenant);
      expect(loaded.map((entry) => entry.text).sort()).toEqual(['Alpha.', 'Alpha.', 'Beta.']);
      for (const entry of loaded) expect(entry.vector).toEqual(vectorOf(entry.text ?? ''));
      // Putting again keeps the stored vector.
      const [first] = missing;
      if (!first) throw new Error('two contents were missing');
      await vectors().put(tenant, MODEL, [{ text_hash: first.text_hash, vector: new Float32Array(6) }]);
      for (const entry of await loadedTexts(tenant)) expect(entry.vector).toEqual(vectorOf(entry.text ?? ''));
    });

    test('an update leaves unchanged passages their vectors; changed text and a new title need new ones', async () => {
      const tenant = await newTenant();
      await store.knowledge.upsertDocument(newDocument(tenant, 'a.md', 'Guide', ['Keep me.', 'Old words.']));
      await embedAll(tenant);
      await store.knowledge.upsertDocument(
        newDocument(tenant, 'a.md', 'Guide', ['Keep me.', 'New words.', 'More words.']),
      );
      const missing = await vectors().missing(tenant, MODEL, { limit: 100 });
      expect(missing.map((entry) => entry.text).sort()).toEqual(['More words.', 'New words.']);
      expect((await loadedTexts(tenant)).map((entry) => entry.text)).toEqual(['Keep me.']);

      await store.knowledge.upsertDocument(
        newDocument(tenant, 'a.md', 'Handbook', ['Keep me.', 'New words.', 'More words.']),
      );
      expect(await vectors().missing(tenant, MODEL, { limit: 100 })).toHaveLength(3);
    });

    test('the model is part of the key; prune drops other models and contents no passage has', async () => {
      const tenant = await newTenant();
      const { document } = await store.knowledge.upsertDocument(
        newDocument(tenant, 'a.md', 'Guide', ['One.', 'Two.']),
      );
      await store.knowledge.upsertDocument(newDocument(tenant, 'b.md', 'Guide', ['Three.']));
      await embedAll(tenant);
      expect(await vectors().missing(tenant, OTHER_MODEL, { limit: 100 })).toHaveLength(3);
      expect(await vectors().load(tenant, OTHER_MODEL)).toEqual([]);
      await embedAll(tenant, OTHER_MODEL);

      expect(await vectors().prune(tenant, MODEL)).toBe(3);
      expect(await vectors().load(tenant, OTHER_MODEL)).toEqual([]);
      expect(await vectors().load(tenant, MODEL)).toHaveLength(3);
      await store.knowledge.deleteDocument(tenant, document.id);
      expect(await vectors().prune(tenant, MODEL)).toBe(2);
      expect((await loadedTexts(tenant)).map((entry) => entry.text)).toEqual(['Three.']);
      expect(await vectors().prune(tenant, MODEL)).toBe(0);
    });

    test('the version moves with every passage or vector added or removed, and only then', async () => {
      const tenant = await newTenant();
      const version = () => vectors().version(tenant, MODEL);
      const seen = new Set([await version()]);
      const changed = async () => {
        const now = await version();
        const fresh = !seen.has(now);
        seen.add(now);
        return fresh;
      };
      const document = newDocument(tenant, 'a.md', 'Guide', ['One.']);
      const { document: stored } = await store.knowledge.upsertDocument(document);
      expect(await changed()).toBe(true);
      await store.knowledge.upsertDocument(document);
      expect(await changed()).toBe(false);
      await embedAll(tenant);
      expect(await changed()).toBe(true);
      await embedAll(tenant, OTHER_MODEL);
      expect(await changed()).toBe(false);
      // Same number of passages, different ones.
      await store.knowledge.upsertDocument(newDocument(tenant, 'a.md', 'Guide', ['Uno.']));
      expect(await changed()).toBe(true);
      await store.knowledge.deleteDocument(tenant, stored.id);
      expect(await changed()).toBe(true);
    });

    test("never lists, loads, returns or prunes another tenant's vectors or passages", async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      await store.knowledge.upsertDocument(newDocument(tenant, 'a.md', 'Guide', ['Shared text.']));
      await store.knowledge.upsertDocument(
        newDocument(other, 'a.md', 'Guide', ['Shared text.', 'A canarytoken.']),
      );
      await embedAll(other);
      // The same content in another tenant has no vector of this tenant's.
      expect((await vectors().missing(tenant, MODEL, { limit: 100 })).map((entry) => entry.text)).toEqual([
        'Shared text.',
      ]);
      expect(await vectors().load(tenant, MODEL)).toEqual([]);
      const theirs = (await vectors().load(other, MODEL)).map((entry) => entry.passage_id);
      expect(theirs).toHaveLength(2);
      expect(await vectors().hits(tenant, theirs)).toEqual([]);
      expect(await vectors().prune(tenant, OTHER_MODEL)).toBe(0);
      expect(await vectors().load(other, MODEL)).toHaveLength(2);
    });

    test('hits carry the document’s title, link and source; ids that are not ids are ignored', async () => {
      const tenant = await newTenant();
      const { document } = await store.knowledge.upsertDocument(
        newDocument(tenant, 'guide.md', 'Guide', ['First.', 'Second.']),
      );
      const passages = (await store.knowledge.getDocument(tenant, document.id))?.passages ?? [];
      const ids = passages.map((passage) => passage.id);
      const hits = await vectors().hits(tenant, [...ids, 'abc', '-1', '1; DROP TABLE x', '', '99999999']);
      expect(hits.sort((a, b) => a.ordinal - b.ordinal)).toEqual(
        passages.map((passage) => ({
          ...passage,
          title: 'Guide',
          url: 'https://docs.example/guide.md',
          source: 'guide.md',
          score: 0,
        })),
      );
      expect(await vectors().hits(tenant, [])).toEqual([]);
    });

    test('vectors are there after the store is closed and opened again', async () => {
      const tenant = await newTenant();
      await store.knowledge.upsertDocument(newDocument(tenant, 'a.md', 'Guide', ['Durable.']));
      await embedAll(tenant);
      const before = await vectors().load(tenant, MODEL);
      await reopen();
      expect(await vectors().load(tenant, MODEL)).toEqual(before);
      expect(await vectors().missing(tenant, MODEL, { limit: 10 })).toEqual([]);
    });
  });
}
