/**
 * Lazy warm-up of tenants' own LLM providers, end to end: readiness warms only the platform's
 * provider; a tenant's own one is probed on the first read of its status (or set by its first
 * reply), and its state shows in `GET /api/v1/tenant` `assistant_status`, for the tenant's staff
 * only. Public health stays as it was and names no tenant provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAVAILABLE_MESSAGE } from '../../assistant/llm-responder.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../../testing/fake-openai-server.ts';
import { createTestApp, DEMO, type TestPlatform } from '../../testing/test-app.ts';

const TENANT_KEY = 'sk-tenant-own-key-5f2e9c';

describe('assistant_status and lazy warm-up of tenants’ own providers', () => {
  let platformLlm: FakeOpenAi;
  let tenantLlm: FakeOpenAi;
  let platform: TestPlatform;
  const directory = mkdtempSync(join(tmpdir(), 'miptech-status-'));
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    platformLlm = await startFakeOpenAi({ reply: 'We open at 9 am [1].' });
    tenantLlm = await startFakeOpenAi({
      apiKey: TENANT_KEY,
      models: ['tenant-model'],
      reply: 'Tenant says 9 am [1].',
    });
    // The tenants exist before the instance starts, as after any restart.
    const first = await createTestApp({ dataDirectory: directory });
    const own = { llm_base_url: tenantLlm.url, llm_model: 'tenant-model', llm_api_key: TENANT_KEY };
    for (const [id, assistant] of [
      ['own-llm', own],
      ['wrong-key', { ...own, llm_api_key: 'sk-wrong' }],
    ] as const) {
      await first.store.createTenant({ id, name: id });
      await first.store.updateTenant(id, { assistant });
      await first.store.knowledge.upsertDocument({
        tenant_id: id,
        source: 'hours.md',
        title: 'Opening hours',
        url: null,
        format: 'markdown',
        body: 'Our office opens at 9 am.',
        passages: [{ heading: 'Opening hours', text: 'Our office opens at 9 am.' }],
      });
    }
    await first.close();
    platform = await createTestApp({
      dataDirectory: directory,
      env: {
        RESPONDER: 'assistant',
        LLM_PROVIDER: 'openai-compatible',
        LLM_BASE_URL: platformLlm.url,
        LLM_MODEL: 'fake-model',
        LLM_MAX_RETRIES: '0',
        OUTBOUND_ALLOW: '127.0.0.1',
      },
    });
    for (const id of ['own-llm', 'wrong-key', DEMO['x-tenant-id']]) {
      const registered = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        headers: { 'x-tenant-id': id },
        payload: { email: `owner@${id}.example`, password: 'correct horse battery staple 42' },
      });
      expect(registered.statusCode).toBe(200);
      tokens.set(id, registered.json().access_token);
    }
  });
  afterAll(async () => {
    await platform?.close();
    await platformLlm?.close();
    await tenantLlm?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const statusOf = async (tenant: string) => {
    const response = await platform.app.inject({
      url: '/api/v1/tenant',
      headers: { 'x-tenant-id': tenant, authorization: `Bearer ${tokens.get(tenant)}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json().assistant_status;
  };

  it('warms only the platform’s provider at start; health names no tenant provider', async () => {
    const health = async () =>
      platform.app.inject({ url: '/api/v1/health', headers: { 'x-tenant-id': 'own-llm' } });
    await expect.poll(async () => (await health()).json().ai_services_ready).toBe(true);
    expect(platformLlm.requests.some((request) => request.path === '/v1/models')).toBe(true);
    expect(tenantLlm.requests).toHaveLength(0);
    const body = (await health()).body;
    expect(body).not.toContain(new URL(tenantLlm.url).port);
    expect(body).not.toContain(new URL(platformLlm.url).port);
    expect(Object.keys((await health()).json().checks)).toEqual(['database', 'assistant']);
  });

  it('probes a tenant’s own provider on the first read of its status: warming, then ok', async () => {
    expect(await statusOf('own-llm')).toEqual({
      responder: 'llm',
      provider: 'tenant',
      state: 'warming',
      error_code: null,
      checked_at: null,
    });
    await expect.poll(async () => (await statusOf('own-llm')).state).toBe('ok');
    expect((await statusOf('own-llm')).checked_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    const probes = tenantLlm.requests.filter((request) => request.path === '/v1/models');
    expect(probes).toHaveLength(1);
    expect(probes[0]?.headers.authorization).toBe(`Bearer ${TENANT_KEY}`);
  });

  it('shows a wrong key as unavailable with a code, never the key or the provider’s message', async () => {
    await expect.poll(async () => (await statusOf('wrong-key')).state).toBe('unavailable');
    const response = await platform.app.inject({
      url: '/api/v1/tenant',
      headers: { 'x-tenant-id': 'wrong-key', authorization: `Bearer ${tokens.get('wrong-key')}` },
    });
    expect(response.json().assistant_status).toMatchObject({
      provider: 'tenant',
      error_code: 'unauthorized',
    });
    expect(response.body).not.toContain('sk-wrong');
    expect(response.body).not.toContain('Incorrect API key');
  });

  it('takes the state from replies too: a failing reply makes the provider unavailable', async () => {
    tenantLlm.script({ failure: { type: 'status', status: 500 } });
    try {
      const chat = (
        await platform.app.inject({
          method: 'POST',
          url: '/api/v1/chat',
          headers: { 'x-tenant-id': 'own-llm' },
          payload: {},
        })
      ).json();
      const reply = await platform.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chat.id}/messages?wait=true`,
        headers: { 'x-tenant-id': 'own-llm' },
        payload: { content: 'When does the office open?' },
      });
      expect(reply.json().content).toBe(UNAVAILABLE_MESSAGE);
      expect(await statusOf('own-llm')).toMatchObject({ state: 'unavailable', error_code: 'server_error' });
    } finally {
      tenantLlm.script({ reply: 'Tenant says 9 am [1].' });
    }
  });

  it('shows the platform’s provider for a tenant without settings of its own', async () => {
    expect(await statusOf(DEMO['x-tenant-id'])).toMatchObject({
      responder: 'llm',
      provider: 'platform',
      state: 'ok',
    });
  });

  it('is for the tenant’s staff only', async () => {
    const anonymous = await platform.app.inject({
      url: '/api/v1/tenant',
      headers: { 'x-tenant-id': 'own-llm' },
    });
    expect(anonymous.statusCode).toBe(401);
    const otherTenant = await platform.app.inject({
      url: '/api/v1/tenant',
      headers: { 'x-tenant-id': 'own-llm', authorization: `Bearer ${tokens.get('wrong-key')}` },
    });
    expect([401, 403]).toContain(otherTenant.statusCode);
  });
});
