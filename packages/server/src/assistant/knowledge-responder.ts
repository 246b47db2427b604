/**
 * The built-in responder: answers from the tenant's knowledge base with no model at all. It
 * recognises small talk (`intents.ts`), retrieves passages, decides whether they answer the
 * question (term coverage plus retrieval score), and quotes the most relevant sentences of the
 * best one or two passages with numbered citations. It never writes a fact of its own: every
 * sentence of an answer is a passage's sentence, so it cannot invent a price or a promise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Source } from '@miptech/protocol';
import type { Retriever } from '../storage/knowledge-store.ts';
import { normalizeChatSpelling } from './chat-spelling.ts';
import { HUMAN_OFFER, noAnswerText, offeredHuman } from './human-offer.ts';
import { recognizeIntent } from './intents.ts';
import { composeAnswer } from './knowledge-answer.ts';
import { unknownName } from './name-check.ts';
import { analyzeQuestion, synonymWords } from './question-terms.ts';
import { relatedPages } from './related-pages.ts';
import type { Responder, ResponderInput, ResponderPart } from './responder.ts';
import { joinedWords, rarityIn, TypoCorrector } from './typo-correction.ts';

/** Options for {@link KnowledgeResponder}. */
export interface KnowledgeResponderOptions {
  /** Where passages come from: the store's knowledge base. */
  retriever: Retriever;
  /** Pause between streamed parts, so the reply arrives like a model's; 0 in tests and the eval. */
  chunkDelayMs?: number;
}

/** Passages read per query: the reranking looks further than the first few hits. */
const SEARCH_LIMIT = 10;
/** Words per streamed part. */
const WORDS_PER_PART = 3;

/**
 * Answers from the tenant's knowledge base, without a model.
 *
 * @example
 * const responder = new KnowledgeResponder({ retriever: store.knowledge });
 * for await (const part of responder.respond(input)) console.log(part);
 */
export class KnowledgeResponder implements Responder {
  readonly name = 'knowledge-base';
  readonly #retriever: Retriever;
  readonly #chunkDelayMs: number;
  readonly #typos: TypoCorrector;

  constructor(options: KnowledgeResponderOptions) {
    this.#retriever = options.retriever;
    this.#typos = new TypoCorrector(options.retriever);
    this.#chunkDelayMs = options.chunkDelayMs ?? 15;
  }

  async warmUp(): Promise<void> {
    // The index is the database: one search proves it answers. No tenant has this id.
    await this.#retriever.search('warm-up-probe', 'warm up', { limit: 1 });
  }

  async *respond(input: ResponderInput): AsyncIterable<ResponderPart> {
    const { signal } = input;
    signal.throwIfAborted();
    const reply = await this.#reply(input);
    signal.throwIfAborted();
    const parts = reply.text.match(new RegExp(`(?:\\S+\\s*){1,${WORDS_PER_PART}}`, 'g')) ?? [];
    for (const [index, text] of parts.entries()) {
      if (index > 0 && this.#chunkDelayMs > 0) await sleep(this.#chunkDelayMs, undefined, { signal });
      signal.throwIfAborted();
      yield { type: 'text', text };
    }
    if (reply.sources.length > 0) yield { type: 'sources', sources: reply.sources };
    if (reply.handoff) yield { type: 'handoff', reason: reply.handoff };
    yield { type: 'finish', reason: 'stop', usage: { input_tokens: 0, output_tokens: 0 } };
  }

  async #reply(raw: ResponderInput): Promise<Reply> {
    // Chat spellings first: "thx" is thanks and "wat r ur prices" a question about prices.
    const content = normalizeChatSpelling(raw.message.content);
    const input = { ...raw, message: { ...raw.message, content } };
    const tenant = input.tenant_name;
    const persona = input.settings.persona;
    const names = [tenant, ...(persona ? [persona] : [])];
    const offered = offeredHuman(input.history);
    switch (recognizeIntent(input.message.content, { names })) {
      case 'greeting':
        return plain(greeting(tenant, persona));
      case 'thanks':
        return plain("You're welcome! Is there anything else I can help you with?");
      case 'goodbye':
        return plain(`Thanks for chatting with ${tenant}. Goodbye, and have a great day!`);
      case 'handoff':
        return handoff(tenant);
      case 'yes':
        return offered ? handoff(tenant) : plain('Sure! What would you like to know?');
      case 'no':
        return plain(
          offered
            ? 'No problem. Is there anything else I can help you with?'
            : 'Alright. If anything else comes up, just ask here.',
        );
      case 'question':
        return this.#answer(input);
    }
  }

