/**
 * The built-in responder: answers from the tenant's knowledge base with no model at all. It
 * recognises small talk (`intents.ts`), retrieves passages, decides whether they answer the
 * question (term coverage plus retrieval score), and quotes the most relevant sentences of the
 * best one or two passages with numbered citations. It never writes a fact of its own: every
 * sentence of an answer is a passage's sentence, so it cannot invent a price or a promise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Source } from '@miptech/protocol';
import type { PassageHit, Retriever } from '../storage/knowledge-store.ts';
import type { MessageRecord } from '../storage/store.ts';
import { recognizeIntent } from './intents.ts';
import {
  analyzeQuestion,
  CONTEXT_WEIGHT,
  type Coverage,
  type QuestionTerms,
  termCoverage,
  unitRelevance,
} from './question-terms.ts';
import type { Responder, ResponderInput, ResponderPart } from './responder.ts';

/** Options for {@link KnowledgeResponder}. */
export interface KnowledgeResponderOptions {
  /** Where passages come from: the store's knowledge base. */
  retriever: Retriever;
  /** Pause between streamed parts, so the reply arrives like a model's; 0 in tests and the eval. */
  chunkDelayMs?: number;
}

/** Passages read per query: the reranking below looks further than the first few hits. */
const SEARCH_LIMIT = 10;
/** How much a hit found only through synonyms counts next to one the question's words found. */
const SYNONYM_QUERY_WEIGHT = 0.8;
/**
 * Share of the question's words a passage must contain to count as an answer: most of them, or
 * half when that is at least two words ("move our old system to the cloud" → "move", "cloud").
 * One word of two is not enough: "the price of Bitcoin" shares only "price" with a price list.
 */
const MIN_COVERAGE = 0.6;
const MIN_HALF_COVERAGE_MATCHES = 2;
/** A second passage is quoted only when it is nearly as relevant as the first… */
const SECOND_PASSAGE_RATIO = 0.8;
/** …or, when it adds no word of the question, from another document and almost as relevant. */
const CLOSE_SECOND_RATIO = 0.9;
/** Longest quoted answer, citations aside: a chat bubble, not a page. */
const MAX_ANSWER_CHARS = 700;
/** Below this the best passage's matching sentences get their neighbours for context. */
const MIN_ANSWER_CHARS = 220;
/** Longest excerpt in a source. */
const MAX_EXCERPT_CHARS = 200;
/** How passage headings are joined ("Pricing › Plans"), as `knowledge/passages.ts` writes them. */
const HEADING_SEPARATOR = ' › ';
/** A sentence is quoted when it holds at least this share of what the best sentence holds. */
const UNIT_SHARE_OF_BEST = 0.6;
/** How the Markdown parser writes list items in a passage's text. */
const LIST_MARKER = /^(?:[-*•]|\d+[.)])\s+/;
/** Words per streamed part. */
const WORDS_PER_PART = 3;

/** The sentence that offers a human; a "yes" after it is a handoff request. */
const HUMAN_OFFER = 'Would you like me to connect you with a member of the team?';

