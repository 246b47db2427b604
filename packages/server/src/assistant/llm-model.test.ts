import { streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmConfig } from '../config.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../testing/fake-openai-server.ts';
import { effectiveLlm, LlmSettingError, languageModelFor, resolvedBaseUrl } from './llm-model.ts';

const DEFAULTS: LlmConfig = {
  provider: 'openai-compatible',
  baseUrl: 'http://127.0.0.1:11434/v1',
  apiKey: 'platform-key',
  model: 'llama3.2',
  maxTokens: 600,
  timeoutMs: 30_000,
  maxRetries: 2,
};

/** The model id and provider name of a built model (the spec's fields, not a string id). */
function describeModel(model: ReturnType<typeof languageModelFor>): { provider: string; modelId: string } {
  if (typeof model === 'string') throw new Error('expected a model object');
  return { provider: model.provider, modelId: model.modelId };
}

describe('effectiveLlm', () => {
  it('is the platform default for a tenant without overrides', () => {
    expect(effectiveLlm(DEFAULTS, {})).toEqual({ ...DEFAULTS, problem: undefined });
  });

  it("keeps the platform's URL and key when a tenant only picks another model", () => {
    expect(effectiveLlm(DEFAULTS, { llm_model: 'qwen2.5' })).toMatchObject({
      baseUrl: DEFAULTS.baseUrl,
      apiKey: 'platform-key',
      model: 'qwen2.5',
      maxTokens: 600,
    });
  });

  it("never sends the platform's key to a tenant's own base URL", () => {
    const llm = effectiveLlm(DEFAULTS, { llm_base_url: 'https://llm.tenant.example/v1' });
    expect(llm).toMatchObject({
      baseUrl: 'https://llm.tenant.example/v1',
      apiKey: undefined,
      model: 'llama3.2',
    });
    const withKey = effectiveLlm(DEFAULTS, {
      llm_base_url: 'https://llm.tenant.example/v1',
      llm_api_key: 'tenant-key',
    });
    expect(withKey.apiKey).toBe('tenant-key');
  });

  it('does not carry the default URL, model or key over to another provider', () => {
    const llm = effectiveLlm(DEFAULTS, { llm_provider: 'anthropic' });
    expect(llm).toMatchObject({
      provider: 'anthropic',
      baseUrl: undefined,
      model: undefined,
      apiKey: undefined,
    });
    expect(llm.problem).toMatch(/needs a model name/);
    const complete = effectiveLlm(DEFAULTS, {
      llm_provider: 'openai',
      llm_model: 'gpt-4o-mini',
      llm_api_key: 'sk-t',
    });
    expect(complete).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: 'sk-t',
      problem: undefined,
    });
    expect(resolvedBaseUrl(complete)).toBe('https://api.openai.com/v1');
  });

  it('reports an openai-compatible setting without a URL', () => {
    expect(effectiveLlm({ ...DEFAULTS, baseUrl: undefined }, {}).problem).toMatch(/LLM_BASE_URL/);
  });
});

describe('languageModelFor', () => {
  it('builds each provider (no network) and caches per provider, URL, model and key', () => {
    const compatible = languageModelFor(DEFAULTS);
    expect(describeModel(compatible)).toEqual({ provider: 'openai-compatible.chat', modelId: 'llama3.2' });
    expect(languageModelFor({ ...DEFAULTS })).toBe(compatible);
    expect(languageModelFor({ ...DEFAULTS, baseUrl: `${DEFAULTS.baseUrl}/` })).toBe(compatible);
    expect(languageModelFor({ ...DEFAULTS, apiKey: 'other-key' })).not.toBe(compatible);
    expect(languageModelFor({ ...DEFAULTS, model: 'other-model' })).not.toBe(compatible);

    const anthropic = languageModelFor({
      provider: 'anthropic',
      baseUrl: undefined,
      apiKey: 'a',
      model: 'claude-sonnet-4-5',
    });
    expect(describeModel(anthropic)).toEqual({
      provider: 'anthropic.messages',
      modelId: 'claude-sonnet-4-5',
    });

    const openai = languageModelFor({
      provider: 'openai',
      baseUrl: undefined,
      apiKey: 'o',
      model: 'gpt-4o-mini',
    });
    expect(describeModel(openai)).toEqual({ provider: 'openai.chat', modelId: 'gpt-4o-mini' });
  });

  it('refuses a setting that cannot make a model', () => {
    expect(() => languageModelFor({ ...DEFAULTS, provider: 'none' })).toThrow(LlmSettingError);
    expect(() => languageModelFor({ ...DEFAULTS, model: undefined })).toThrow(LlmSettingError);
    expect(() => languageModelFor({ ...DEFAULTS, baseUrl: undefined })).toThrow(LlmSettingError);
  });
});

describe('providers against the fake OpenAI server', () => {
  let server: FakeOpenAi;
  beforeAll(async () => {
    server = await startFakeOpenAi({ apiKey: 'sk-fake', reply: 'Hi there [1].' });
  });
  afterAll(() => server.close());

  it('provider openai speaks chat completions (not the Responses API) with the key', async () => {
    const model = languageModelFor({
      provider: 'openai',
      baseUrl: server.url,
      apiKey: 'sk-fake',
      model: 'gpt-4o-mini',
    });
    const result = streamText({ model, prompt: 'hello', maxRetries: 0 });
    expect(await result.text).toBe('Hi there [1].');
    const request = server.requests.at(-1);
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(request?.headers.authorization).toBe('Bearer sk-fake');
    expect(request?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
  });

  it('streams the exact wire format: role chunk, deltas, finish, usage, [DONE], blank lines', async () => {
    server.script({ reply: ['Hel', 'lo'], usage: { prompt_tokens: 5, completion_tokens: 3 } });
    const response = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-fake', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        messages: [],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = await response.text();
    const events = raw.split('\n\n').filter(Boolean);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(events.every((event) => event.startsWith('data: ') && !event.includes('\n'))).toBe(true);
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice(6)));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta ?? null)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hel' },
      { content: 'lo' },
      {},
      null,
    ]);
    expect(chunks[3].choices[0].finish_reason).toBe('stop');
    expect(chunks[4]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'm' });
  });

  it('answers without a stream, lists models, and fails with OpenAI error bodies', async () => {
    server.script({ reply: 'Whole answer.' });
    const headers = { authorization: 'Bearer sk-fake', 'content-type': 'application/json' };
    const completion = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'm', messages: [] }),
    }).then((response) => response.json());
    expect(completion).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'Whole answer.' }, finish_reason: 'stop' }],
    });
    const models = await fetch(`${server.url}/models`, { headers }).then((response) => response.json());
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] });

    const unauthorized = await fetch(`${server.url}/models`, { headers: { authorization: 'Bearer nope' } });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({
      error: {
        message: 'Incorrect API key provided.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    server.script({ failure: { type: 'status', status: 429, retryAfter: 3 }, failTimes: 1 });
    const limited = await fetch(`${server.url}/models`, { headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await limited.json()).error.code).toBe('rate_limit_exceeded');
    expect((await fetch(`${server.url}/models`, { headers })).status).toBe(200);
  });
});
