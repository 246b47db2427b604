import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssistantSettings } from '@miptech/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LlmConfig } from '../config.ts';
import { parseAllowList } from '../outbound/allow-list.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { PassageHit, Retriever } from '../storage/knowledge-store.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../testing/fake-openai-server.ts';
import { messageRecord } from '../testing/message-record.ts';
import { HUMAN_OFFER, noAnswerText } from './human-offer.ts';
import { effectiveLlm } from './llm-model.ts';
import { CUT_OFF_NOTICE, LlmResponder, UNAVAILABLE_MESSAGE } from './llm-responder.ts';
import { NO_ANSWER_MARKER } from './no-answer-marker.ts';
import { ProviderStatusBoard, providerKey } from './provider-status.ts';
import type { ResponderInput, ResponderPart } from './responder.ts';

const KEY = 'sk-test-platform-key-0123456789';

function passage(tenant: string, index: number, title: string, text: string): PassageHit {
  return {
    id: `${tenant}-p${index}`,
    document_id: `${tenant}-doc${index}`,
    ordinal: 0,
    heading: 'Details',
    text,
    title,
    url: `https://${tenant}.example/doc${index}`,
    source: `https://${tenant}.example/doc${index}`,
    score: 1 / index,
  };
}

const KNOWLEDGE: Record<string, PassageHit[]> = {
  acme: [
    passage('acme', 1, 'Opening hours', 'We are open Monday to Friday, 9:00 to 17:00.'),
    passage('acme', 2, 'Returns', 'Items can be returned within 30 days.'),
    passage('acme', 3, 'Shipping', 'Shipping is free above 50 euros.'),
  ],
  globex: [passage('globex', 1, 'Secret', 'GLOBEX-CANARY-PASSAGE should never leave globex.')],
};

/** An in-memory retriever that records who asked. */
function memoryRetriever(): Retriever & { calls: Array<{ tenant_id: string; query: string }> } {
  const calls: Array<{ tenant_id: string; query: string }> = [];
  return {
    calls,
    async search(tenant_id, query, { limit }) {
      calls.push({ tenant_id, query });
      return (KNOWLEDGE[tenant_id] ?? []).slice(0, limit);
    },
  };
}

function capturingLog(): { log: FastifyBaseLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log: log as unknown as FastifyBaseLogger, lines };
}

const message = messageRecord;

