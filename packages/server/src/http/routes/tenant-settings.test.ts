/**
 * The outbound policy end to end on the tenant's LLM base URL: internal URLs refused at settings
 * time with 422 `outbound_url_refused`; a name that turns internal after it was accepted (DNS
 * rebinding) refused on use, without the loopback listener ever receiving the prompt; the
 * platform's own `LLM_BASE_URL` and the operator's `OUTBOUND_ALLOW` still allowed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNAVAILABLE_MESSAGE } from '../../assistant/llm-responder.ts';
import type { HostResolver } from '../../outbound/outbound-policy.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../../testing/fake-openai-server.ts';
import { createTestApp, DEMO, type TestPlatform } from '../../testing/test-app.ts';

let listener: FakeOpenAi;
/** What the test resolver answers for every name; tests switch it to play DNS rebinding. */
let answer = ['93.184.216.34'];
const resolveHost: HostResolver = async () => answer;

beforeAll(async () => {
  listener = await startFakeOpenAi({ reply: 'the loopback service secret' });
});
afterAll(() => listener.close());
afterEach(() => {
  answer = ['93.184.216.34'];
  listener.requests.length = 0;
});

async function ownerOf(platform: TestPlatform): Promise<string> {
  const registered = await platform.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: DEMO,
    payload: { email: 'owner@outbound.example', password: 'correct horse battery staple 42' },
  });
  return registered.json().access_token as string;
}

function patcher(platform: TestPlatform, token: string) {
  return (assistant: Record<string, unknown>) =>
    platform.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers: { ...DEMO, authorization: `Bearer ${token}` },
      payload: { assistant },
    });
}

describe('PATCH /api/v1/tenant assistant.llm_base_url', () => {
  let platform: TestPlatform;
  let patch: ReturnType<typeof patcher>;

  beforeAll(async () => {
    platform = await createTestApp({ env: { RESPONDER: 'assistant' }, app: { resolveHost } });
    patch = patcher(platform, await ownerOf(platform));
  });
  afterAll(() => platform.close());

  it.each([
    () => `${listener.url}`,
    () => 'http://localhost:11434/v1',
    () => 'http://169.254.169.254/latest/meta-data/',
    () => 'http://[fd00:ec2::254]/',
    () => 'http://metadata.google.internal/computeMetadata/v1',
    () => 'http://2852039166/',
    () => 'http://0x7f.1:6379/',
    () => 'http://[::ffff:7f00:1]/v1',
  ])('refuses an internal URL with 422 outbound_url_refused (%#)', async (url) => {
    const response = await patch({ llm_provider: 'openai-compatible', llm_model: 'm', llm_base_url: url() });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'outbound_url_refused',
      detail: expect.stringContaining('assistant.llm_base_url is refused'),
      request_id: expect.any(String),
      errors: [{ field: 'body.assistant.llm_base_url', message: expect.stringContaining('OUTBOUND_ALLOW') }],
    });
    expect((await platform.store.getTenant('miptech-company'))?.assistant).not.toHaveProperty('llm_base_url');
    expect(listener.requests).toHaveLength(0);
  });

  it('refuses a public-looking name that resolves to an internal address', async () => {
    answer = ['10.0.0.7'];
    const response = await patch({
      llm_provider: 'openai-compatible',
      llm_model: 'm',
      llm_base_url: 'https://llm.example.com/v1',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toContain(
      'llm.example.com resolves to 10.0.0.7, which is a private address',
    );
  });

  it('accepts a public name, then refuses it on use once it resolves to loopback: the listener hears nothing', async () => {
    const port = new URL(listener.url).port;
    const accepted = await patch({
      llm_provider: 'openai-compatible',
      llm_model: 'm',
      llm_base_url: `http://llm.example.com:${port}/v1`,
    });
    expect(accepted.statusCode).toBe(200);
    answer = ['127.0.0.1'];
    const chat = (
      await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
    ).json();
    const reply = await platform.app.inject({
      method: 'POST',
      url: `/api/v1/chat/${chat.id}/messages?wait=true`,
      headers: DEMO,
      // A question the demo knowledge answers, so that the model would be asked.
      payload: { content: 'What services does MIPTech offer?' },
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json().content).toBe(UNAVAILABLE_MESSAGE);
    expect(listener.requests).toHaveLength(0);
    await patch({ llm_provider: null, llm_model: null, llm_base_url: null });
  });
});

describe('allowed internal base URLs', () => {
  it("accepts the platform's own LLM_BASE_URL exactly, not another port or path of its host", async () => {
    const platform = await createTestApp({
      env: {
        RESPONDER: 'assistant',
        LLM_PROVIDER: 'openai-compatible',
        LLM_BASE_URL: listener.url,
        LLM_MODEL: 'platform-model',
      },
    });
    try {
      const patch = patcher(platform, await ownerOf(platform));
      expect((await patch({ llm_base_url: listener.url })).statusCode).toBe(200);
      expect((await patch({ llm_base_url: `${listener.url}/` })).statusCode).toBe(200);
      const otherPort = `http://127.0.0.1:${Number(new URL(listener.url).port) + 1}/v1`;
      expect((await patch({ llm_base_url: otherPort })).statusCode).toBe(422);
      expect((await patch({ llm_base_url: listener.url.replace('/v1', '/admin') })).statusCode).toBe(422);
    } finally {
      await platform.close();
    }
  });

  it('accepts an internal host the operator allowed with OUTBOUND_ALLOW, and the reply comes from it', async () => {
    const allowed = await startFakeOpenAi({ reply: 'From the allowed server.' });
    const platform = await createTestApp({
      env: { RESPONDER: 'assistant', OUTBOUND_ALLOW: 'localhost, 127.0.0.1' },
    });
    try {
      const patch = patcher(platform, await ownerOf(platform));
      expect((await patch({ llm_base_url: 'http://localhost:11434/v1' })).statusCode).toBe(200);
      const set = await patch({
        llm_provider: 'openai-compatible',
        llm_model: 'm',
        llm_base_url: allowed.url,
      });
      expect(set.statusCode).toBe(200);
      // Still refused: an internal address nobody allowed.
      expect((await patch({ llm_base_url: 'http://169.254.169.254/' })).statusCode).toBe(422);

      const chat = (
        await platform.app.inject({ method: 'POST', url: '/api/v1/chat', headers: DEMO, payload: {} })
      ).json();
      const reply = await platform.app.inject({
        method: 'POST',
        url: `/api/v1/chat/${chat.id}/messages?wait=true`,
        headers: DEMO,
        payload: { content: 'When do you open?' },
      });
      expect(reply.json().content).toBe('From the allowed server.');
      expect(allowed.chatRequests()).toHaveLength(1);
    } finally {
      await platform.close();
      await allowed.close();
    }
  });
});
