import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssistantSettings, Source } from '@miptech/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureDemoKnowledge } from '../knowledge/demo-knowledge.ts';
import { prepareDocument } from '../knowledge/prepare-document.ts';
import type { PassageHit, Retriever } from '../storage/knowledge-store.ts';
import { searchTerms } from '../storage/search-terms.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { MessageRecord } from '../storage/store.ts';
import { DEMO_TENANT_ID, ensureDemoTenant } from '../tenancy/demo-tenant.ts';
import { messageRecord } from '../testing/message-record.ts';
import { KnowledgeResponder } from './knowledge-responder.ts';
import type { ResponderInput, ResponderPart } from './responder.ts';

const DONT_KNOW = "I couldn't find that in MIPTech's knowledge base.";
const HUMAN_OFFER = 'Would you like me to connect you with a member of the team?';

const message = messageRecord;

interface InputOptions {
  tenant_id?: string;
  settings?: AssistantSettings;
  history?: MessageRecord[];
  signal?: AbortSignal;
}

function input(content: string, options: InputOptions = {}): ResponderInput {
  const tenant_id = options.tenant_id ?? DEMO_TENANT_ID;
  const time = new Date().toISOString();
  const question = message('user', content);
  return {
    tenant_id,
    tenant_name: 'MIPTech',
    settings: options.settings ?? {},
    chat: {
      id: 'chat-1',
      tenant_id,
      session_id: 'session-1',
      visitor_id: 'visitor-1',
      title: 'Chat',
      status: 'active',
      assigned_to: null,
      context: {},
      last_seq: question.seq,
      created_at: time,
      updated_at: time,
    },
    history: options.history ?? [],
    message: question,
    signal: options.signal ?? new AbortController().signal,
  };
}

interface Collected {
  parts: ResponderPart[];
  text: string;
  sources: Source[] | undefined;
  handoff: string | undefined;
  finish: ResponderPart | undefined;
}

async function collect(parts: AsyncIterable<ResponderPart>): Promise<Collected> {
  const all: ResponderPart[] = [];
  for await (const part of parts) all.push(part);
  return {
    parts: all,
    text: all.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    sources: all.flatMap((part) => (part.type === 'sources' ? [part.sources] : []))[0],
    handoff: all.flatMap((part) => (part.type === 'handoff' ? [part.reason] : []))[0],
    finish: all.find((part) => part.type === 'finish'),
  };
}

/** Passages in memory, scored by how many of the query's words they hold; scoped by tenant. */
function fakeRetriever(
  passages: Array<Partial<PassageHit> & { tenant_id: string; text: string }>,
): Retriever {
  return {
    search: vi.fn(async (tenant_id: string, query: string, options: { limit: number }) => {
      const terms = searchTerms(query);
      return passages
        .map((passage, index) => {
          const words = new Set(
            searchTerms(`${passage.title ?? ''} ${passage.heading ?? ''} ${passage.text}`),
          );
          const hit: PassageHit = {
            id: `passage-${index}`,
            document_id: `document-${index}`,
            ordinal: 0,
            heading: '',
            title: `Document ${index}`,
            url: null,
            source: `fake:${index}`,
            ...passage,
            score: terms.filter((term) => words.has(term)).length,
          };
          return { tenant: passage.tenant_id, hit };
        })
        .filter(({ tenant, hit }) => tenant === tenant_id && hit.score > 0)
        .sort((first, second) => second.hit.score - first.hit.score)
        .slice(0, options.limit)
        .map(({ hit }) => hit);
    }),
  };
}

