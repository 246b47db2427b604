/** The operator knowledge API: add, replace, list, read, search, delete; bad input gets a clear error. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, DEMO, type TestPlatform } from '../../testing/test-app.ts';

const PAGE = `<!doctype html><html><head><title>Returns policy</title><script>track('visit')</script></head>
<body><nav><a href="/">Home</a> <a href="/shop">Shop</a></nav>
<main><h1>Returns policy</h1><p>You can return any item within 30 days for a full refund.</p>
<h2>Damaged items</h2><p>Send us a photo and we ship a replacement at our cost.</p></main>
<footer>© Example Ltd</footer></body></html>`;

describe('knowledge API', () => {
  let platform: TestPlatform;
  let headers: Record<string, string>;

  beforeAll(async () => {
    platform = await createTestApp({ env: { RESPONDER: 'assistant' } });
    const owner = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: DEMO,
      payload: { email: 'owner@knowledge.example', password: 'correct horse battery staple 42' },
    });
    headers = { ...DEMO, authorization: `Bearer ${owner.json().access_token}` };
  });
  afterAll(() => platform?.close());

  const add = (payload: Record<string, unknown>) =>
    platform.app.inject({ method: 'POST', url: '/api/v1/knowledge/documents', headers, payload });

  it('adds an HTML page without its navigation and scripts, and replaces it instead of duplicating', async () => {
    const source = 'https://shop.example/returns';
    const created = await add({ source, format: 'html', body: PAGE });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ outcome: 'created', title: 'Returns policy', url: source });
    const id = created.json().id;

    const detail = await platform.app.inject({ url: `/api/v1/knowledge/documents/${id}`, headers });
    const passages = detail.json().passages as Array<{ heading: string; text: string }>;
    const text = passages.map((passage) => `${passage.heading} ${passage.text}`).join('\n');
    expect(text).toContain('30 days');
    expect(text).toContain('replacement');
    expect(text).not.toMatch(/track\(|Home|Shop|Example Ltd|<p>/);

    const again = await add({ source, format: 'html', body: PAGE });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id, outcome: 'unchanged' });
    const edited = await add({ source, format: 'html', body: PAGE.replace('30 days', '60 days') });
    expect(edited.json()).toMatchObject({ id, outcome: 'updated' });

    const list = await platform.app.inject({ url: '/api/v1/knowledge/documents', headers });
    expect(
      list.json().items.filter((document: { source: string }) => document.source === source),
    ).toHaveLength(1);
    const search = await platform.app.inject({
      url: '/api/v1/knowledge/search?q=how+long+to+return',
      headers,
    });
    expect(search.json().items[0]).toMatchObject({ document_id: id, title: 'Returns policy' });
    expect(search.json().items[0].text).toContain('60 days');
  });

  it('answers visitors from a document as soon as it is added', async () => {
    const created = await add({
      source: 'docs/parking.md',
      body: '# Parking\n\nVisitors park for free in the blue garage on Elm Street, level 2.',
    });
    expect(created.statusCode).toBe(201);
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const reply = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/messages?wait=true`,
      headers: DEMO,
      payload: { content: 'Where can I park when I visit?' },
    });
    expect(reply.json().content).toContain('blue garage');
    expect(reply.json().metadata.sources[0]).toMatchObject({
      document_id: created.json().id,
      title: 'Parking',
    });
  });

  it('deletes a document and its passages', async () => {
    const created = await add({
      source: 'docs/temporary.md',
      body: '# Temporary\n\nThe zebracorn offer ends soon.',
    });
    const id = created.json().id;
    const removed = await platform.app.inject({
      method: 'DELETE',
      url: `/api/v1/knowledge/documents/${id}`,
      headers,
    });
    expect(removed.statusCode).toBe(204);
    const gone = await platform.app.inject({
      method: 'DELETE',
      url: `/api/v1/knowledge/documents/${id}`,
      headers,
    });
    expect(gone.json()).toMatchObject({ code: 'document_not_found' });
    const search = await platform.app.inject({ url: '/api/v1/knowledge/search?q=zebracorn', headers });
    expect(search.json().items).toEqual([]);
  });

  it('refuses bad documents with a clear error', async () => {
    const empty = await add({
      source: 'docs/empty.html',
      format: 'html',
      body: '<nav>Only navigation</nav><script>x()</script>',
    });
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ code: 'document_empty', request_id: expect.any(String) });
    const shapeless = await add({ source: '', body: 42 });
    expect(shapeless.statusCode).toBe(422);
    expect(shapeless.json().code).toBe('validation_failed');
    const wrongFormat = await add({ source: 'x', body: 'text', format: 'pdf' });
    expect(wrongFormat.json().code).toBe('validation_failed');
  });
});
