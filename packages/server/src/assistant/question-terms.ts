/**
 * The words of a visitor's question as the knowledge-base responder weighs them: content words
 * (the retriever's own stopword list, plus chat filler such as "hi" or "tell"), each with a light
 * stem and a few everyday synonyms ("cost" finds "price", "shop" finds "store"). Coverage, the
 * share of those words a passage contains, is what tells an answer from a passage that merely
 * shares a word with the question ("What's the weather in Lisbon?" shares "Lisbon" with the
 * contact page, and nothing else).
 */
import { searchTerms } from '../storage/search-terms.ts';
import { askedKinds, type FactKind } from './fact-kinds.ts';

/** One content word (or name) of a question, with every form a passage may use for it. */
interface Term {
  word: string;
  /** Each way a passage may say it: a list of stems that must all be there (several for a name). */
  forms: string[][];
  /**
   * How much it says about which passage answers, from its rarity in the tenant's knowledge:
   * "deprecate" more than "package" in a package manager's docs. The question's weights average 1.
   */
  weight: number;
}

/**
 * How rare a word is in the tenant's knowledge (an inverse document frequency), or undefined
 * when unknown; {@link analyzeQuestion} weighs the question's words by it.
 */
export type Rarity = (word: string) => number | undefined;

/** A question reduced to what retrieval and relevance need. */
export interface QuestionTerms {
  /**
   * What to send to the retriever: the question as written (with its context), then, when its
   * words have synonyms, the same with the synonyms. Searched apart, so that a synonym can find a
   * passage the question's own words miss without outweighing those words when they match.
   */
  queries: string[];
  /** The question's own content words. */
  current: Term[];
  /** The previous question's words, when this one leans on it ("how much does it cost?"). */
  context: Term[];
  /** Words that are not content words here: chat filler and the tenant's name. */
  ignored: Set<string>;
  /** The kinds of fact the question asks for ("how long" → a duration). */
  kinds: FactKind[];
}

/** How much a word of the previous question counts next to one of the question itself. */
export const CONTEXT_WEIGHT = 0.5;

/**
 * Words that are not stopwords in a document but are in a chat message: they say how a visitor
 * asks, not what about. "Company" is here for the same reason as the tenant's name: in a chat on
 * the tenant's site it means the tenant, which every passage is about.
 */
const CHAT_WORDS = new Set(
  `hi hello hey thanks thank please pls tell know like want need get give much many anything
  something everything info information details detail kind sort really actually exactly ok okay
  guys question questions wondering curious help could would also currently possible usually
  typically normally generally happen happens use new company offer offers provide work works
  working see show look find real`.split(/\s+/),
);

/** Sums ("17 times 23", "5 plus 6"): the operator is not a word a passage answers with. */
const ARITHMETIC = /(?<=\d\s*)(?:times|plus|minus|divided by|multiplied by|over)(?=\s*\d)/gi;

/** A message this short ("Price?", "the cost for Android?") continues the previous question. */
const MAX_ELLIPTIC_WORDS = 3;

function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}

/** Words that make a question lean on the one before it. */
const ANAPHORA =
  /\b(it|that|this|they|them|those|these|one|ones|there)\b|^\s*(and|also|what about|how about)\b/i;

/** Suffixes a light stemmer removes (after a plural `s`), with what replaces them. */
const SUFFIXES: Array<[string, string]> = [
  ['ational', 'ate'],
  ['ation', 'ate'],
  ['ments', ''],
  ['ment', ''],
  ['ing', ''],
  ['ied', 'y'],
  ['ed', ''],
  ['ly', ''],
  // Agent nouns: "visitors" and "visit", "advisor" and "advise" answer each other.
  ['or', ''],
];

/**
 * Everyday synonyms, one group per line. Only words that visitors and documents use for the same
 * thing: a group is a promise that either word answers a question about the other.
 */
const SYNONYM_GROUPS = `cost price pricing prices charge fee fees expensive cheap budget rate rates afford
pay payment payments invoice invoices billing paid deposit upfront
website websites site web webpage homepage
app apps application applications
shop store ecommerce commerce
phone telephone call number
email mail
contact reach
address office offices located location based headquarters hq
job jobs career careers hiring hire vacancy vacancies position positions recruit
team staff employees people colleagues
chatbot chatbots bot assistant assistants
founded founder founders history story established
own owner owns ownership
long duration timeline timelines
privacy gdpr
europe european eu
support maintenance maintain
language languages multilingual
nda confidentiality confidential disclosure
design designer designers ux ui
cloud hosting host server servers
industry industries sector sectors
technology technologies tech stack framework frameworks
quote quotation estimate proposal
startup startups mvp
train training teach
build make create develop
reply replies answer answers respond response
quick quickly fast soon
launch live release
compliant comply compliance
example examples portfolio
human humans person
deliver delivered done
delete remove destroy erase
disable deactivate
enable activate
undo revert rollback
signup register registration
mfa 2fa otp`
  .split('\n')
  .map((line) => line.trim().split(/\s+/));