  async #answer(input: ResponderInput): Promise<Reply> {
    const names = [input.tenant_name, ...(input.settings.persona ? [input.settings.persona] : [])];
    // A name the knowledge base never mentions ("Does Strapi have…?", "Contentful") is another
    // product's question: no passage about our own features answers it.
    if (await unknownName(this.#retriever, input.tenant_id, input.message.content, names)) {
      return noAnswer(input);
    }
    const corrected = await this.#typos.correct(input.tenant_id, input.message.content);
    const vocabulary = await this.#typos.vocabulary(input.tenant_id);
    const rarity = vocabulary && rarityIn(vocabulary);
    const joined = vocabulary ? joinedWords(corrected.text, vocabulary) : [];
    const text = [corrected.text, ...joined].join(' ');
    const question = analyzeQuestion(text, contextOf(input), [input.tenant_name], rarity);
    // Term rarity at its extreme: a content word the knowledge base never uses ("gmail", "poem",
    // "pip") may be what the question is about. It already counts against coverage; it also
    // rules out the "related pages" tier, whose looser bar it would otherwise pass.
    const words = question.current
      .map((term) => term.word)
      .filter((word) => /^\p{L}+$/u.test(word))
      .map((word) => ({ word, synonyms: synonymWords(word) }));
    const unknown = await this.#typos.unknownWords(input.tenant_id, words);
    const lists = await Promise.all(
      question.queries.map((query) =>
        this.#retriever.search(input.tenant_id, query, { limit: SEARCH_LIMIT }),
      ),
    );
    const answer = composeAnswer(lists, question);
    if (answer) return answer;
    const related = unknown.length === 0 ? relatedPages(lists, question) : [];
    return related.length > 0 ? relatedReply(related) : noAnswer(input);
  }
}

/** What a reply says, before it is streamed. */
interface Reply {
  text: string;
  sources: Source[];
  handoff?: 'requested' | 'no_answer';
}

/**
 * The middle tier: no passage answers the question outright, but some cover most of it. The
 * visitor gets links to read rather than a quote that may not answer, and can still ask a person.
 */
function relatedReply(sources: Source[]): Reply {
  const lines = sources.map((source) => `- ${source.title} [${source.n}]`);
  return {
    text: `I'm not sure I have an exact answer, but these pages look related.\n${lines.join('\n')}\n${HUMAN_OFFER}`,
    sources,
  };
}

function plain(text: string): Reply {
  return { text, sources: [] };
}

function greeting(tenant: string, persona: string | undefined): string {
  const introduction = !persona
    ? `I'm ${possessive(tenant)} virtual assistant.`
    : persona.includes(tenant)
      ? `I'm ${persona}.`
      : `I'm ${persona}, ${possessive(tenant)} virtual assistant.`;
  return `Hello! ${introduction} How can I help you today? Ask me anything about ${tenant}, or ask to talk to a person at any time.`;
}

function handoff(tenant: string): Reply {
  return {
    text: `Of course. I've asked a member of the ${tenant} team to join this chat; they will reply here as soon as they can.`,
    sources: [],
    handoff: 'requested',
  };
}

function noAnswer(input: ResponderInput): Reply {
  const handOver = Boolean(input.settings.handoff_on_no_answer);
  return {
    text: noAnswerText(input.tenant_name, handOver),
    sources: [],
    ...(handOver ? { handoff: 'no_answer' as const } : {}),
  };
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/**
 * The visitor's previous question, which a follow-up such as "how much does it cost?" leaves
 * implicit; only real questions count ("thanks" says nothing about the topic).
 */
function contextOf(input: ResponderInput): string | undefined {
  const previous = input.history.findLast(
    (message) => message.role === 'user' && message.id !== input.message.id,
  );
  if (!previous || recognizeIntent(previous.content) !== 'question') return undefined;
  return previous.content;
}
