/**
 * What both knowledge stores do to a visitor's question before it reaches the full-text index:
 * reduce it to plain words, then build the backend's query from those words alone. The raw text
 * never reaches FTS5 `MATCH` or a tsquery, so quotes, `OR`, `NEAR`, `*`, `:` and `-` typed by a
 * visitor are just characters (and, not being letters or digits, are dropped).
 */

/** Most terms a query keeps: a pasted essay must not turn into a thousand-way OR. */
export const MAX_SEARCH_TERMS = 24;

/** Longer runs of letters are not words a passage could contain (hashes, base64); they are dropped. */
const MAX_TERM_LENGTH = 80;

/**
 * A word starts with a letter or digit and may carry combining marks, which scripts such as
 * Devanagari need inside a word. Everything else (punctuation, symbols, spaces) separates words.
 */
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;
const DIGIT = /\p{N}/u;

/**
 * Words that say nothing about which passage answers a question. Dropping them keeps "What are
 * your opening hours?" from matching every passage that contains "are" or "your". Fragments of
 * contractions ("don" from "don't") are here because apostrophes split words.
 */
const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren as at be because been before
  being below between both but by can cannot could couldn did didn do does doesn doing don down
  during each few for from further had hadn has hasn have haven having he her here hers herself him
  himself his how i if in into is isn it its itself just ll me more most my myself no nor not of off
  on once only or other our ours ourselves out over own re same she should shouldn so some such
  than that the their theirs them themselves then there these they this those through to too
  under until up us very ve was wasn we were weren what when where which while who whom why will
  with won would wouldn you your yours yourself yourselves`.split(/\s+/),
);

/**
 * The searchable words of a visitor's text: lowercased, compatibility-normalised (so "ｆｕｌｌ
 * width" and ligatures match), without stopwords or repeats, in order of first appearance, at
 * most {@link MAX_SEARCH_TERMS}. A one-character word counts only when it is a digit ("plan 2").
 *
 * @example
 * searchTerms('What does "Pro" cost? NEAR(price*)') // ['pro', 'cost', 'near', 'price']
 */
export function searchTerms(text: string): string[] {
  const terms = new Set<string>();
  for (const [word] of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    const length = [...word].length;
    if (length > MAX_TERM_LENGTH || (length < 2 && !DIGIT.test(word)) || STOPWORDS.has(word)) continue;
    terms.add(word);
    if (terms.size === MAX_SEARCH_TERMS) break;
  }
  return [...terms];
}

/**
 * An FTS5 query that matches a row containing any of `terms`: each term is a quoted string, which
 * FTS5 treats as a phrase to tokenise (with the table's stemmer) and never as syntax.
 *
 * @example
 * fts5Query(['refund', 'policy']) // '"refund" OR "policy"'
 */
export function fts5Query(terms: readonly string[]): string {
  // Terms hold only letters, digits and marks; doubling quotes keeps this safe for any input anyway.
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}

/**
 * Text for PostgreSQL's `websearch_to_tsquery` that matches a row containing any of `terms`. Each
 * term is quoted, so even a term that spells an operator ("or") stays a word; websearch syntax
 * cannot fail to parse, whatever the text.
 *
 * @example
 * websearchQuery(['refund', 'policy']) // '"refund" or "policy"'
 */
export function websearchQuery(terms: readonly string[]): string {
  // A quote inside a term would end its phrase early; terms never hold one, but drop it if they did.
  return terms.map((term) => `"${term.replaceAll('"', ' ')}"`).join(' or ');
}
