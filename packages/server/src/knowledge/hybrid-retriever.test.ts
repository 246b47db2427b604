/**
 * Hybrid retrieval against the local fake OpenAI server's `/v1/embeddings` (deterministic
 * bag-of-words vectors with planted synonyms), on a real SQLite store: paraphrases found only with
 * embeddings, only changed passages re-embedded, batching, failures falling back to lexical
 * retrieval, model changes, tenant isolation, and no call out without a model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssistantSettings } from '@miptech/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddingConfig } from '../config.ts';
import type { NewDocument } from '../storage/knowledge-store.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../testing/fake-openai-server.ts';
import { EMBEDDING_BATCH_SIZE } from './embedder.ts';
import { createHybridKnowledge, type HybridKnowledge } from './hybrid-knowledge.ts';

const API_KEY = 'sk-fake-embeddings';
/** Shares no word with any passage below; "withdraw" is a synonym of "unpublish" to the fake model. */
const PARAPHRASE = 'How do I withdraw my module?';

let counter = 0;
let directory: string;
let store: SqliteStore;
let fake: FakeOpenAi;
const warnings: object[] = [];
const log = { info: () => {}, warn: (details: object) => void warnings.push(details) };

function config(overrides: Partial<EmbeddingConfig> = {}): EmbeddingConfig {
  return {
    provider: 'openai-compatible',
    baseUrl: fake.url,
    apiKey: API_KEY,
    model: 'fake-embed',
    timeoutMs: 5000,
    ...overrides,
  };
}

function hybridWith(embedding: EmbeddingConfig): HybridKnowledge {
  return createHybridKnowledge({
    lexical: store.knowledge,
    vectors: store.vectors,
    config: embedding,
    settingsOf: async (id) => (await store.getTenant(id))?.assistant,
    log,
  });
}

async function newTenant(assistant: AssistantSettings = {}): Promise<string> {
  const id = `hybrid-${++counter}`;
  await store.createTenant({ id, name: id });
  await store.updateTenant(id, { assistant });
  return id;
}

function document(
  tenant_id: string,
  source: string,
  title: string,
  passages: [string, string][],
): NewDocument {
  return {
    tenant_id,
    source,
    title,
    url: null,
    format: 'markdown',
    body: passages.map(([heading, text]) => `## ${heading}\n\n${text}`).join('\n\n'),
    passages: passages.map(([heading, text]) => ({ heading, text })),
  };
}

/** A small help centre: one page answers the paraphrase, in other words. */
async function ingestHelpCentre(tenant: string): Promise<void> {
  await store.knowledge.upsertDocument(
    document(tenant, 'unpublish.md', 'Unpublishing', [
      ['Unpublish', 'Run the unpublish command to take a version off the registry.'],
    ]),
  );
  await store.knowledge.upsertDocument(
    document(tenant, 'billing.md', 'Billing', [
      ['Plans', 'The team plan costs ten dollars per seat.'],
      ['Invoices', 'Invoices are emailed monthly.'],
    ]),
  );
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'miptech-hybrid-'));
  store = new SqliteStore({ path: join(directory, 'platform.db') });
  await store.migrate();
  fake = await startFakeOpenAi({ apiKey: API_KEY });
});
afterAll(async () => {
  await store?.close();
  await fake?.close();
  rmSync(directory, { recursive: true, force: true });
});
beforeEach(() => {
  fake.script({});
  warnings.length = 0;
});

