/**
 * Deterministic stand-in embeddings for the fake OpenAI server: each word (lower case, a plural
 * `s` dropped, common words skipped) adds ±1 to a dimension picked by its hash, and the result is
 * scaled to length 1. Texts sharing words are therefore close and texts sharing none are
 * orthogonal (up to hash collisions), as with a real model for paraphrases that reuse words. A
 * real model also knows that "withdraw" is close to "unpublish": a concept group gives all its
 * words the same direction, so tests can plant exactly the synonyms they need.
 */
import { createHash } from 'node:crypto';

/** Synonym groups used unless a test gives its own. */
export const DEFAULT_CONCEPTS: string[][] = [
  ['unpublish', 'withdraw', 'retract', 'takedown'],
  ['refund', 'reimburse', 'reimbursement', 'moneyback'],
  ['price', 'pricing', 'cost', 'fee', 'tariff'],
  ['password', 'passphrase', 'credential'],
];

/** Words that carry no meaning of their own here. */
const STOPWORDS = new Set(
  'a an and are as at be by can do does for from how i in is it my of on or our the to we what when where which who why with you your'.split(
    ' ',
  ),
);

/** The words that count, normalised: lower case, a trailing plural `s` dropped. */
export function fakeEmbeddingWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => !STOPWORDS.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word,
    );
}

/**
 * The vector of `text`: `dimensions` floats of length 1, or all zeros for a text with no word.
 *
 * @example
 * const [a, b] = ['withdraw a package', 'unpublish packages'].map((text) => fakeEmbedding(text, { concepts: DEFAULT_CONCEPTS, dimensions: 64 }));
 * // a and b point the same way: cosine 1
 */
export function fakeEmbedding(text: string, options: { concepts: string[][]; dimensions: number }): number[] {
  const conceptOf = new Map<string, string>();
  for (const group of options.concepts) {
    const [first] = group;
    for (const word of group) if (first) conceptOf.set(word.toLowerCase(), `concept:${first.toLowerCase()}`);
  }
  const vector = new Array<number>(options.dimensions).fill(0);
  for (const word of fakeEmbeddingWords(text)) {
    const digest = createHash('sha256')
      .update(conceptOf.get(word) ?? word)
      .digest();
    const index = digest.readUInt32BE(0) % options.dimensions;
    vector[index] = (vector[index] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((value) => value / length);
}