describe('KnowledgeResponder with a fake retriever', () => {
  const retriever = fakeRetriever([
    {
      tenant_id: 'tenant-a',
      title: 'Support',
      heading: 'Support › Plans',
      text: 'We offer <b>support</b> plans for every project. Support plans start at 900 euros per month.',
    },
    {
      tenant_id: 'tenant-b',
      title: 'Support',
      heading: 'Support › Plans',
      text: 'Support plans cost ZEBRA-CANARY-42 per month, and we offer support plans for every project.',
    },
  ]);
  const responder = new KnowledgeResponder({ retriever, chunkDelayMs: 0 });

  it('streams a plain-text answer in several parts, then its sources, then finish', async () => {
    const reply = await collect(
      responder.respond(input('What support plans do you offer?', { tenant_id: 'tenant-a' })),
    );
    expect(reply.parts.filter((part) => part.type === 'text').length).toBeGreaterThan(3);
    expect(reply.parts.map((part) => part.type).slice(-2)).toEqual(['sources', 'finish']);
    expect(reply.text).toContain('We offer support plans for every project.');
    expect(reply.text).toMatch(/\[1\]$/);
    expect(reply.text).not.toMatch(/<\/?[a-z]/i);
    expect(reply.sources).toEqual([
      expect.objectContaining({ n: 1, document_id: 'document-0', title: 'Support', url: null }),
    ]);
    expect(reply.finish).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });

  it("never answers from another tenant's passages", async () => {
    const reply = await collect(
      responder.respond(input('How much do support plans cost?', { tenant_id: 'tenant-a' })),
    );
    expect(JSON.stringify(reply.parts)).not.toContain('ZEBRA-CANARY-42');
    for (const [tenant] of vi.mocked(retriever.search).mock.calls) expect(tenant).toBe('tenant-a');
  });

  it('warms up with one search, and fails when the retriever does', async () => {
    await expect(responder.warmUp()).resolves.toBeUndefined();
    const broken = new KnowledgeResponder({
      retriever: { search: async () => Promise.reject(new Error('database is locked')) },
    });
    await expect(broken.warmUp()).rejects.toThrow('database is locked');
  });

  it('ends promptly when aborted mid-stream', async () => {
    const slow = new KnowledgeResponder({ retriever, chunkDelayMs: 1000 });
    const controller = new AbortController();
    const parts: ResponderPart[] = [];
    let abortedAt = 0;
    const run = (async () => {
      for await (const part of slow.respond(
        input('What support plans do you offer?', { tenant_id: 'tenant-a', signal: controller.signal }),
      )) {
        parts.push(part);
        if (parts.length === 1) {
          abortedAt = performance.now();
          controller.abort();
        }
      }
    })();
    await expect(run).rejects.toThrow(/abort/i);
    // The next part was a second away: ending well before it means the pause itself was cut short.
    expect(performance.now() - abortedAt).toBeLessThan(500);
    expect(parts).toHaveLength(1);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(responder.respond(input('hi', { signal: controller.signal })))).rejects.toThrow(
      /abort/i,
    );
  });
});

