/**
 * The routes the operator console added (issue 15): testing the tenant's LLM provider against a
 * local fake OpenAI server (ok, a wrong key, nothing listening, a host that turned internal), the
 * widget's public configuration, knowledge gaps, and importing a page or a sitemap with progress.
 * Who may call each is in the isolation matrix.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResolver } from '../../outbound/outbound-policy.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../../testing/fake-openai-server.ts';
import { createTestApp, DEMO, type TestPlatform } from '../../testing/test-app.ts';

const PASSWORD = 'correct horse battery staple 42';

async function operators(platform: TestPlatform) {
  const owner = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: DEMO,
    payload: { email: 'owner@console.example', password: PASSWORD },
  });
  const ownerToken = owner.json().access_token as string;
  const invitation = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/invitations',
    headers: { ...DEMO, authorization: `Bearer ${ownerToken}` },
    payload: { email: 'agent@console.example', role: 'agent' },
  });
  const agent = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: DEMO,
    payload: {
      email: 'agent@console.example',
      password: PASSWORD,
      invitation_token: invitation.json().invitation_token,
    },
  });
  return {
    owner: { ...DEMO, authorization: `Bearer ${ownerToken}` },
    agent: { ...DEMO, authorization: `Bearer ${agent.json().access_token}` },
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('POST /api/v1/tenant/assistant/test', () => {
  let openai: FakeOpenAi;
  let platform: TestPlatform;
  let headers: Awaited<ReturnType<typeof operators>>;
  let answer = ['93.184.216.34'];
  const resolveHost: HostResolver = async () => answer;

  beforeAll(async () => {
    openai = await startFakeOpenAi({ apiKey: 'sk-right', reply: 'OK' });
    platform = await createTestApp({ env: { OUTBOUND_ALLOW: '127.0.0.1' }, app: { resolveHost } });
    headers = await operators(platform);
  });
  afterAll(async () => {
    await platform.close();
    await openai.close();
  });

  const settle = (assistant: Record<string, unknown>) =>
    platform.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: headers.owner,
      payload: { assistant },
    });
  const test = (as = headers.owner) =>
    platform.app.inject({ method: 'POST', url: '/api/v1/tenant/assistant/test', headers: as });

  it('says there is nothing to call for the built-in assistant', async () => {
    const result = await test();
    expect(result.statusCode).toBe(200);
    expect(result.json()).toMatchObject({ ok: false, reason: 'not_configured', provider: 'none' });
    expect(openai.requests).toHaveLength(0);
  });

  it('answers ok after one small call with the tenant key, and never shows the key', async () => {
    await settle({
      llm_provider: 'openai-compatible',
      llm_base_url: openai.url,
      llm_model: 'fake-model',
      llm_api_key: 'sk-right',
    });
    const result = await test();
    expect(result.json()).toMatchObject({ ok: true, provider: 'openai-compatible', model: 'fake-model' });
    expect(result.body).not.toContain('sk-right');
    const [call] = openai.chatRequests();
    expect(call?.headers.authorization).toBe('Bearer sk-right');
    expect(call?.body?.max_tokens ?? call?.body?.max_completion_tokens).toBe(5);
  });

  it('reports a refused key as provider_unauthorized', async () => {
    await settle({ llm_api_key: 'sk-wrong' });
    const result = await test();
    expect(result.statusCode).toBe(200);
    expect(result.json()).toMatchObject({ ok: false, reason: 'provider_unauthorized' });
    expect(result.body).not.toContain('sk-wrong');
  });

  it('reports a provider nobody listens at as provider_unreachable', async () => {
    await settle({ llm_base_url: `http://127.0.0.1:${await closedPort()}/v1`, llm_api_key: 'sk-right' });
    expect((await test()).json()).toMatchObject({ ok: false, reason: 'provider_unreachable' });
  });

  it('reports a host that now resolves inside the network as outbound_refused, and sends nothing', async () => {
    await settle({ llm_base_url: 'http://llm.example.com/v1' });
    answer = ['10.0.0.7'];
    const before = openai.requests.length;
    expect((await test()).json()).toMatchObject({ ok: false, reason: 'outbound_refused' });
    expect(openai.requests).toHaveLength(before);
  });

  it('is for owners and admins only', async () => {
    const refused = await test(headers.agent);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('insufficient_role');
  });
});

describe('GET /api/v1/widget/config and GET /api/v1/knowledge/gaps', () => {
  let platform: TestPlatform;
  let headers: Awaited<ReturnType<typeof operators>>;
  beforeAll(async () => {
    platform = await createTestApp({ env: { RESPONDER: 'assistant' } });
    headers = await operators(platform);
  });
  afterAll(() => platform.close());

  it("gives any visitor the tenant's greeting and name, and nothing else", async () => {
    await platform.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: headers.owner,
      payload: { greeting: 'Ciao! Ask us anything.', assistant: { persona: 'Secret persona' } },
    });
    const config = await platform.app.inject({ url: '/api/v1/widget/config', headers: DEMO });
    expect(config.statusCode).toBe(200);
    expect(config.json()).toEqual({
      tenant_id: 'miptech-company',
      name: expect.any(String),
      greeting: 'Ciao! Ask us anything.',
    });
    expect(config.body).not.toContain('Secret persona');
    // Revalidated: the console's preview and the next page view show a change at once.
    expect(config.headers['cache-control']).toBe('no-cache');
    const missing = await platform.app.inject({ url: '/api/v1/widget/config' });
    expect(missing.json().code).toBe('tenant_missing');
  });

  it('lists the questions the assistant could not answer, not small talk nor answered ones', async () => {
    const ask = async (content: string) => {
      const chat = (
        await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
      ).json();
      await platform.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chat.id}/messages?wait=true`,
        headers: DEMO,
        payload: { content },
      });
      return chat.id as string;
    };
    await ask('Do you repair submarines?');
    const latest = await ask('do you repair submarines');
    await ask('Hello!');
    await ask('What services do you offer?');
    const gaps = await platform.app.inject({ url: '/api/v1/knowledge/gaps', headers: headers.agent });
    expect(gaps.statusCode).toBe(200);
    expect(gaps.json().items).toEqual([
      {
        question: 'do you repair submarines',
        answer: expect.stringContaining("couldn't find"),
        times: 2,
        last_asked_at: expect.any(String),
        chat_id: latest,
      },
    ]);
    const invalid = await platform.app.inject({
      url: '/api/v1/knowledge/gaps?days=0',
      headers: headers.agent,
    });
    expect(invalid.statusCode).toBe(422);
  });
});

describe('POST /api/v1/knowledge/imports', () => {
  let site: Server;
  let origin: string;
  beforeAll(async () => {
    site = createServer((request, response) => {
      const pages: Record<string, [string, string]> = {
        '/sitemap.xml': [
          'application/xml',
          `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${origin}/returns</loc></url><url><loc>${origin}/gone</loc></url></urlset>`,
        ],
        '/returns': [
          'text/html',
          '<html><head><title>Returns</title></head><body><h1>Returns</h1><p>Parcels go back within 30 days, free of charge.</p></body></html>',
        ],
      };
      const page = pages[request.url ?? ''];
      if (!page) {
        response.writeHead(404).end('not here');
        return;
      }
      response.writeHead(200, { 'content-type': page[0] }).end(page[1]);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => site.close(() => resolve())));

  it('reads a sitemap page by page, one NDJSON line each, then the totals', async () => {
    const platform = await createTestApp({ env: { OUTBOUND_ALLOW: '127.0.0.1' } });
    try {
      const { owner, agent } = await operators(platform);
      const imported = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/knowledge/imports',
        headers: owner,
        payload: { url: `${origin}/sitemap.xml` },
      });
      expect(imported.statusCode).toBe(200);
      expect(imported.headers['content-type']).toContain('application/x-ndjson');
      const lines = imported.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines).toEqual([
        {
          type: 'source',
          source: `${origin}/returns`,
          outcome: 'created',
          title: 'Returns',
          passage_count: 1,
        },
        {
          type: 'source',
          source: `${origin}/gone`,
          outcome: 'failed',
          reason: expect.stringContaining('404'),
        },
        { type: 'done', totals: { created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 1 } },
      ]);
      const search = await platform.app.inject({
        url: '/api/v1/knowledge/search?q=parcels+back',
        headers: owner,
      });
      expect(search.json().items[0].title).toBe('Returns');
      const refused = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/knowledge/imports',
        headers: agent,
        payload: { url: `${origin}/returns` },
      });
      expect(refused.statusCode).toBe(403);
    } finally {
      await platform.close();
    }
  });

  it('refuses an internal address before fetching anything', async () => {
    const platform = await createTestApp();
    try {
      const { owner } = await operators(platform);
      const refused = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/knowledge/imports',
        headers: owner,
        payload: { url: `${origin}/returns` },
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().code).toBe('outbound_url_refused');
      const invalid = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/knowledge/imports',
        headers: owner,
        payload: { url: 'file:///etc/passwd' },
      });
      expect(invalid.statusCode).toBe(422);
    } finally {
      await platform.close();
    }
  });
});
