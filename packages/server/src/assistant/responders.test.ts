import type { AssistantSettings } from '@miptech/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../outbound/allow-list.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { KnowledgeStore } from '../storage/knowledge-store.ts';
import type { MessageRecord, Tenant } from '../storage/store.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../testing/fake-openai-server.ts';
import { noAnswerText } from './human-offer.ts';
import { RECHECK_AFTER_MS, Responders } from './responders.ts';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;
const knowledge = { search: async () => [] } as unknown as KnowledgeStore;

function tenant(id: string, assistant: AssistantSettings = {}): Tenant {
  const now = new Date().toISOString();
  return {
    id,
    name: id,
    allowed_origins: [],
    greeting: '',
    enabled: true,
    assistant,
    created_at: now,
    updated_at: now,
  };
}

function assistantMessage(content: string): MessageRecord {
  const now = new Date().toISOString();
  return {
    id: 'a1',
    chat_id: 'c',
    seq: 2,
    role: 'assistant',
    content,
    metadata: {},
    client_message_id: null,
    status: 'complete',
    created_at: now,
    updated_at: now,
  };
}

let platformLlm: FakeOpenAi;
let tenantLlm: FakeOpenAi;
beforeAll(async () => {
  platformLlm = await startFakeOpenAi();
  tenantLlm = await startFakeOpenAi({ apiKey: 'sk-right' });
});
afterAll(async () => {
  await platformLlm.close();
  await tenantLlm.close();
});

function responders(now: () => Date = () => new Date()) {
  return new Responders({
    llm: {
      provider: 'openai-compatible',
      baseUrl: platformLlm.url,
      apiKey: undefined,
      model: 'fake-model',
      maxTokens: 100,
      timeoutMs: 2000,
      maxRetries: 0,
    },
    knowledge,
    log,
    outbound: new OutboundPolicy({ allow: parseAllowList('127.0.0.1') }),
    now,
  });
}

describe('Responders.select', () => {
  const offer = [assistantMessage(noAnswerText('Acme', false))];
  const answer = [assistantMessage('We open at 9 am [1]. Would you like to know our prices?')];

  it.each([
    ['yes please', offer, 'knowledge-base'],
    ['no thanks', offer, 'knowledge-base'],
    ['Can I talk to a person?', [], 'knowledge-base'],
    ['yes please', answer, 'llm:fake-model'],
    ['When do you open?', offer, 'llm:fake-model'],
  ] as const)('%j after %#: %s', (message, history, expected) => {
    const choice = responders().select(tenant('acme'), message, [...history]);
    expect(choice.name ?? choice.responder.name).toBe(expected);
    expect(choice.metered).toBe(expected !== 'knowledge-base');
  });
});

describe('Responders.assistantStatus', () => {
  it('probes a tenant’s own provider once, and again only after the re-check delay while unavailable', async () => {
    let clock = Date.parse('2026-03-01T10:00:00.000Z');
    const instance = responders(() => new Date(clock));
    const wrong = tenant('wrong', { llm_base_url: tenantLlm.url, llm_model: 'm', llm_api_key: 'sk-wrong' });
    const probes = () => tenantLlm.requests.filter((request) => request.path === '/v1/models').length;
    expect(instance.assistantStatus(wrong)).toMatchObject({ provider: 'tenant', state: 'warming' });
    await expect.poll(() => instance.assistantStatus(wrong).state).toBe('unavailable');
    expect(instance.assistantStatus(wrong)).toEqual({
      responder: 'llm',
      provider: 'tenant',
      state: 'unavailable',
      error_code: 'unauthorized',
      checked_at: '2026-03-01T10:00:00.000Z',
    });
    expect(probes()).toBe(1);

    clock += RECHECK_AFTER_MS - 1;
    instance.assistantStatus(wrong);
    expect(probes()).toBe(1);
    clock += 1;
    instance.assistantStatus(wrong);
    await expect.poll(probes).toBe(2);
    await expect.poll(() => instance.assistantStatus(wrong).checked_at).toBe('2026-03-01T10:00:30.000Z');

    // Once ok, reads do not probe again: replies keep the state fresh.
    const right = tenant('right', { llm_base_url: tenantLlm.url, llm_model: 'm', llm_api_key: 'sk-right' });
    instance.assistantStatus(right);
    await expect.poll(() => instance.assistantStatus(right).state).toBe('ok');
    clock += 10 * RECHECK_AFTER_MS;
    instance.assistantStatus(right);
    expect(probes()).toBe(3);
    instance.stop();
  });

  it('never probes a tenant provider at start, nor for the platform’s own setting', async () => {
    const instance = responders();
    instance.startWarmUp();
    await expect.poll(() => instance.state).toBe('ok');
    const before = tenantLlm.requests.length;
    expect(instance.assistantStatus(tenant('plain'))).toMatchObject({ provider: 'platform', state: 'ok' });
    expect(instance.assistantStatus(tenant('off', { llm_provider: 'none' }))).toMatchObject({
      responder: 'knowledge-base',
      provider: null,
    });
    expect(tenantLlm.requests.length).toBe(before);
    instance.stop();
  });
});