function input(overrides: Partial<ResponderInput> & { text?: string } = {}): ResponderInput {
  const now = new Date().toISOString();
  return {
    tenant_id: 'acme',
    tenant_name: 'Acme',
    settings: {},
    chat: {
      id: 'chat-1',
      tenant_id: overrides.tenant_id ?? 'acme',
      session_id: 's',
      visitor_id: 'v',
      title: 'Chat',
      status: 'active',
      assigned_to: null,
      context: {},
      last_seq: 0,
      created_at: now,
      updated_at: now,
    },
    history: [],
    message: message('user', overrides.text ?? 'When are you open on weekdays?'),
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function collect(parts: AsyncIterable<ResponderPart>): Promise<ResponderPart[]> {
  const collected: ResponderPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

const textOf = (parts: ResponderPart[]) =>
  parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
const finishOf = (parts: ResponderPart[]) => parts.find((part) => part.type === 'finish');
/** The prompt estimate (4 characters a token) of the last chat request the fake received. */
const promptEstimate = (openai: FakeOpenAi) =>
  Math.ceil(
    (openai.chatRequests().at(-1)?.body?.messages ?? []).reduce(
      (sum, item) => sum + String(item.content).length,
      0,
    ) / 4,
  );
const systemOf = (openai: FakeOpenAi, index = 0) =>
  String(openai.chatRequests()[index]?.body?.messages?.[0]?.content ?? '');

let openai: FakeOpenAi;
let config: LlmConfig;

beforeAll(async () => {
  openai = await startFakeOpenAi({ apiKey: KEY, models: ['test-model'] });
  config = {
    provider: 'openai-compatible',
    baseUrl: openai.url,
    apiKey: KEY,
    model: 'test-model',
    maxTokens: 321,
    timeoutMs: 2000,
    maxRetries: 2,
  };
});
afterAll(() => openai.close());
afterEach(() => {
  openai.requests.length = 0;
  openai.script({});
});

function responder(
  overrides: Partial<LlmConfig> = {},
  retriever = memoryRetriever(),
  outbound?: OutboundPolicy,
) {
  const { log, lines } = capturingLog();
  const instance = new LlmResponder({
    retriever,
    config: { ...config, ...overrides },
    log,
    historyWindow: 4,
    ...(outbound ? { outbound } : {}),
  });
  return { instance, lines, retriever };
}

describe('LlmResponder: a normal reply', () => {
  it('streams deltas in order, then sources for valid citations, then finish with usage', async () => {
    const reply =
      'We are open Monday to Friday, nine to five [1]. Returns take 30 days [2][7]. See also [0]. ';
    openai.script({ reply, usage: { prompt_tokens: 111, completion_tokens: 22 } });
    const { instance } = responder();
    expect(instance.name).toBe('llm:test-model');
    const parts = await collect(instance.respond(input()));
    const texts = parts.filter((part) => part.type === 'text');
    expect(texts.length).toBeGreaterThan(1);
    expect(textOf(parts)).toBe(reply);
    expect(parts.map((part) => part.type)).toEqual([...texts.map(() => 'text'), 'sources', 'finish']);
    const sources = parts.find((part) => part.type === 'sources');
    expect(sources?.type === 'sources' && sources.sources.map((source) => source.n)).toEqual([1, 2]);
    expect(sources?.type === 'sources' && sources.sources[0]).toMatchObject({
      document_id: 'acme-doc1',
      title: 'Opening hours',
      url: 'https://acme.example/doc1',
    });
    expect(finishOf(parts)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { input_tokens: 111, output_tokens: 22 },
    });
  });

  it('sends the request body the platform means: model, stream, usage, limits, prompt, bounded history', async () => {
    const settings: AssistantSettings = {
      persona: 'Mia from Acme',
      system_prompt: 'Always say thanks. TONE-MARK',
    };
    const history = [
      message('user', 'very old question'),
      message('assistant', 'very old answer'),
      message('user', 'Do you ship abroad?'),
      message('system', 'chat assigned'),
      message('human', 'Yes, we ship to the EU.'),
      message('assistant', 'Anything else?'),
    ];
    const { instance, retriever } = responder();
    await collect(instance.respond(input({ settings, history, text: 'And on Saturdays?' })));
    // An elliptic follow-up is searched together with the visitor's previous question.
    expect(retriever.calls).toEqual([{ tenant_id: 'acme', query: 'Do you ship abroad? And on Saturdays?' }]);
    const [request] = openai.chatRequests();
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.body).toMatchObject({
      model: 'test-model',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 321,
      temperature: 0.2,
    });
    const messages = request?.body?.messages ?? [];
    expect(messages[0]?.role).toBe('system');
    const system = systemOf(openai);
    expect(system).toContain('[1] Opening hours › Details\nWe are open Monday to Friday, 9:00 to 17:00.');
    expect(system).toContain('[3] Shipping › Details');
    expect(system).toContain('Mia from Acme');
    expect(system).toContain('Always say thanks. TONE-MARK');
    expect(system).toContain('Cite the passages you used');
    // historyWindow 4: the system note is skipped, the operator is an assistant turn, old turns drop.
    expect(messages.slice(1)).toEqual([
      { role: 'assistant', content: 'very old answer' },
      { role: 'user', content: 'Do you ship abroad?' },
      { role: 'assistant', content: '(Team member) Yes, we ship to the EU.' },
      { role: 'assistant', content: 'Anything else?' },
      { role: 'user', content: 'And on Saturdays?' },
    ]);
    expect(JSON.stringify(messages)).not.toContain('very old question');
  });

  it('passes a `length` finish through', async () => {
    openai.script({ reply: 'We are open Monday [1] to', finishReason: 'length' });
    const parts = await collect(responder().instance.respond(input()));
    expect(finishOf(parts)).toMatchObject({ reason: 'length' });
    expect(textOf(parts)).toBe('We are open Monday [1] to');
  });

  it('yields no sources when the reply cites nothing, and still asks the model with no passages', async () => {
    openai.script({ reply: 'Hello! How can I help?' });
    const parts = await collect(
      responder().instance.respond(input({ tenant_id: 'empty-tenant', text: 'hi' })),
    );
    expect(parts.some((part) => part.type === 'sources')).toBe(false);
    expect(textOf(parts)).toBe('Hello! How can I help?');
    expect(systemOf(openai)).toContain('The knowledge base has nothing on this question');
    expect(systemOf(openai)).not.toContain('Knowledge-base passages');
  });
});

describe('LlmResponder: tenant scoping and overrides', () => {
  it('asks the retriever for input.tenant_id only; another tenant never reaches the model', async () => {
    openai.script({ reply: (body) => `I saw ${JSON.stringify(body.messages).length} characters.` });
    const { instance, retriever } = responder();
    await collect(instance.respond(input({ tenant_id: 'acme', text: 'Tell me about GLOBEX please now' })));
    expect(retriever.calls.map((call) => call.tenant_id)).toEqual(['acme']);
    expect(JSON.stringify(openai.chatRequests()[0]?.body)).not.toContain('GLOBEX-CANARY-PASSAGE');
  });

  it("sends a tenant with its own base URL and model to its server, without the platform's key", async () => {
    const tenantServer = await startFakeOpenAi({ reply: 'From the tenant model.' });
    try {
      const settings: AssistantSettings = { llm_base_url: tenantServer.url, llm_model: 'tenant-model' };
      // The tenant's server is on loopback, which the outbound policy refuses unless allowed.
      const outbound = new OutboundPolicy({ allow: parseAllowList('127.0.0.1') });
      const parts = await collect(
        responder({}, memoryRetriever(), outbound).instance.respond(input({ settings })),
      );
      expect(textOf(parts)).toBe('From the tenant model.');
      expect(openai.chatRequests()).toHaveLength(0);
      const [request] = tenantServer.chatRequests();
      expect(request?.body?.model).toBe('tenant-model');
      expect(JSON.stringify(request?.headers)).not.toContain(KEY);
    } finally {
      await tenantServer.close();
    }
  });
});

describe('LlmResponder: the outbound policy', () => {
  it("refuses a tenant's loopback base URL: the listener gets nothing, the visitor a polite message", async () => {
    const tenantServer = await startFakeOpenAi({ reply: 'leaked secret' });
    try {
      const settings: AssistantSettings = { llm_base_url: tenantServer.url, llm_model: 'tenant-model' };
      const { instance, lines } = responder();
      const parts = await collect(instance.respond(input({ settings })));
      expect(textOf(parts)).toBe(UNAVAILABLE_MESSAGE);
      expect(tenantServer.requests).toHaveLength(0);
      expect(lines.find((line) => line.error === 'OutboundRefusedError')).toMatchObject({
        attempts: 1,
        detail: expect.stringContaining('127.0.0.1 is a loopback address'),
      });
    } finally {
      await tenantServer.close();
    }
  });

  it('refuses a public-looking name that resolves to loopback, before any request', async () => {
    const tenantServer = await startFakeOpenAi({ reply: 'leaked secret' });
    try {
      const port = new URL(tenantServer.url).port;
      const settings: AssistantSettings = {
        llm_base_url: `http://llm.tenant-provider.com:${port}/v1`,
        llm_model: 'tenant-model',
      };
      const outbound = new OutboundPolicy({ resolve: async () => ['127.0.0.1'] });
      const parts = await collect(
        responder({}, memoryRetriever(), outbound).instance.respond(input({ settings })),
      );
      expect(textOf(parts)).toBe(UNAVAILABLE_MESSAGE);
      expect(tenantServer.requests).toHaveLength(0);
    } finally {
      await tenantServer.close();
    }
  });

  it('does not follow a redirect with the prompt, not even from an allowed host', async () => {
    const redirector = createServer((_request, response) => {
      response.writeHead(307, { location: `${openai.url}/chat/completions` });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = redirector.address() as AddressInfo;
      const settings: AssistantSettings = { llm_base_url: `http://127.0.0.1:${port}/v1`, llm_model: 'm' };
      const outbound = new OutboundPolicy({ allow: parseAllowList('127.0.0.1') });
      const { instance, lines } = responder({}, memoryRetriever(), outbound);
      const parts = await collect(instance.respond(input({ settings })));
      expect(textOf(parts)).toBe(UNAVAILABLE_MESSAGE);
      expect(openai.chatRequests()).toHaveLength(0);
      expect(lines.find((line) => line.error === 'OutboundRefusedError')?.detail).toMatch(/answered 307/);
    } finally {
      await new Promise((resolve) => redirector.close(resolve));
    }
  });
});

describe('LlmResponder: provider failures', () => {
  it('401: polite message, finish error, the cause logged without the key, exactly one call', async () => {
    openai.script({
      failure: { type: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` },
    });
    const { instance, lines } = responder();
    const parts = await collect(instance.respond(input()));
    expect(parts).toEqual([
      { type: 'text', text: UNAVAILABLE_MESSAGE },
      { type: 'finish', reason: 'error' },
    ]);
    expect(openai.chatRequests()).toHaveLength(1);
    const logged = lines.find((line) => line.status_code === 401);
    expect(logged).toMatchObject({ provider: 'openai-compatible', model: 'test-model', level: 50 });
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });

  it('429 twice then success: retried (3 calls) and answered', async () => {
    openai.script({ failure: { type: 'status', status: 429 }, failTimes: 2, reply: 'Open 9 to 5 [1].' });
    const parts = await collect(responder().instance.respond(input()));
    expect(openai.chatRequests()).toHaveLength(3);
    expect(textOf(parts)).toBe('Open 9 to 5 [1].');
    expect(finishOf(parts)).toMatchObject({ reason: 'stop' });
  });

  it('500: polite message after maxRetries + 1 calls', async () => {
    openai.script({ failure: { type: 'status', status: 500, retryAfter: 0 } });
    const { instance, lines } = responder({ maxRetries: 1 });
    const parts = await collect(instance.respond(input()));
    expect(openai.chatRequests()).toHaveLength(2);
    expect(textOf(parts)).toBe(UNAVAILABLE_MESSAGE);
    expect(finishOf(parts)).toEqual({ type: 'finish', reason: 'error' });
    expect(lines.find((line) => line.status_code === 500)).toMatchObject({ attempts: 2, level: 40 });
  });

  it('stall: polite message once the timeout passes', async () => {
    openai.script({ failure: { type: 'stall' } });
    const { instance, lines } = responder({ timeoutMs: 500 });
    const started = Date.now();
    const parts = await collect(instance.respond(input()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(2000);
    // The provider accepted the call (its stream started): the prompt is billed, so it counts.
    expect(parts).toEqual([
      { type: 'text', text: UNAVAILABLE_MESSAGE },
      {
        type: 'finish',
        reason: 'error',
        usage: { input_tokens: promptEstimate(openai), output_tokens: 0, estimated: true },
      },
    ]);
    expect(lines.find((line) => line.error === 'TimeoutError')).toMatchObject({ error_code: 'timeout' });
  });

  it('drop mid-stream: the partial text, then the cut-off notice, finish error', async () => {
    openai.script({
      reply: ['We are open ', 'Monday to Friday [1] ', 'and ', 'never lost'],
      failure: { type: 'drop', afterChunks: 2 },
    });
    const { instance, lines } = responder();
    const parts = await collect(instance.respond(input()));
    expect(textOf(parts)).toBe(`We are open Monday to Friday [1] ${CUT_OFF_NOTICE}`);
    expect(textOf(parts)).not.toContain(UNAVAILABLE_MESSAGE);
    expect(parts.at(-2)).toMatchObject({ type: 'sources' });
    // No usage chunk came: the prompt and the 33 characters streamed are estimated at 4 per token.
    expect(finishOf(parts)).toEqual({
      type: 'finish',
      reason: 'error',
      usage: { input_tokens: promptEstimate(openai), output_tokens: 9, estimated: true },
    });
    expect(lines.find((line) => line.level === 40 && line.msg === 'LLM provider failed')?.error_code).toBe(
      'stream_dropped',
    );
  });

  it('a stop mid-stream ends promptly with no polite message', async () => {
    openai.script({ reply: 'one two three four five six seven eight nine ten', chunkDelayMs: 150 });
    const controller = new AbortController();
    const parts: ResponderPart[] = [];
    const started = Date.now();
    setTimeout(() => controller.abort(), 400);
    const run = async () => {
      for await (const part of responder().instance.respond(input({ signal: controller.signal })))
        parts.push(part);
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(textOf(parts)).not.toContain(UNAVAILABLE_MESSAGE);
    expect(textOf(parts)).not.toContain('cut off');
    // What the provider streamed before the stop still counts against the budget.
    const finish = finishOf(parts);
    expect(finish).toMatchObject({
      reason: 'stopped',
      usage: { input_tokens: promptEstimate(openai), estimated: true },
    });
    expect(finish?.type === 'finish' && finish.usage?.output_tokens).toBeGreaterThan(0);
    expect(parts.at(-1)).toBe(finish);
  });
});

describe('LlmResponder: leak guard', () => {
  it('stops a model that echoes the system prompt before the tenant canary reaches the visitor', async () => {
    const settings: AssistantSettings = {
      system_prompt: 'Be warm and brief. Internal canary PROMPT-CANARY-93f1 must stay private to the team.',
    };
    // The worst model: it answers with its own system prompt.
    openai.script({ reply: (body) => String(body.messages?.[0]?.content ?? '') });
    const { instance, lines } = responder();
    const parts = await collect(instance.respond(input({ settings })));
    const text = textOf(parts);
    expect(systemOf(openai)).toContain('PROMPT-CANARY-93f1');
    expect(text).not.toContain('PROMPT-CANARY-93f1');
    expect(text).not.toContain('Be warm and brief');
    expect(text).not.toContain('Answer only from the numbered');
    expect(text).toContain("Sorry — I can't share that");
    expect(finishOf(parts)).toMatchObject({ reason: 'content-filter' });
    expect(lines.some((line) => String(line.msg).includes('system prompt'))).toBe(true);
  });
});

describe('LlmResponder.warmUp', () => {
  it('resolves when the provider lists its models, with the key', async () => {
    await expect(responder().instance.warmUp()).resolves.toBeUndefined();
    expect(openai.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(openai.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('rejects on 401 with a clear message that does not hold the key', async () => {
    const warmUp = responder({ apiKey: 'sk-wrong-key' }).instance.warmUp();
    await expect(warmUp).rejects.toThrow(
      /openai-compatible at http:\/\/127\.0\.0\.1:\d+\/v1\/models answered 401/,
    );
    await expect(warmUp).rejects.not.toThrow(/sk-wrong-key/);
  });

  it('rejects when the connection is refused', async () => {
    const closed = await startFakeOpenAi();
    const url = closed.url;
    await closed.close();
    await expect(responder({ baseUrl: url }).instance.warmUp()).rejects.toThrow(
      /unreachable: .*ECONNREFUSED/,
    );
  });
});

describe('LlmResponder: no answer', () => {
  const handoffOf = (parts: ResponderPart[]) =>
    parts.flatMap((part) => (part.type === 'handoff' ? [part.reason] : []));

  it('answers a question the knowledge base has nothing on with the platform’s offer of a human, without the model', async () => {
    const parts = await collect(
      responder().instance.respond(
        input({ tenant_id: 'empty-tenant', text: 'Who won the world cup in 1998?' }),
      ),
    );
    expect(openai.chatRequests()).toHaveLength(0);
    expect(textOf(parts)).toBe(noAnswerText('Acme', false));
    expect(textOf(parts)).toContain(HUMAN_OFFER);
    expect(parts.map((part) => part.type)).toEqual(['text', 'finish']);
    expect(finishOf(parts)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });

  it('hands over at once on such a question when the tenant wants handoff on no answer', async () => {
    const parts = await collect(
      responder().instance.respond(
        input({
          tenant_id: 'empty-tenant',
          text: 'Who won the world cup in 1998?',
          settings: { handoff_on_no_answer: true },
        }),
      ),
    );
    expect(textOf(parts)).toBe(noAnswerText('Acme', true));
    expect(parts.map((part) => part.type)).toEqual(['text', 'handoff', 'finish']);
    expect(handoffOf(parts)).toEqual(['no_answer']);
  });

  it('tells the model to reply with the marker, and turns the marker into the offer: no marker, no sources', async () => {
    openai.script({ reply: ['NO', '_ANS', 'WER'], usage: { prompt_tokens: 90, completion_tokens: 3 } });
    const parts = await collect(responder().instance.respond(input({ text: 'Do you sell gift cards?' })));
    expect(systemOf(openai)).toContain(`reply with exactly ${NO_ANSWER_MARKER} and nothing else`);
    expect(textOf(parts)).toBe(noAnswerText('Acme', false));
    expect(textOf(parts)).not.toMatch(/NO_|ANSWER/);
    expect(parts.some((part) => part.type === 'sources')).toBe(false);
    expect(handoffOf(parts)).toEqual([]);
    // The provider counted the call: it is billed like any other.
    expect(finishOf(parts)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { input_tokens: 90, output_tokens: 3 },
    });
  });

  it('keeps an apology before the marker, drops the marker and what follows, and hands over when asked to', async () => {
    openai.script({
      reply: ['Sorry, ', 'the pages [1] ', "don't say. ", '**NO_', 'ANSWER** ', 'But maybe [2] ', 'we do.'],
    });
    const parts = await collect(
      responder().instance.respond(
        input({ text: 'Do you sell gift cards?', settings: { handoff_on_no_answer: true } }),
      ),
    );
    const text = textOf(parts);
    expect(text).toBe(
      `Sorry, the pages [1] don't say.${noAnswerText('Acme', true, "Sorry, the pages [1] don't say.")}`,
    );
    expect(text).not.toContain('NO_ANSWER');
    expect(text).not.toContain('maybe');
    // Cited or not, a reply that did not answer shows no sources.
    expect(parts.some((part) => part.type === 'sources')).toBe(false);
    expect(parts.map((part) => part.type).slice(-2)).toEqual(['handoff', 'finish']);
    expect(handoffOf(parts)).toEqual(['no_answer']);
  });

  it('passes an answer that merely says "no answer" in prose through, with its sources', async () => {
    const reply = 'There is no answer fee: returns are free within 30 days [2].';
    openai.script({ reply });
    const parts = await collect(responder().instance.respond(input({ text: 'Is there a fee for returns?' })));
    expect(textOf(parts)).toBe(reply);
    expect(parts.find((part) => part.type === 'sources')).toMatchObject({ sources: [{ n: 2 }] });
  });
});

describe('LlmResponder: what failed calls cost', () => {
  it('an error event after tokens (a 500 mid-answer): partial text, cut-off notice, estimated usage, server_error', async () => {
    openai.script({
      reply: ['We are open ', 'Monday [1] ', 'to Friday.'],
      failure: { type: 'error-event', afterChunks: 2 },
    });
    const { instance, lines } = responder();
    const parts = await collect(instance.respond(input()));
    expect(textOf(parts)).toBe(`We are open Monday [1] ${CUT_OFF_NOTICE}`);
    // 23 characters streamed before the error: 6 tokens at 4 characters a token.
    expect(finishOf(parts)).toEqual({
      type: 'finish',
      reason: 'error',
      usage: { input_tokens: promptEstimate(openai), output_tokens: 6, estimated: true },
    });
    expect(lines.find((line) => line.msg === 'LLM provider failed')).toMatchObject({
      error_code: 'server_error',
    });
  });

  it('an HTTP 500 before any token costs nothing: no usage on the finish', async () => {
    openai.script({ failure: { type: 'status', status: 500, retryAfter: 0 } });
    const parts = await collect(responder({ maxRetries: 0 }).instance.respond(input()));
    expect(finishOf(parts)).toEqual({ type: 'finish', reason: 'error' });
  });
});

describe('LlmResponder: provider status', () => {
  it('records warming on first use, then ok or unavailable with a code, from replies and probes', async () => {
    const status = new ProviderStatusBoard({ now: () => new Date('2026-01-02T03:04:05.000Z') });
    const { log } = capturingLog();
    const instance = new LlmResponder({ retriever: memoryRetriever(), config, log, status });
    const key = providerKey(effectiveLlm(config, {}));
    expect(status.get(key)).toBeUndefined();

    openai.script({ reply: 'Open 9 to 5 [1].', chunkDelayMs: 30 });
    const reply = instance.respond(input())[Symbol.asyncIterator]();
    await reply.next();
    expect(status.get(key)).toEqual({ state: 'warming', error_code: null, checked_at: null });
    while (!(await reply.next()).done);
    expect(status.get(key)).toEqual({
      state: 'ok',
      error_code: null,
      checked_at: '2026-01-02T03:04:05.000Z',
    });

    openai.script({ failure: { type: 'status', status: 401 } });
    await collect(instance.respond(input()));
    expect(status.get(key)).toMatchObject({ state: 'unavailable', error_code: 'unauthorized' });

    const wrongKey = { llm_api_key: 'sk-wrong' };
    await expect(instance.warmUpFor(wrongKey)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(status.get(providerKey(effectiveLlm(config, wrongKey)))).toMatchObject({
      state: 'unavailable',
      error_code: 'unauthorized',
    });
    openai.script({});
    await instance.warmUp();
    expect(status.get(key)).toMatchObject({ state: 'ok', error_code: null });
  });
});