/** A passage judged against the question. */
interface Candidate {
  hit: PassageHit;
  coverage: Coverage;
  /** How much of the question the passage's own heading covers: what the passage is about. */
  topic: number;
  rank: number;
}

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

  constructor(options: KnowledgeResponderOptions) {
    this.#retriever = options.retriever;
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

  async #reply(input: ResponderInput): Promise<Reply> {
    const tenant = input.tenant_name;
    const persona = input.settings.persona;
    const names = [tenant, ...(persona ? [persona] : [])];
    const offered = lastOf(input.history, 'assistant')?.content.includes(HUMAN_OFFER) ?? false;
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
    const question = analyzeQuestion(input.message.content, contextOf(input), [input.tenant_name]);
    const lists = await Promise.all(
      question.queries.map((query) =>
        this.#retriever.search(input.tenant_id, query, { limit: SEARCH_LIMIT }),
      ),
    );
    const candidates = rankCandidates(lists, question).filter((candidate) => answers(candidate.coverage));
    const best = candidates[0];
    if (!best) return noAnswer(input);

    // A second passage must be nearly as good, and either cover what the first does not or come
    // from another document (the same fact seen from another side: a price and a process).
    const second = candidates.find(
      (candidate) =>
        candidate.hit.id !== best.hit.id &&
        candidate.rank >= best.rank * SECOND_PASSAGE_RATIO &&
        (termCoverage(question, `${passageText(best.hit)}\n${passageText(candidate.hit)}`).matched >
          best.coverage.matched ||
          (candidate.hit.document_id !== best.hit.document_id &&
            candidate.topic > 0 &&
            candidate.rank >= best.rank * CLOSE_SECOND_RATIO)),
    );
    const blocks: string[] = [];
    const sources: Source[] = [];
    for (const candidate of second ? [best, second] : [best]) {
      const budget = MAX_ANSWER_CHARS - blocks.join('\n\n').length;
      const quoted = quotePassage(candidate.hit.text, question, budget, sources.length === 0);
      if (!quoted) continue;
      const n = sources.length + 1;
      blocks.push(`${quoted} [${n}]`);
      sources.push({
        n,
        document_id: candidate.hit.document_id,
        title: candidate.hit.title,
        url: candidate.hit.url,
        excerpt: shorten(quoted.replace(/\s+/g, ' '), MAX_EXCERPT_CHARS),
      });
    }
    if (sources.length === 0) return noAnswer(input);
    return { text: blocks.join('\n\n'), sources };
  }
}