describe('hybrid retrieval against the fake embeddings server', () => {
  it('finds a paraphrase that shares no word with the answer only with embeddings on', async () => {
    const tenant = await newTenant();
    await ingestHelpCentre(tenant);
    expect(await store.knowledge.search(tenant, PARAPHRASE, { limit: 5 })).toEqual([]);
    const off = hybridWith(config({ provider: 'none' }));
    expect(await off.retriever.search(tenant, PARAPHRASE, { limit: 5 })).toEqual([]);

    const hybrid = hybridWith(config());
    expect(await hybrid.embedding.update(tenant)).toEqual({ status: 'done', embedded: 3, pruned: 0 });
    const [best, ...rest] = await hybrid.retriever.search(tenant, PARAPHRASE, { limit: 5 });
    expect(best).toMatchObject({ source: 'unpublish.md', heading: 'Unpublish', title: 'Unpublishing' });
    expect(best?.similarity).toBeGreaterThan(0.3);
    // The billing passages are unrelated: below the similarity floor, so not returned.
    expect(rest).toEqual([]);
    // The request was OpenAI's: the model, the key, the texts (title, heading and text).
    const [request] = fake.embeddingRequests().slice(-1);
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body?.model).toBe('fake-embed');
    expect(fake.embeddedTexts()).toContain(
      'Unpublishing\nUnpublish\nRun the unpublish command to take a version off the registry.',
    );
  });

  it('fuses both lists: a passage both find ranks first, and lexical hits keep their similarity', async () => {
    const tenant = await newTenant();
    await ingestHelpCentre(tenant);
    await store.knowledge.upsertDocument(
      document(tenant, 'registry.md', 'Registry', [
        ['Mirrors', 'The registry has mirrors in three regions.'],
      ]),
    );
    const hybrid = hybridWith(config());
    await hybrid.embedding.update(tenant);
    const question = 'How do I withdraw a version from the registry?';
    const lexical = await store.knowledge.search(tenant, question, { limit: 5 });
    const hits = await hybrid.retriever.search(tenant, question, { limit: 5 });
    expect(hits[0]?.source).toBe('unpublish.md');
    expect(new Set(hits.map((hit) => hit.id))).toEqual(new Set(lexical.map((hit) => hit.id)));
    for (const hit of hits) expect(hit.similarity).toEqual(expect.any(Number));
    expect(hits.map((hit) => hit.score)).toEqual(hits.map((hit) => hit.score).sort((a, b) => b - a));
    expect(await hybrid.retriever.search(tenant, question, { limit: 1 })).toHaveLength(1);
    // A question with no searchable word finds nothing, as the contract says, vectors or not.
    expect(await hybrid.retriever.search(tenant, 'what is it?', { limit: 5 })).toEqual([]);
  });

  it('embeds only the passages whose text changed when a document is ingested again', async () => {
    const tenant = await newTenant();
    const hybrid = hybridWith(config());
    const passages: [string, string][] = [
      ['One', 'The first passage stays.'],
      ['Two', 'The second passage stays too.'],
      ['Three', 'The third passage will change.'],
    ];
    await store.knowledge.upsertDocument(document(tenant, 'guide.md', 'Guide', passages));
    const before = fake.embeddedTexts().length;
    expect(await hybrid.embedding.update(tenant)).toMatchObject({ status: 'done', embedded: 3 });
    expect(fake.embeddedTexts().length - before).toBe(3);

    const requests = fake.embeddingRequests().length;
    const changed: [string, string][] = [...passages.slice(0, 2), ['Three', 'The third passage changed.']];
    expect(
      (await store.knowledge.upsertDocument(document(tenant, 'guide.md', 'Guide', changed))).outcome,
    ).toBe('updated');
    expect(await hybrid.embedding.update(tenant)).toEqual({ status: 'done', embedded: 1, pruned: 1 });
    expect(fake.embeddingRequests().length - requests).toBe(1);
    expect(fake.embeddedTexts().slice(-1)).toEqual(['Guide\nThree\nThe third passage changed.']);

    // Nothing changed: nothing is asked of the provider.
    await store.knowledge.upsertDocument(document(tenant, 'guide.md', 'Guide', changed));
    expect(await hybrid.embedding.update(tenant)).toEqual({ status: 'done', embedded: 0, pruned: 0 });
    expect(fake.embeddingRequests().length - requests).toBe(1);
    expect(await store.vectors.load(tenant, 'openai-compatible:fake-embed')).toHaveLength(3);
  });

  it(`sends ${EMBEDDING_BATCH_SIZE} texts per request, one request after the other`, async () => {
    const tenant = await newTenant();
    const hybrid = hybridWith(config());
    const passages = Array.from({ length: EMBEDDING_BATCH_SIZE + 6 }, (_, index): [string, string] => [
      `Part ${index}`,
      `Lantern number ${index} glows.`,
    ]);
    await store.knowledge.upsertDocument(document(tenant, 'lanterns.md', 'Lanterns', passages));
    const requests = fake.embeddingRequests().length;
    expect(await hybrid.embedding.update(tenant)).toMatchObject({ embedded: EMBEDDING_BATCH_SIZE + 6 });
    const sizes = fake
      .embeddingRequests()
      .slice(requests)
      .map((request) => (request.body?.input as string[] | undefined)?.length);
    expect(sizes).toEqual([EMBEDDING_BATCH_SIZE, 6]);
  });

  it('an embedding failure leaves ingestion lexical-only, logged, and a later run fills the vectors in', async () => {
    const tenant = await newTenant();
    await ingestHelpCentre(tenant);
    const hybrid = hybridWith(config());
    fake.script({ failure: { type: 'status', status: 500 } });
    const failed = await hybrid.embedding.update(tenant);
    expect(failed).toMatchObject({ status: 'failed', embedded: 0 });
    expect(warnings).toContainEqual(expect.objectContaining({ tenant_id: tenant, error: failed.error }));
    expect(JSON.stringify(warnings)).not.toContain(API_KEY);
    expect(await store.vectors.load(tenant, 'openai-compatible:fake-embed')).toEqual([]);
    // The provider is down for questions too: the lexical list, exactly.
    const question = 'What does the team plan cost?';
    const lexical = await store.knowledge.search(tenant, question, { limit: 5 });
    expect(lexical.length).toBeGreaterThan(0);
    expect(await hybrid.retriever.search(tenant, question, { limit: 5 })).toEqual(lexical);

    fake.script({});
    expect(await hybrid.embedding.update(tenant)).toMatchObject({ status: 'done', embedded: 3 });
    expect((await hybrid.retriever.search(tenant, PARAPHRASE, { limit: 5 }))[0]?.source).toBe('unpublish.md');
  });

  it('a wrong key (401) while answering falls back to lexical retrieval and says why once', async () => {
    const tenant = await newTenant();
    await ingestHelpCentre(tenant);
    await hybridWith(config()).embedding.update(tenant);
    const wrongKey = hybridWith(config({ apiKey: 'sk-wrong' }));
    const question = 'When are invoices sent?';
    const lexical = await store.knowledge.search(tenant, question, { limit: 5 });
    expect(await wrongKey.retriever.search(tenant, question, { limit: 5 })).toEqual(lexical);
    expect(await wrongKey.retriever.search(tenant, 'invoices monthly', { limit: 5 })).toEqual(
      await store.knowledge.search(tenant, 'invoices monthly', { limit: 5 }),
    );
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).toContain('Incorrect API key');
    expect(JSON.stringify(warnings)).not.toContain('sk-wrong');
  });

  it("a tenant's own model re-embeds its knowledge, and the old model's vectors are dropped", async () => {
    const tenant = await newTenant();
    await ingestHelpCentre(tenant);
    const hybrid = hybridWith(config());
    await hybrid.embedding.update(tenant);
    await store.updateTenant(tenant, { assistant: { embedding_model: 'fake-embed-large' } });
    expect(await hybrid.embedding.update(tenant)).toEqual({ status: 'done', embedded: 3, pruned: 3 });
    expect(fake.embeddingRequests().at(-1)?.body?.model).toBe('fake-embed-large');
    expect(await store.vectors.load(tenant, 'openai-compatible:fake-embed')).toEqual([]);
    expect((await hybrid.retriever.search(tenant, PARAPHRASE, { limit: 5 }))[0]?.source).toBe('unpublish.md');
  });

  it("never returns another tenant's passages, whatever their vectors", async () => {
    const tenant = await newTenant();
    const other = await newTenant();
    await store.knowledge.upsertDocument(
      document(tenant, 'billing.md', 'Billing', [['Plans', 'The team plan costs ten dollars per seat.']]),
    );
    await store.knowledge.upsertDocument(
      document(other, 'unpublish.md', 'Unpublishing', [
        ['Unpublish', 'Run the unpublish command to take a version off the registry. canarytoken'],
      ]),
    );
    const hybrid = hybridWith(config());
    await hybrid.embedding.update(tenant);
    await hybrid.embedding.update(other);
    expect((await hybrid.retriever.search(other, PARAPHRASE, { limit: 5 }))[0]?.text).toContain(
      'canarytoken',
    );
    for (const question of [PARAPHRASE, 'canarytoken unpublish registry', 'team plan withdraw']) {
      const hits = await hybrid.retriever.search(tenant, question, { limit: 10 });
      expect(JSON.stringify(hits)).not.toContain('canarytoken');
      for (const hit of hits) expect(hit.source).toBe('billing.md');
    }
  });

  it('calls nothing out for a tenant without a model, and for a tenant that turned it off', async () => {
    const platformOff = hybridWith(config({ provider: 'none', baseUrl: undefined, model: undefined }));
    const tenant = await newTenant();
    const optedOut = await newTenant({ embedding_provider: 'none' });
    const requests = fake.requests.length;
    for (const id of [tenant, optedOut]) {
      await ingestHelpCentre(id);
      expect(await platformOff.embedding.update(id)).toEqual({ status: 'off', embedded: 0, pruned: 0 });
      expect(await platformOff.retriever.search(id, 'team plan', { limit: 5 })).toEqual(
        await store.knowledge.search(id, 'team plan', { limit: 5 }),
      );
    }
    const platformOn = hybridWith(config());
    expect(await platformOn.embedding.update(optedOut)).toMatchObject({ status: 'off' });
    await platformOn.retriever.search(optedOut, PARAPHRASE, { limit: 5 });
    expect(fake.requests.length).toBe(requests);
  });
});
