/**
 * The LLM responder's "no answer" must read exactly as the built-in responder's third tier: the
 * built-in responder recognises its own offer of a human in the history (a "yes" after it is a
 * handoff), and the LLM path relies on that. These tests fail if either wording drifts.
 */
import { describe, expect, it } from 'vitest';
import type { Retriever } from '../storage/knowledge-store.ts';
import type { MessageRecord } from '../storage/store.ts';
import { messageRecord } from '../testing/message-record.ts';
import { HUMAN_OFFER, noAnswerText, offeredHuman } from './human-offer.ts';
import { KnowledgeResponder } from './knowledge-responder.ts';
import type { ResponderInput, ResponderPart } from './responder.ts';

const empty: Retriever = { search: async () => [] };

const message = messageRecord;

function input(content: string, settings = {}, history: MessageRecord[] = []): ResponderInput {
  const now = new Date().toISOString();
  return {
    tenant_id: 'acme',
    tenant_name: 'Acme Widgets',
    settings,
    chat: {
      id: 'chat-1',
      tenant_id: 'acme',
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
    history,
    message: message('user', content, history.length + 1),
    signal: new AbortController().signal,
  };
}

async function reply(responderInput: ResponderInput) {
  const parts: ResponderPart[] = [];
  for await (const part of new KnowledgeResponder({ retriever: empty, chunkDelayMs: 0 }).respond(
    responderInput,
  ))
    parts.push(part);
  return {
    text: parts.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    handoff: parts.flatMap((part) => (part.type === 'handoff' ? [part.reason] : [])),
  };
}

describe('the no-answer reply, shared with the built-in responder', () => {
  it('is word for word the built-in third tier, with and without handoff on no answer', async () => {
    expect((await reply(input('Who won the world cup in 1998?'))).text).toBe(
      noAnswerText('Acme Widgets', false),
    );
    const handed = await reply(input('Who won the world cup in 1998?', { handoff_on_no_answer: true }));
    expect(handed.text).toBe(noAnswerText('Acme Widgets', true));
    expect(handed.handoff).toEqual(['no_answer']);
  });

  it('offers a human in words the built-in responder recognises: its "yes" after the offer hands over', async () => {
    for (const offer of [
      noAnswerText('Acme Widgets', false),
      `Sorry, I can't tell.${noAnswerText('Acme Widgets', false, "Sorry, I can't tell.")}`,
    ]) {
      const history = [message('user', 'Do you sell gift cards?', 1), message('assistant', offer, 2)];
      expect(offer).toContain(HUMAN_OFFER);
      expect(offeredHuman(history)).toBe(true);
      expect((await reply(input('yes please', {}, history))).handoff).toEqual(['requested']);
    }
    expect(offeredHuman([message('assistant', 'We open at 9 [1].', 1)])).toBe(false);
  });
});
