/**
 * Typo tolerance against the tenant's own vocabulary: a question word that the knowledge base
 * does not hold ("pasword", "prises") is replaced by the closest word it does hold, by edit
 * distance, ties going to the word more passages use. A word the index knows is never touched,
 * nor is a name ("Contentful" is an honest off-topic word, not a typo of "content").
 *
 * Bounded cost: the vocabulary is read once per tenant and cached for a while, at most
 * {@link MAX_VOCABULARY} words; a word is compared only with words of nearly its length.
 */
import type { Retriever, VocabularyTerm } from '../storage/knowledge-store.ts';
import { searchTerms } from '../storage/search-terms.ts';
import { type Rarity, stem } from './question-terms.ts';

/** The most words of a tenant's vocabulary held in memory. */
export const MAX_VOCABULARY = 20_000;
/** How long a tenant's vocabulary is reused before it is read again (new documents). */
const VOCABULARY_TTL_MS = 60_000;
/** Shorter words have too many neighbours ("cats" is one letter from "chat", "cast", "cart"). */
const MIN_WORD_LENGTH = 5;
/** Most corrections per question: more would be a different question. */
const MAX_CORRECTIONS = 3;

/** A tenant's indexed words, grouped by length for the search of near words. */
export interface Vocabulary {
  passages: Map<string, number>;
  byLength: Map<number, string[]>;
}

/**
 * How rare each word is in a vocabulary: ln(1 + most / passages), where `most` is the count of
 * the commonest word (a stand-in for the number of passages, which the vocabulary does not hold).
 * The word is looked up as written, then in its plural-less and stemmed forms, since the index
 * keeps its own stems.
 */
export function rarityIn(vocabulary: Vocabulary): Rarity {
  const most = Math.max(1, ...vocabulary.passages.values());
  return (word) => {
    const lower = word.toLowerCase();
    for (const form of [lower, lower.replace(/s$/, ''), lower.replace(/es$/, ''), stem(lower)]) {
      const count = vocabulary.passages.get(form);
      if (count !== undefined) return Math.sqrt(Math.log(1 + most / count));
    }
    return undefined;
  };
}

/**
 * Words the knowledge writes as one that the question writes as two ("log out" → "logout",
 * "set up" → "setup", "web hook" → "webhook"): each pair of neighbouring words, the second may
 * be a stopword, whose joined form is in the vocabulary. Added to the question, not substituted: "log"
 * may matter too.
 */
export function joinedWords(text: string, vocabulary: Vocabulary): string[] {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const joined: string[] = [];
  for (let index = 1; index < words.length; index++) {
    const first = words[index - 1] as string;
    const pair = `${first}${words[index]}`;
    // "my package" is not "mypackage" (a name in a code sample): a compound starts with a word.
    if (pair.length < MIN_WORD_LENGTH || searchTerms(first).length === 0) continue;
    // As written or without a plural "s": a stemmer's cut would invent words ("shortor" → "short").
    if (vocabulary.passages.has(pair) || vocabulary.passages.has(pair.replace(/s$/, ''))) joined.push(pair);
  }
  return joined;
}

export function buildVocabulary(terms: VocabularyTerm[]): Vocabulary {
  const passages = new Map<string, number>();
  const byLength = new Map<number, string[]>();
  for (const { term, passages: count } of terms.slice(0, MAX_VOCABULARY)) {
    if (!/^\p{L}+$/u.test(term)) continue;
    passages.set(term, count);
    const list = byLength.get(term.length) ?? [];
    list.push(term);
    byLength.set(term.length, list);
  }
  return { passages, byLength };
}

/**
 * The vocabulary word closest to `word`, or undefined when none is close enough (one edit for
 * words up to 7 letters, two beyond). `word` is compared as written and as lightly stemmed,
 * since the index keeps stems ("prises" → "prise" → "price").
 */