/** What a reply says, before it is streamed. */
interface Reply {
  text: string;
  sources: Source[];
  handoff?: 'requested' | 'no_answer';
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
  const notFound = `I couldn't find that in ${possessive(input.tenant_name)} knowledge base`;
  if (input.settings.handoff_on_no_answer) {
    return {
      text: `${notFound}, so I've asked a member of the team to join this chat. They will reply here as soon as they can.`,
      sources: [],
      handoff: 'no_answer',
    };
  }
  return plain(`${notFound}. ${HUMAN_OFFER}`);
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

function lastOf(history: MessageRecord[], role: MessageRecord['role']): MessageRecord | undefined {
  return history.findLast((message) => message.role === role);
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

/**
 * The passages judged by how much of the question each covers (title and headings count: "How
 * long does a project take?" is answered under that very heading), how much of it one sentence
 * covers (the question's words together, not scattered over the passage), how much its own
 * heading covers (a section about opening hours, not one that mentions "open positions"), and
 * the retriever's score relative to the best of its list (the synonym query's list counting a
 * little less), best first.
 */
function rankCandidates(lists: PassageHit[][], question: QuestionTerms): Candidate[] {
  const relative = new Map<string, { hit: PassageHit; score: number }>();
  for (const [position, hits] of lists.entries()) {
    const top = Math.max(...hits.map((hit) => hit.score), Number.MIN_VALUE);
    const weight = position === 0 ? 1 : SYNONYM_QUERY_WEIGHT;
    for (const hit of hits) {
      const score = (weight * Math.max(0, hit.score)) / top;
      if (score >= (relative.get(hit.id)?.score ?? -1)) relative.set(hit.id, { hit, score });
    }
  }
  const termCount = question.current.length + CONTEXT_WEIGHT * question.context.length || 1;
  return [...relative.values()]
    .map(({ hit, score }) => {
      const coverage = termCoverage(question, passageText(hit));
      const topic = unitRelevance(question, ownHeading(hit)) / termCount;
      // A heading that holds the whole question ("How long does a project take?") counts as a sentence.
      const focus = Math.max(
        topic,
        ...splitUnits(hit.text, question).map((unit) => unit.relevance / termCount),
      );
      return {
        hit,
        coverage,
        topic,
        rank: 0.35 * coverage.weighted + 0.25 * Math.min(1, focus) + 0.15 * Math.min(1, topic) + 0.25 * score,
      };
    })
    .sort((first, second) => second.rank - first.rank);
}

function answers(coverage: Coverage): boolean {
  return (
    coverage.current >= MIN_COVERAGE ||
    (coverage.current >= 0.5 && coverage.matched >= MIN_HALF_COVERAGE_MATCHES)
  );
}

/** The passage's innermost heading ("Opening hours"), else its document's title. */
function ownHeading(hit: PassageHit): string {
  return hit.heading.split(HEADING_SEPARATOR).at(-1) || hit.title;
}

/** What a passage says, its title and headings included. */
function passageText(hit: PassageHit): string {
  return `${hit.title}\n${hit.heading}\n${hit.text}`;
}

/** One sentence or list item of a passage. */
interface Unit {
  text: string;
  /** Starts a line of its own (a paragraph or a list item) rather than continuing a sentence. */
  startsLine: boolean;
  /** A list item ("- An online store: …"). */
  listItem: boolean;
  relevance: number;
}

/**
 * The passage's sentences and list items that answer the question, in the passage's order and
 * words, at most `budget` characters. The first passage also brings the sentences after its best
 * one when its matches alone are too short to read well.
 */
function quotePassage(text: string, question: QuestionTerms, budget: number, first: boolean): string {
  const units = splitUnits(text, question);
  const top = Math.max(...units.map((unit) => unit.relevance), 0);
  if (top === 0 && !first) return '';
  const chosen = new Set<number>();
  let length = 0;
  const take = (index: number): boolean => {
    const unit = units[index];
    if (!unit || chosen.has(index) || length + unit.text.length + 1 > budget) return false;
    chosen.add(index);
    length += unit.text.length + 1;
    return true;
  };
  // Best units first, so a tight budget keeps the most relevant ones.
  const order = units
    .map((unit, index) => ({ unit, index }))
    .filter(({ unit }) => top > 0 && unit.relevance >= top * UNIT_SHARE_OF_BEST)
    .sort((a, b) => b.unit.relevance - a.unit.relevance || a.index - b.index);
  for (const { index } of order) {
    take(index);
    // A sentence that introduces a list ("…in three ways:") is useless without the list.
    if (units[index]?.text.endsWith(':')) for (let next = index + 1; take(next); next++);
  }
  // Context for a short answer: the sentences after it, but never the other items of a list
  // (the price of a website says nothing about the price of an app).
  const anchor = order[0]?.index ?? -1;
  const extend = first && !units[anchor]?.listItem;
  for (let next = anchor + 1; extend && length < MIN_ANSWER_CHARS && next < units.length; next++) {
    if (units[next]?.listItem || !take(next)) break;
  }
  if (chosen.size === 0) take(0);
  // A lone list item reads better as a sentence than as a one-item list.
  if (chosen.size === 1) return (units[[...chosen][0] as number] as Unit).text.replace(LIST_MARKER, '');
  return [...chosen]
    .sort((a, b) => a - b)
    .map((index, position, indexes) => {
      const unit = units[index] as Unit;
      const joined =
        position === 0 ? '' : unit.startsLine || indexes[position - 1] !== index - 1 ? '\n' : ' ';
      return joined + unit.text;
    })
    .join('')
    .trim();
}

/** A passage's text cut into sentences and list items, each scored against the question. */
function splitUnits(text: string, question: QuestionTerms): Unit[] {
  const units: Unit[] = [];
  // Passages are plain text already; stripping tag-like runs keeps a stray "<b>" out of a reply.
  const clean = text.replace(/<\/?[a-z][^<>]*>/gi, ' ');
  for (const line of clean.split(/\n+/)) {
    const sentences = line.trim().split(/(?<=[.!?])\s+(?=["“(]?[\p{Lu}\p{N}€$£])/u);
    for (const [index, sentence] of sentences.entries()) {
      const trimmed = sentence.replace(/[ \t]+/g, ' ').trim();
      if (!trimmed) continue;
      units.push({
        text: trimmed,
        startsLine: index === 0,
        listItem: LIST_MARKER.test(trimmed),
        relevance: unitRelevance(question, trimmed),
      });
    }
  }
  return units;
}

/** At most `maxChars`, cut at a word, with an ellipsis. */
function shorten(text: string, maxChars: number): string {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const cut = trimmed.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars * 0.6 ? cut.slice(0, space) : cut}…`;
}
