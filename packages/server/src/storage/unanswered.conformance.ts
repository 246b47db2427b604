/**
 * The conformance suite for knowledge gaps ({@link Store.listUnansweredQuestions}): which replies
 * count as unanswered, newest first, bounded, and never another tenant's. Every `Store`
 * implementation runs it (see `sqlite/` and `postgres/` store tests).
 */
import { describe, expect } from 'vitest';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import type { Store } from './store.ts';

let counter = 0;
const freshTenantId = () => `gaps-${Date.now().toString(36)}-${++counter}`;
const LONG_AGO = '2000-01-01T00:00:00.000Z';

export function describeUnansweredConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`Unanswered questions conformance: ${name}`, () => {
    let store: Store;
    const { test } = storeSuite(name, harness, (opened) => {
      store = opened;
    });

    /** A chat with one question and the assistant's final reply to it. */
    async function exchange(
      tenant_id: string,
      question: string,
      reply: { content?: string; metadata?: Record<string, unknown>; status?: 'complete' | 'stopped' },
      context: Record<string, unknown> = {},
    ) {
      const chat = await store.createChat({
        tenant_id,
        session_id: 's',
        visitor_id: 'v',
        title: 'C',
        context,
      });
      const asked = await store.appendMessage({
        tenant_id,
        chat_id: chat.id,
        role: 'user',
        content: question,
        metadata: {},
      });
      const answer = await store.appendMessage({
        tenant_id,
        chat_id: chat.id,
        role: 'assistant',
        content: '',
        metadata: { in_reply_to: asked?.message.id },
        status: 'streaming',
      });
      await store.updateMessage(tenant_id, chat.id, answer?.message.id ?? '', {
        content: reply.content ?? "I couldn't find that in Acme's knowledge base.",
        status: reply.status ?? 'complete',
        metadata: { in_reply_to: asked?.message.id, finish_reason: 'stop', ...reply.metadata },
      });
      return { chat, question: asked?.message };
    }

    test('lists questions answered without a source, newest first, and nothing else', async () => {
      const tenant = (await store.createTenant({ id: freshTenantId(), name: 'Acme' })).id;
      const boats = await exchange(tenant, 'Do you sell boats?', {});
      await exchange(tenant, 'What services do you offer?', {
        content: 'We build websites [1].',
        metadata: { sources: [{ n: 1, document_id: 'd', title: 'Services', url: null, excerpt: 'x' }] },
      });
      await exchange(tenant, 'Can I talk to a person?', { metadata: { handoff: 'requested' } });
      await exchange(tenant, 'Is the model down?', { metadata: { finish_reason: 'error' } });
      await exchange(tenant, 'Half an answer?', { status: 'stopped' });
      await exchange(tenant, 'A console test about boats?', {}, { console_test: true });
      const goats = await exchange(tenant, 'Do you rent goats?', {
        metadata: { handoff: 'no_answer', sources: [] },
      });

      const gaps = await store.listUnansweredQuestions(tenant, { since: LONG_AGO, limit: 10 });
      expect(gaps.map((gap) => gap.question)).toEqual(['Do you rent goats?', 'Do you sell boats?']);
      expect(gaps[1]).toEqual({
        chat_id: boats.chat.id,
        message_id: boats.question?.id,
        question: 'Do you sell boats?',
        answer: "I couldn't find that in Acme's knowledge base.",
        asked_at: boats.question?.created_at,
      });
      expect(gaps[0]?.chat_id).toBe(goats.chat.id);
      expect(await store.listUnansweredQuestions(tenant, { since: LONG_AGO, limit: 1 })).toHaveLength(1);
      // Only questions asked after `since`.
      const future = new Date(Date.now() + 60_000).toISOString();
      expect(await store.listUnansweredQuestions(tenant, { since: future, limit: 10 })).toEqual([]);
    });

    test("never lists another tenant's questions", async () => {
      const alpha = (await store.createTenant({ id: freshTenantId(), name: 'Alpha' })).id;
      const bravo = (await store.createTenant({ id: freshTenantId(), name: 'Bravo' })).id;
      await exchange(alpha, 'Alpha secret question?', {});
      await exchange(bravo, 'Bravo question?', {});
      const ofAlpha = await store.listUnansweredQuestions(alpha, { since: LONG_AGO, limit: 10 });
      const ofBravo = await store.listUnansweredQuestions(bravo, { since: LONG_AGO, limit: 10 });
      expect(ofAlpha.map((gap) => gap.question)).toEqual(['Alpha secret question?']);
      expect(ofBravo.map((gap) => gap.question)).toEqual(['Bravo question?']);
      expect(await store.listUnansweredQuestions('no-such-tenant', { since: LONG_AGO, limit: 10 })).toEqual(
        [],
      );
    });
  });
}