export function closestTerm(word: string, vocabulary: Vocabulary): string | undefined {
  const lower = word.toLowerCase();
  const forms = [...new Set([lower, lower.replace(/e?s$/, ''), lower.replace(/s$/, ''), stem(lower)])];
  const limit = lower.length > 7 ? 2 : 1;
  let best: { term: string; distance: number; passages: number } | undefined;
  for (const form of forms) {
    for (let length = form.length - limit; length <= form.length + limit; length++) {
      for (const term of vocabulary.byLength.get(length) ?? []) {
        // Typos rarely hit the first letter; "gmail" is not a typo of "email", nor "iphone" of "phone".
        if (term[0] !== form[0]) continue;
        const distance = editDistance(form, term, limit);
        if (distance > limit) continue;
        const passages = vocabulary.passages.get(term) ?? 0;
        if (!best || distance < best.distance || (distance === best.distance && passages > best.passages)) {
          best = { term, distance, passages };
        }
      }
    }
  }
  return best && best.distance > 0 ? best.term : undefined;
}

/**
 * Optimal string alignment distance (insertions, deletions, substitutions, swaps of neighbours),
 * giving up once it exceeds `limit`.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previousRow: number[] = [];
  let row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const twoBack = previousRow;
    previousRow = row;
    row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previousRow[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previousRow[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (twoBack[j - 2] as number) + 1);
      }
      row.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
  }
  return row[b.length] as number;
}

/** Reads and caches each tenant's vocabulary, and corrects questions with it. */
export class TypoCorrector {
  readonly #retriever: Retriever;
  readonly #cache = new Map<string, { vocabulary: Vocabulary; expires: number }>();

  constructor(retriever: Retriever) {
    this.#retriever = retriever;
  }

  /** The tenant's vocabulary, or undefined when the retriever has no word index. */
  async vocabulary(tenant_id: string): Promise<Vocabulary | undefined> {
    if (!this.#retriever.vocabulary) return undefined;
    const cached = this.#cache.get(tenant_id);
    if (cached && cached.expires > Date.now()) return cached.vocabulary;
    const vocabulary = buildVocabulary(
      await this.#retriever.vocabulary(tenant_id, { limit: MAX_VOCABULARY }),
    );
    this.#cache.set(tenant_id, { vocabulary, expires: Date.now() + VOCABULARY_TTL_MS });
    return vocabulary;
  }

  /**
   * The words of `words` the tenant's knowledge never uses, each given with its synonyms: none
   * of them in its vocabulary, and none found by a search (the index's own stemming decides).
   */
  async unknownWords(
    tenant_id: string,
    words: Array<{ word: string; synonyms: string[] }>,
  ): Promise<string[]> {
    const vocabulary = await this.vocabulary(tenant_id);
    if (!vocabulary) return [];
    const unknown: string[] = [];
    for (const { word, synonyms } of words) {
      const forms = [word, ...synonyms].map((form) => form.toLowerCase());
      if (forms.some((form) => vocabulary.passages.has(form) || vocabulary.passages.has(stem(form))))
        continue;
      const found = await this.#retriever.search(tenant_id, forms.join(' '), { limit: 1 });
      if (found.length === 0) unknown.push(word);
    }
    return unknown;
  }

  /**
   * `message` with its unknown words corrected, and what was changed. A word is known when a
   * search for it alone finds a passage (the index's own stemming decides), so an existing word
   * is never corrected.
   */
  async correct(
    tenant_id: string,
    message: string,
  ): Promise<{ text: string; corrections: Map<string, string> }> {
    const corrections = new Map<string, string>();
    const vocabulary = await this.vocabulary(tenant_id);
    if (!vocabulary) return { text: message, corrections };
    const words = [...message.matchAll(/\p{L}+/gu)];
    for (const [index, match] of words.entries()) {
      const word = match[0];
      if (corrections.size >= MAX_CORRECTIONS) break;
      if (word.length < MIN_WORD_LENGTH || vocabulary.passages.has(word.toLowerCase())) continue;
      // A stopword ("during") is never indexed, so never found: it is not a typo either.
      if (searchTerms(word).length === 0) continue;
      // A capitalised word after the first, or one in capitals, is a name: not a typo.
      if ((index > 0 && /^\p{Lu}/u.test(word)) || /^\p{Lu}{2,}$/u.test(word)) continue;
      const term = closestTerm(word, vocabulary);
      if (!term) continue;
      const found = await this.#retriever.search(tenant_id, word, { limit: 1 });
      if (found.length > 0) continue;
      corrections.set(word, term);
    }
    const text = message.replace(/\p{L}+/gu, (word) => corrections.get(word) ?? word);
    return { text, corrections };
  }
}