describe('KnowledgeResponder on the demo knowledge base (SQLite)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'miptech-knowledge-responder-'));
  const store = new SqliteStore({ path: join(directory, 'platform.db') });
  const responder = new KnowledgeResponder({ retriever: store.knowledge, chunkDelayMs: 0 });
  const sourceOf = new Map<string, string>();

  beforeAll(async () => {
    await store.migrate();
    await ensureDemoTenant(store);
    await ensureDemoKnowledge(store);
    await store.createTenant({ id: 'other-company', name: 'Other' });
    await store.knowledge.upsertDocument(
      prepareDocument({
        tenant_id: 'other-company',
        source: 'services.md',
        format: 'markdown',
        body: '# Services we offer\n\nOur services: web development and mobile apps, for ZEBRA-CANARY-42 a day.',
      }),
    );
    for (const document of await store.knowledge.listDocuments(DEMO_TENANT_ID)) {
      sourceOf.set(document.id, document.source);
    }
  });

  afterAll(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('lists the services, citing services.md as [1]', async () => {
    const reply = await collect(responder.respond(input('What services does MIPTech offer?')));
    const services = ['web development', 'AI assistants', 'mobile apps', 'cloud', 'UX'];
    expect(services.filter((service) => reply.text.includes(service)).length).toBeGreaterThanOrEqual(4);
    expect(reply.text).toContain('[1]');
    expect(sourceOf.get(reply.sources?.[0]?.document_id ?? '')).toBe('demo:services.md');
    expect(reply.sources?.[0]).toMatchObject({ n: 1, title: 'Services MIPTech offers', url: '/services' });
    expect(reply.sources?.[0]?.excerpt.length).toBeLessThanOrEqual(200);
    expect(reply.text).not.toContain('ZEBRA-CANARY-42');
  });

  it("quotes the passages' own sentences, within the length limit", async () => {
    const reply = await collect(responder.respond(input('How much does a website cost?')));
    expect(sourceOf.get(reply.sources?.[0]?.document_id ?? '')).toBe('demo:pricing.md');
    expect(reply.text).toContain('€8,000 to €25,000');
    const quoted = reply.text.replace(/\s*\[\d\]/g, '');
    expect(quoted.length).toBeLessThanOrEqual(700);
    const documents = await Promise.all(
      [...sourceOf.keys()].map((id) => store.knowledge.getDocument(DEMO_TENANT_ID, id)),
    );
    const knowledge = documents.flatMap(
      (document) => document?.passages.map((passage) => passage.text) ?? [],
    );
    for (const line of quoted.split('\n').filter(Boolean)) {
      expect(knowledge.some((text) => text.includes(line.replace(/^- /, '')))).toBe(true);
    }
  });

  it.each(["What's the weather in Paris?", 'Who won the world cup?', 'What is the price of Bitcoin?'])(
    'says it does not know %j and offers a human',
    async (question) => {
      const reply = await collect(responder.respond(input(question)));
      expect(reply.text).toBe(`${DONT_KNOW} ${HUMAN_OFFER}`);
      expect(reply.sources).toBeUndefined();
      expect(reply.handoff).toBeUndefined();
    },
  );

  it('asks for a human at once when the tenant wants handoff on no answer', async () => {
    const reply = await collect(
      responder.respond(input('Who won the world cup?', { settings: { handoff_on_no_answer: true } })),
    );
    expect(reply.text).toContain("I couldn't find that in MIPTech's knowledge base");
    expect(reply.handoff).toBe('no_answer');
    expect(reply.sources).toBeUndefined();
    expect(reply.parts.map((part) => part.type).slice(-2)).toEqual(['handoff', 'finish']);
  });

  it('greets with the persona and the tenant name', async () => {
    const reply = await collect(responder.respond(input('Hey there!', { settings: { persona: 'Mia' } })));
    expect(reply.text).toContain("I'm Mia, MIPTech's virtual assistant");
    expect(reply.text).toContain('How can I help');
    expect(reply.sources).toBeUndefined();
    const plain = await collect(responder.respond(input('Good morning')));
    expect(plain.text).toContain("MIPTech's virtual assistant");
  });

  it('answers thanks and goodbye politely, without sources', async () => {
    const thanks = await collect(responder.respond(input('great, thanks!')));
    expect(thanks.text).toContain("You're welcome");
    const goodbye = await collect(responder.respond(input('bye')));
    expect(goodbye.text).toContain('Goodbye');
    expect([thanks.sources, goodbye.sources, thanks.handoff, goodbye.handoff]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('hands over when asked for a human', async () => {
    const reply = await collect(responder.respond(input('Can I speak to a person?')));
    expect(reply.text).toContain('member of the MIPTech team');
    expect(reply.handoff).toBe('requested');
  });

  it('hands over when the visitor accepts the offer of a human, not otherwise', async () => {
    const offered = [
      message('user', 'Who won the world cup?'),
      message('assistant', `${DONT_KNOW} ${HUMAN_OFFER}`),
    ];
    expect((await collect(responder.respond(input('yes please', { history: offered })))).handoff).toBe(
      'requested',
    );
    const declined = await collect(responder.respond(input('no thanks', { history: offered })));
    expect(declined.handoff).toBeUndefined();
    expect((await collect(responder.respond(input('yes')))).handoff).toBeUndefined();
  });

  it('reads a short follow-up with the previous question', async () => {
    const history = [
      message('user', 'Do you build mobile apps?'),
      message('assistant', 'We build iOS and Android apps.'),
    ];
    const reply = await collect(responder.respond(input('How much does it cost?', { history })));
    expect(sourceOf.get(reply.sources?.[0]?.document_id ?? '')).toBe('demo:pricing.md');
    expect(reply.text).toContain('A mobile app for iOS and Android: €35,000 to €120,000.');
  });

  it("never searches another tenant's knowledge", async () => {
    const reply = await collect(
      responder.respond(input('What services do you offer?', { tenant_id: 'other-company' })),
    );
    expect(reply.text).toContain('ZEBRA-CANARY-42');
    const demo = await collect(responder.respond(input('What does a day of web development cost?')));
    expect(demo.text).not.toContain('ZEBRA-CANARY-42');
  });
});
