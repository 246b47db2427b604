import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../../testing/fake-openai-server.ts';
import { freePort } from '../../testing/redis-server.ts';
import { createTestApp, type TestPlatform } from '../../testing/test-app.ts';

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

describe('health', () => {
  it('is healthy at /health and /api/v1/health, with or without a tenant header', async () => {
    platform = await createTestApp();
    for (const url of ['/health', '/api/v1/health']) {
      for (const headers of [{}, { 'x-tenant-id': 'miptech-company' }, { 'x-tenant-id': 'Bad Value' }]) {
        const response = await platform.app.inject({ url, headers });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({
          status: 'healthy',
          checks: { database: 'ok' },
          ai_services_ready: false,
        });
        expect(response.json().version).toMatch(/^\d+\.\d+\.\d+/);
      }
    }
    const withTenant = await platform.app.inject({
      url: '/api/v1/health',
      headers: { 'x-tenant-id': 'miptech-company' },
    });
    expect(withTenant.json().tenant).toBe('miptech-company');
  });

  it('answers 503 unhealthy naming the failed check when the database is gone', async () => {
    platform = await createTestApp();
    await platform.store.close();
    const response = await platform.app.inject({ url: '/api/v1/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'unhealthy',
      checks: { database: 'unreachable' },
      ai_services_ready: false,
    });
    const ready = await platform.app.inject({ url: '/api/v1/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ ready: false, reason: 'database' });
  });

  it('reports ai_services_ready once the knowledge-base responder is warm', async () => {
    platform = await createTestApp({ env: { RESPONDER: 'assistant' } });
    const check = async () => (await platform?.app.inject({ url: '/api/v1/health' }))?.json();
    await expect.poll(async () => (await check()).ai_services_ready).toBe(true);
    expect((await check()).checks.assistant).toBe('ok');
  });

  it('keeps ai_services_ready false while the configured LLM does not answer, true once it does', async () => {
    const deadPort = await freePort();
    platform = await createTestApp({
      env: {
        RESPONDER: 'assistant',
        LLM_PROVIDER: 'openai-compatible',
        LLM_BASE_URL: `http://127.0.0.1:${deadPort}/v1`,
        LLM_MODEL: 'fake-model',
      },
    });
    const check = async () => (await platform?.app.inject({ url: '/api/v1/health' }))?.json();
    await expect.poll(async () => (await check()).checks.assistant).toBe('unavailable');
    expect(await check()).toMatchObject({ status: 'healthy', ai_services_ready: false });
    await platform.close();

    const fake = await startFakeOpenAi();
    try {
      platform = await createTestApp({
        env: {
          RESPONDER: 'assistant',
          LLM_PROVIDER: 'openai-compatible',
          LLM_BASE_URL: fake.url,
          LLM_MODEL: 'fake-model',
        },
      });
      await expect.poll(async () => (await check()).ai_services_ready).toBe(true);
      expect(fake.requests.some((request) => request.path === '/v1/models')).toBe(true);
    } finally {
      await platform.close();
      platform = undefined;
      await fake.close();
    }
  });

  it('is ready until the instance starts draining', async () => {
    platform = await createTestApp();
    expect((await platform.app.inject({ url: '/api/v1/ready' })).json()).toEqual({ ready: true });
    platform.startDraining();
    const response = await platform.app.inject({ url: '/api/v1/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json().reason).toBe('draining');
  });
});

describe('API documentation', () => {
  it('serves an OpenAPI document generated from the route schemas, and a reference at /docs', async () => {
    platform = await createTestApp();
    const document = (await platform.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/api/v1/health',
        '/api/v1/ready',
        '/api/v1/chat',
        '/api/v1/chat/{chat_id}',
        '/api/v1/chat/{chat_id}/messages',
      ]),
    );
    const createMessage = document.paths['/api/v1/chat/{chat_id}/messages'].post;
    expect(Object.keys(createMessage.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['content', 'role', 'metadata', 'client_message_id']),
    );
    const docs = await platform.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });
});