const SYNONYMS = new Map<string, string[]>();
for (const group of SYNONYM_GROUPS) {
  const stems = [...new Set(group.map(stem))];
  for (const member of stems) SYNONYMS.set(member, [...new Set([...(SYNONYMS.get(member) ?? []), ...stems])]);
}

/**
 * A light English stem: plural, one derivational suffix, a final "e". Not Porter: it only needs
 * to map a question's word and a passage's word to the same key ("pricing"/"prices" → "pric").
 */
export function stem(word: string): string {
  let result = word.toLowerCase();
  if (result.length <= 3) return result;
  if (result.endsWith('ies') && result.length > 4) result = `${result.slice(0, -3)}y`;
  else if (result.endsWith('sses')) result = result.slice(0, -2);
  else if (result.endsWith('s') && !/(ss|us|is)$/.test(result)) result = result.slice(0, -1);
  for (const [suffix, replacement] of SUFFIXES) {
    if (result.endsWith(suffix) && result.length - suffix.length >= 3) {
      result = result.slice(0, -suffix.length) + replacement;
      break;
    }
  }
  if (result.endsWith('e') && result.length > 4) result = result.slice(0, -1);
  return result;
}

/**
 * The question's terms and the query to retrieve with. `previous` (the visitor's previous
 * question) is used when this one is short or refers back; `names` (the tenant's name) are not
 * content words: every passage is about the tenant.
 *
 * @example
 * analyzeQuestion('How much does it cost?', 'Do you build mobile apps?', ['MIPTech']).queries;
 * // ['How much does it cost? Do you build mobile apps?',
 * //  'How much does it cost? price pricing prices charge Do you build mobile apps?']
 */
export function analyzeQuestion(
  message: string,
  previous: string | undefined,
  names: string[],
  rarity?: Rarity,
): QuestionTerms {
  const ignored = new Set([...CHAT_WORDS, ...names.flatMap((name) => searchTerms(name))]);
  const termsOf = (text: string): Term[] => {
    const compounds = namesIn(text, ignored);
    const inCompound = new Set(compounds.flat());
    const words = searchTerms(text).filter((word) => !ignored.has(word) && !inCompound.has(word));
    return [
      ...words.map((word) => ({
        word,
        forms: (SYNONYMS.get(stem(word)) ?? [stem(word)]).map((form) => [form]),
        weight: 1,
      })),
      ...compounds.map((parts) => ({ word: parts.join(' '), forms: [parts.map(stem)], weight: 1 })),
    ];
  };
  // "What's 2+2?" shares only numbers with a page of prices: numbers count beside words, not alone.
  const own = termsOf(message.replace(ARITHMETIC, ' '));
  const current = own.some((term) => /\p{L}/u.test(term.word)) ? own : [];
  // "What is Directus?" is about the tenant itself: its name is then the question's only word.
  const named = names
    .flatMap((name) => searchTerms(name))
    .filter((word) => searchTerms(message).includes(word));
  if (current.length === 0 && named.length > 0) {
    for (const word of named) ignored.delete(word);
    current.push(...termsOf(named.join(' ')));
  }
  // "How much is X?" asks for a price without saying so.
  if (
    /\bhow much\b(?! time)/i.test(message) &&
    !current.some((term) => term.forms.some(([form]) => form === 'cost'))
  ) {
    current.push(...termsOf('cost'));
  }
  const leans =
    previous !== undefined && (ANAPHORA.test(message) || wordCount(message) <= MAX_ELLIPTIC_WORDS);
  const context = leans
    ? termsOf(previous).filter((term) => !current.some((own) => own.word === term.word))
    : [];
  if (rarity) weighByRarity(current, rarity);
  if (rarity) weighByRarity(context, rarity);
  const synonyms = current.flatMap((term) => synonymWords(term.word));
  const asked = leans ? `${message} ${previous}` : message;
  const queries = synonyms.length
    ? [asked, [message, ...synonyms, ...(leans ? [previous] : [])].join(' ')]
    : [asked];
  return { queries, current, context, ignored, kinds: askedKinds(message) };
}

