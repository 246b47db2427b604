/**
 * Hybrid retrieval wired into the platform: `EMBEDDING_*` sharing the LLM's fake server, documents
 * embedded after `POST /knowledge/documents`, the search route and the LLM's prompt finding a
 * paraphrase, the demo knowledge embedded on start, and the tenant's embedding settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID } from '../tenancy/demo-tenant.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../testing/fake-openai-server.ts';
import { createTestApp, DEMO, type TestPlatform } from '../testing/test-app.ts';

const API_KEY = 'sk-platform-key';
const MODEL_KEY = 'openai-compatible:fake-embed';

describe('hybrid retrieval in the platform', () => {
  let fake: FakeOpenAi;
  let platform: TestPlatform;
  let auth: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: API_KEY, reply: 'Use the unpublish command [1].' });
    platform = await createTestApp({
      env: {
        RESPONDER: 'assistant',
        LLM_PROVIDER: 'openai-compatible',
        LLM_BASE_URL: fake.url,
        LLM_API_KEY: API_KEY,
        LLM_MODEL: 'fake-model',
        LLM_MAX_RETRIES: '0',
        // Same provider, no URL or key of its own: the LLM's are used.
        EMBEDDING_PROVIDER: 'openai-compatible',
        EMBEDDING_MODEL: 'fake-embed',
      },
    });
    const owner = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: DEMO,
      payload: { email: 'owner@hybrid.example', password: 'correct horse battery staple 42' },
    });
    auth = { ...DEMO, authorization: `Bearer ${owner.json().access_token}` };
  });
  afterAll(async () => {
    await platform?.close();
    await fake?.close();
  });

  it('embeds the demo knowledge on start, with the LLM’s base URL and key', async () => {
    await platform.knowledgeEmbedding.idle();
    const passages = await platform.store.knowledge.countPassages(DEMO_TENANT_ID);
    expect(await platform.store.vectors.load(DEMO_TENANT_ID, MODEL_KEY)).toHaveLength(passages);
    expect(fake.embeddingRequests()[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('embeds a posted document; search and the LLM prompt find it by a paraphrase', async () => {
    const posted = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/knowledge/documents',
      headers: auth,
      payload: {
        source: 'https://docs.example/zork-unpublish',
        format: 'markdown',
        body: '# Zork unpublishing\n\nRun the zork unpublish command to take a version off the zork registry.',
      },
    });
    expect(posted.statusCode).toBe(201);
    await platform.knowledgeEmbedding.idle();
    const question = 'How can I withdraw my zork module?';
    const search = await platform.app.inject({
      url: `/api/v1/knowledge/search?q=${encodeURIComponent(question)}`,
      headers: auth,
    });
    const [best] = search.json().items;
    expect(best).toMatchObject({ title: 'Zork unpublishing', similarity: expect.any(Number) });

    const chat = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: DEMO,
      payload: {},
    });
    const reply = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.json().id}/messages?wait=true`,
      headers: DEMO,
      payload: { content: 'How can I withdraw a zork version?' },
    });
    expect(reply.json().metadata.sources[0]).toMatchObject({ title: 'Zork unpublishing' });
    // The responder retrieved through the hybrid retriever: the question itself was embedded.
    expect(fake.embeddedTexts()).toContain('How can I withdraw a zork version?');
    expect(JSON.stringify(fake.chatRequests().at(-1)?.body)).toContain('zork unpublish command');
  });

  it('keeps the embedding key write-only, refuses internal base URLs and settings that cannot work', async () => {
    const patch = (assistant: Record<string, unknown>) =>
      platform.app.inject({ method: 'PATCH', url: '/api/v1/tenant', headers: auth, payload: { assistant } });
    const set = await patch({ embedding_model: 'fake-embed-2', embedding_api_key: 'sk-tenant-embed' });
    expect(set.statusCode).toBe(200);
    expect(set.json().assistant).toMatchObject({
      embedding_model: 'fake-embed-2',
      embedding_api_key_set: true,
    });
    expect(set.body).not.toContain('sk-tenant-embed');

    const internal = await patch({ embedding_base_url: 'http://169.254.169.254/v1' });
    expect(internal.statusCode).toBe(422);
    expect(internal.json()).toMatchObject({ code: 'outbound_url_refused' });
    expect(internal.json().detail).toContain('assistant.embedding_base_url');
    // Another provider inherits neither the platform's model nor its URL.
    const impossible = await patch({ embedding_provider: 'openai', embedding_model: null });
    expect(impossible.statusCode).toBe(422);
    expect(impossible.json()).toMatchObject({
      code: 'validation_failed',
      detail: expect.stringContaining('assistant.embedding_model'),
    });
    const invalid = await patch({ embedding_provider: 'cohere' });
    expect(invalid.statusCode).toBe(422);

    const removed = await patch({ embedding_model: null, embedding_api_key: null });
    expect(removed.json().assistant).toMatchObject({ embedding_api_key_set: false });
    expect(removed.json().assistant).not.toHaveProperty('embedding_model');
    await platform.knowledgeEmbedding.idle();
  });
});