/**
 * Sets each term's weight to its rarity, scaled so the terms' weights average 1. A word the
 * knowledge never uses gets the rarest known word's weight: its absence from a passage matters
 * as much as any. A name (several words) counts as its rarest word.
 */
function weighByRarity(terms: Term[], rarity: Rarity): void {
  const raw = terms.map((term) => {
    const values = term.word.split(' ').map((part) => rarity(part));
    return values.every((value) => value === undefined) ? undefined : Math.max(...values.map((v) => v ?? 0));
  });
  const known = raw.filter((value): value is number => value !== undefined);
  if (known.length === 0) return;
  const rarest = Math.max(...known);
  const weights = raw.map((value) => value ?? rarest);
  const mean = weights.reduce((sum, value) => sum + value, 0) / weights.length;
  if (mean <= 0) return;
  for (const [index, term] of terms.entries()) term.weight = (weights[index] as number) / mean;
}

/**
 * Runs of capitalised words after the first word ("the United States", "Google Cloud"): one
 * name, covered only when a passage has all of it. Counted word by word, "Who is the president
 * of the United States?" would look half answered by any passage about clients in the US.
 */
function namesIn(text: string, ignored: Set<string>): string[][] {
  const names: string[][] = [];
  for (const match of text.matchAll(/(?<=\S\s+)\p{Lu}[\p{L}\p{N}]*(?:\s+\p{Lu}[\p{L}\p{N}]*)+/gu)) {
    const parts = searchTerms(match[0]).filter((word) => !ignored.has(word));
    if (parts.length >= 2) names.push(parts);
  }
  return names;
}

/** The words of a term's synonym group, as written (the retriever stems them itself). */
export function synonymWords(word: string): string[] {
  const key = stem(word);
  const group = SYNONYM_GROUPS.find((members) => members.some((member) => stem(member) === key));
  return (group ?? []).filter((member) => member !== word).slice(0, 4);
}

/** What part of a question a passage or sentence covers. */
export interface Coverage {
  /** The share of the question's own terms it contains, by weight: whether there is an answer at all. */
  current: number;
  /** How many of the question's own terms it contains. */
  matched: number;
  /** The share with the context's terms at {@link CONTEXT_WEIGHT}: how passages are ordered. */
  weighted: number;
}

/** How much of the question `text` contains. */
export function termCoverage(question: QuestionTerms, text: string): Coverage {
  const stems = stemsOf(text);
  const matched = question.current.filter((term) => covers(term, stems)).length;
  const own = weightCovered(question.current, stems);
  const context = weightCovered(question.context, stems);
  const weightedTotal = totalWeight(question);
  const weighted = weightedTotal === 0 ? 0 : (own + CONTEXT_WEIGHT * context) / weightedTotal;
  // A follow-up with no words of its own ("and that?") is judged by the question it follows.
  const current = question.current.length > 0 ? matched / question.current.length : weighted;
  return { current, matched, weighted };
}

/** How many of the question's words one sentence contains, the context's counting less. */
export function unitRelevance(question: QuestionTerms, text: string): number {
  const stems = stemsOf(text);
  return weightCovered(question.current, stems) + CONTEXT_WEIGHT * weightCovered(question.context, stems);
}

/**
 * The share of a heading's content words the question asks about: 1 for "Pricing" when asked
 * about prices, 1/3 for "Discovery phase price" (the question did not ask about discovery).
 */
export function headingPrecision(question: QuestionTerms, heading: string): number {
  const words = searchTerms(heading).filter((word) => !question.ignored.has(word));
  if (words.length === 0) return 0;
  const asked = new Set([...question.current, ...question.context].flatMap((term) => term.forms.flat()));
  return words.filter((word) => asked.has(stem(word))).length / words.length;
}

/** The question's whole weight, the context's counting less: what relevance is a share of. */
export function totalWeight(question: QuestionTerms): number {
  return sumWeights(question.current) + CONTEXT_WEIGHT * sumWeights(question.context);
}

function sumWeights(terms: Term[]): number {
  return terms.reduce((sum, term) => sum + term.weight, 0);
}

function covers(term: Term, stems: Set<string>): boolean {
  return term.forms.some((form) => form.every((part) => stems.has(part)));
}

function weightCovered(terms: Term[], stems: Set<string>): number {
  return terms.reduce((sum, term) => sum + (covers(term, stems) ? term.weight : 0), 0);
}

function stemsOf(text: string): Set<string> {
  // The parts of an address ("hello@miptech.example", a URL) are not words the passage says.
  const prose = text.replace(/\S+@\S+|\bhttps?:\/\/\S+/gi, ' ');
  const words =
    prose
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.map(stem));
}
