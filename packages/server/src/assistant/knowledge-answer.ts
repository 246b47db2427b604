/**
 * How the knowledge-base responder turns retrieved passages into an answer: it ranks them by how
 * well they cover the question (not by the retriever's score alone), decides whether any answers
 * it at all, and quotes the most relevant sentences of the best one or two, in their own words.
 */
import type { Source } from '@miptech/protocol';
import type { PassageHit } from '../storage/knowledge-store.ts';
import { holdsKind, unitHoldsKind } from './fact-kinds.ts';
import {
  type Coverage,
  headingPrecision,
  type QuestionTerms,
  termCoverage,
  totalWeight,
  unitRelevance,
} from './question-terms.ts';

/** How much a hit found only through synonyms counts next to one the question's words found. */
const SYNONYM_QUERY_WEIGHT = 0.8;
/**
 * Share of the question's words a passage must contain to count as an answer: most of them, or
 * half when that is at least two words ("move our old system to the cloud" → "move", "cloud").
 * One word of two is not enough: "the price of Bitcoin" shares only "price" with a price list.
 */
const MIN_COVERAGE = 0.6;
const MIN_HALF_COVERAGE_MATCHES = 2;
/**
 * …and one of its sentences, with its headings, must hold half of them: "book a flight to Berlin"
 * is not answered by a story of booking systems and, two sentences later, an office in Berlin.
 */
const MIN_FOCUS = 0.5;
/** A second passage is quoted only when it is nearly as relevant as the first… */
const SECOND_PASSAGE_RATIO = 0.8;
/** …or, when it adds no word of the question, from another document and almost as relevant… */
const CLOSE_SECOND_RATIO = 0.9;
/** …and when one of its sentences holds at least half of the question. */
const MIN_SECOND_FOCUS = 0.5;
/** Most sources of one answer, quoted and "see also" together. */
const MAX_SOURCES = 3;
/** A further page is offered with the answer when it is nearly as relevant as the quoted one. */
const SEE_ALSO_RATIO = 0.8;
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
/** The opening words of a sentence that leans on the one before it. */
const REFERS_BACK = /^(since then|then|this|that|these|those|it|its|they|their|he|she|there)\b/i;
/** How the Markdown parser writes list items in a passage's text. */
const LIST_MARKER = /^(?:[-*•]|\d+[.)])\s+/;
/** A numbered list item: one step of a procedure. */
const STEP_MARKER = /^\d+[.)]\s+/;
/**
 * How much holding the asked kind of fact (a duration for "how long") adds to a passage's rank,
 * and to a sentence's relevance within it: enough to settle a near tie between a passage that
 * shares words with the question and one that also holds the answer, not to lift a passage that
 * is about something else.
 */
const KIND_RANK_BONUS = 0.08;
const KIND_UNIT_BONUS = 0.75;
/**
 * How much the document's title holding the question's (rare) words adds: a page titled
 * "npm-deprecate" is about deprecating, whatever other pages say about deprecated things.
 */
const TITLE_WEIGHT = 0.1;
/** How much a passage made only of code, table rows and labels loses against one of prose. */
const UNQUOTABLE_PENALTY = 0.1;
/** How close to the best a passage that holds the asked kind of fact must be to go first. */
const KIND_PREFERENCE_RATIO = 0.85;
/** A table row as the Markdown parser writes it ("Standard | 50 requests per second"). */
const TABLE_ROW = /\S \| \S|^\| | \|$/;
/**
 * A line of program text from a code block: a brace, bracket or statement end at its edge, an
 * assignment or arrow, or a keyword of the languages docs show. A short command ("npm ls") reads
 * like a sentence's object and stays quotable.
 */
const CODE_LINE =
  /^[{}[\]()<]|[{[(,;]$|^[}\])]|=>|\b(?:const|let|var|await|import|export|function|return)\s|^["'\w-]+":\s|^\$ |^#!?\s|^\/\/|<\/?[a-z][\w-]*[^>]*>$/i;

/** An answer quoted from the knowledge base. */
export interface Answer {
  /** Plain text with citation markers ("[1]"). */
  text: string;
  /** The cited passages, numbered as the text cites them. */
  sources: Source[];
}

/** A passage judged against the question. */
export interface Candidate {
  hit: PassageHit;
  coverage: Coverage;
  /** How much of the question the passage's own heading covers: what the passage is about. */
  topic: number;
  /** How much of the question its best sentence covers, with the headings. */
  focus: number;
  rank: number;
}

/**
 * The answer to a question from the passages retrieval found, or undefined when none of them
 * answers it: the best passage's relevant sentences, then maybe a second passage's, each followed
 * by its citation number, with the sources they cite.
 *
 * @param lists the retriever's hits for each of `question.queries`, in the same order.
 */
export function composeAnswer(lists: PassageHit[][], question: QuestionTerms): Answer | undefined {
  const ranked = rankCandidates(lists, question);
  const candidates = preferAskedKind(ranked.filter(answers), question);
  const best = candidates[0];
  if (!best) return undefined;

  // A second passage must be nearly as good, say it in one place rather than in scattered words,
  // and either cover what the first does not or come from another document (the same fact seen
  // from another side: a price and a process). A one-word question is not enough to tell a
  // second side from a passage that merely uses the word.
  const second = candidates.find(
    (candidate) =>
      candidate.hit.id !== best.hit.id &&
      candidate.rank >= best.rank * SECOND_PASSAGE_RATIO &&
      candidate.focus >= MIN_SECOND_FOCUS &&
      (termCoverage(question, `${passageText(best.hit)}\n${passageText(candidate.hit)}`).matched >
        best.coverage.matched ||
        (question.current.length >= 2 &&
          candidate.hit.document_id !== best.hit.document_id &&
          candidate.topic > 0 &&
          candidate.rank >= best.rank * CLOSE_SECOND_RATIO)),
  );
  const blocks: string[] = [];
  const sources: Source[] = [];
  for (const candidate of second ? [best, second] : [best]) {
    const budget = MAX_ANSWER_CHARS - blocks.join('\n\n').length;
    const quoted = quotePassage(candidate.hit, question, budget, sources.length === 0);
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
  if (sources.length === 0) return undefined;
  // Pages nearly as relevant as the one quoted, from other documents: when the quote is from the
  // wrong page, the visitor still has the right one a click away.
  const seeAlso: Source[] = [];
  for (const candidate of ranked.filter(isRelated)) {
    if (sources.length + seeAlso.length >= MAX_SOURCES || candidate.rank < best.rank * SEE_ALSO_RATIO) break;
    const cited = [...sources, ...seeAlso].some((source) => source.document_id === candidate.hit.document_id);
    if (cited) continue;
    seeAlso.push({
      n: sources.length + seeAlso.length + 1,
      document_id: candidate.hit.document_id,
      title: candidate.hit.title,
      url: candidate.hit.url,
      excerpt: shorten(candidate.hit.text.replace(/\s+/g, ' '), MAX_EXCERPT_CHARS),
    });
  }
  if (seeAlso.length > 0) {
    blocks.push(`See also: ${seeAlso.map((source) => `${source.title} [${source.n}]`).join(', ')}`);
  }
  return { text: blocks.join('\n\n'), sources: [...sources, ...seeAlso] };
}

/**
 * The passages judged, best first, by:
 * - coverage: how much of the question the passage holds, title and headings included ("How long
 *   does a project take?" is answered under that very heading);
 * - focus: how much of it one sentence holds with its headings (the question's words together,
 *   not scattered over the passage);
 * - topic: how much of it the passage's own heading holds (a section on opening hours, not one
 *   that mentions "open positions"), and how much of that heading the question asks about (for
 *   "what are your prices?", the pricing overview rather than the discovery phase's price);
 * - the retriever's score relative to the best of its list (the synonym query's counting less).
 */
export function rankCandidates(lists: PassageHit[][], question: QuestionTerms): Candidate[] {
  const relative = new Map<string, { hit: PassageHit; score: number }>();
  for (const [position, hits] of lists.entries()) {
    const top = Math.max(...hits.map((hit) => hit.score), Number.MIN_VALUE);
    const weight = position === 0 ? 1 : SYNONYM_QUERY_WEIGHT;
    for (const hit of hits) {
      const score = (weight * Math.max(0, hit.score)) / top;
      if (score >= (relative.get(hit.id)?.score ?? -1)) relative.set(hit.id, { hit, score });
    }
  }
  const termCount = totalWeight(question) || 1;
  return [...relative.values()]
    .map(({ hit, score }) => {
      const coverage = termCoverage(question, passageText(hit));
      const heading = ownHeading(hit);
      const topic = Math.min(1, unitRelevance(question, heading) / termCount);
      const units = splitUnits(hit, question);
      const focus = Math.min(1, Math.max(0, ...units.map((unit) => unit.prose)) / termCount);
      // A passage of code, table rows and field labels (an API reference) quotes badly in a chat.
      const unquotable = units.filter((unit) => unit.unquotable).length / (units.length || 1);
      const holdsAsked = question.kinds.some((kind) => holdsKind(hit.text, kind));
      // The first five weights sum to 1, tuned on `eval/demo-questions.json`; the title, the asked
      // kind and unquotable lines adjust them, tuned on the external sets' tuning splits only.
      const rank =
        0.3 * coverage.weighted +
        0.25 * focus +
        0.1 * topic +
        0.1 * headingPrecision(question, heading) +
        0.25 * score +
        TITLE_WEIGHT * Math.min(1, unitRelevance(question, hit.title) / termCount) +
        (holdsAsked ? KIND_RANK_BONUS : 0) -
        UNQUOTABLE_PENALTY * unquotable;
      return { hit, coverage, topic, focus, rank };
    })
    .sort((first, second) => second.rank - first.rank);
}

/**
 * The candidates with the best one that holds the asked kind of fact moved first, when it is
 * nearly as relevant as the first: "how can I contact you?" is answered by the addresses, not by
 * the sentence that says there are several ways to reach the team. Steps are left to the quote:
 * "how can I…?" asks for a procedure only when the passage has one.
 */
function preferAskedKind(candidates: Candidate[], question: QuestionTerms): Candidate[] {
  const kinds = question.kinds.filter((kind) => kind !== 'steps');
  const best = candidates[0];
  if (!best || kinds.length === 0 || kinds.some((kind) => holdsKind(best.hit.text, kind))) return candidates;
  const holder = candidates.find(
    (candidate) =>
      candidate.rank >= best.rank * KIND_PREFERENCE_RATIO &&
      kinds.some((kind) => holdsKind(candidate.hit.text, kind)),
  );
  return holder ? [holder, ...candidates.filter((candidate) => candidate !== holder)] : candidates;
}

/**
 * Whether the passage is about the question without answering it in one place: half of its words
 * and at least two (one shared word, "file", is a coincidence). The bar of the "these pages look
 * related" tier and of an answer's "see also".
 */
export function isRelated({ coverage }: Candidate): boolean {
  return coverage.current >= 0.5 && coverage.matched >= 2;
}

/** Whether the passage answers the question at all (see {@link MIN_COVERAGE}, {@link MIN_FOCUS}). */
function answers({ coverage, focus }: Candidate): boolean {
  const enough =
    coverage.current >= MIN_COVERAGE ||
    (coverage.current >= 0.5 && coverage.matched >= MIN_HALF_COVERAGE_MATCHES);
  return enough && focus >= MIN_FOCUS;
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
  /** A numbered list item: one step of a procedure. */
  step: boolean;
  /**
   * A table row, a line of code, or a label ("Request Body", "Returns"): data and program text
   * that reads wrong in a chat bubble. Never quoted.
   */
  unquotable: boolean;
  /** The question's words it holds with its passage's headings, the context's counting less. */
  relevance: number;
  /** {@link relevance} for prose and labels, 0 for table rows and code: what focus is judged on. */
  prose: number;
  /** What it adds to its headings: what tells apart the items of a list under "Price ranges". */
  added: number;
}

/**
 * The passage's sentences and list items that answer the question, in the passage's order and
 * words, at most `budget` characters. The first passage also brings the sentences after its best
 * one when its matches alone are too short to read well.
 */
function quotePassage(hit: PassageHit, question: QuestionTerms, budget: number, first: boolean): string {
  const units = splitUnits(hit, question);
  const quotable = units.filter((unit) => !unit.unquotable);
  const top = Math.max(...quotable.map((unit) => unit.relevance), 0);
  const topAdded = Math.max(...quotable.map((unit) => unit.added), 0);
  if (top === 0 && !first) return '';
  const chosen = new Set<number>();
  let length = 0;
  const take = (index: number): boolean => {
    const unit = units[index];
    if (!unit || unit.unquotable || chosen.has(index) || length + unit.text.length + 1 > budget) return false;
    chosen.add(index);
    length += unit.text.length + 1;
    return true;
  };
  // A procedure asked for ("how do I…?") is quoted whole, in order: step 3 alone helps no one.
  const steps = question.kinds.includes('steps') ? bestStepRun(units) : undefined;
  if (steps) {
    if (units[steps.start - 1]?.text.endsWith(':')) take(steps.start - 1);
    // A note or a code sample between steps is skipped; the steps after it are not.
    for (let index = steps.start; index <= steps.end; index++) {
      if (!take(index) && !units[index]?.unquotable) break;
    }
  }
  // Best units first, so a tight budget keeps the most relevant ones.
  const order = units
    .map((unit, index) => ({ unit, index }))
    .filter(
      ({ unit }) =>
        top > 0 &&
        !unit.unquotable &&
        unit.relevance >= top * UNIT_SHARE_OF_BEST &&
        unit.added >= topAdded * UNIT_SHARE_OF_BEST,
    )
    .sort((a, b) => b.unit.relevance - a.unit.relevance || a.index - b.index);
  for (const { index } of steps ? [] : order) {
    take(index);
    // A sentence that introduces a list ("…in three ways:") is useless without the list.
    if (units[index]?.text.endsWith(':')) for (let next = index + 1; take(next); next++);
  }
  // Context for a short answer: the sentences after it, but never the other items of a list
  // (the price of a website says nothing about the price of an app).
  const anchor = order[0]?.index ?? -1;
  const extend = first && !steps && !units[anchor]?.listItem;
  for (let next = anchor + 1; extend && length < MIN_ANSWER_CHARS && next < units.length; next++) {
    if (units[next]?.listItem || !take(next)) break;
  }
  if (chosen.size === 0) units.some((_, index) => take(index));
  if (chosen.size === 0) return '';
  // "Since then we have delivered…" needs the sentence it refers to.
  const opening = Math.min(...chosen);
  if (!units[opening]?.startsLine && REFERS_BACK.test(units[opening]?.text ?? '')) take(opening - 1);
  // An introduction whose list did not fit ("Use this when:") promises what the reply lacks.
  for (const index of [...chosen].sort((a, b) => b - a)) {
    if (chosen.size === 1 || !units[index]?.text.endsWith(':') || chosen.has(index + 1)) break;
    chosen.delete(index);
  }
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

/**
 * The passage's most relevant run of numbered steps (with the lines that continue a step), or
 * undefined when it has no procedure of at least two steps.
 */
function bestStepRun(units: Unit[]): { start: number; end: number } | undefined {
  let best: { start: number; end: number; relevance: number } | undefined;
  for (let index = 0; index < units.length; index++) {
    if (!units[index]?.step) continue;
    let end = index;
    let relevance = 0;
    let count = 0;
    for (let next = index; next < units.length; next++) {
      const unit = units[next] as Unit;
      // A line that starts with no marker continues the step above it; a bullet or a new
      // paragraph after the last step ends the procedure.
      if (unit.step) count++;
      else if (unit.listItem || (unit.startsLine && !units[next + 1]?.step)) break;
      relevance += unit.relevance;
      end = next;
    }
    if (count >= 2 && relevance > (best?.relevance ?? 0)) best = { start: index, end, relevance };
    index = end;
  }
  return best && { start: best.start, end: best.end };
}

/**
 * A passage's text cut into sentences and list items, each scored against the question with the
 * passage's title and headings: an item under "Typical price ranges" answers "how much…?".
 */
function splitUnits(hit: PassageHit, question: QuestionTerms): Unit[] {
  const units: Unit[] = [];
  const headings = `${hit.title}\n${hit.heading}`;
  const headingRelevance = unitRelevance(question, headings);
  // Passages are plain text already; stripping tag-like runs keeps a stray "<b>" out of a reply.
  const clean = hit.text.replace(/<\/?[a-z][^<>]*>/gi, ' ');
  for (const line of clean.split(/\n+/)) {
    // A sentence ends at ".", "!" or "?" before a capital, but "1." opens a step, not a sentence.
    const sentences = line.trim().split(/(?<=[.!?])(?<!^\d+\.)\s+(?=["“(]?[\p{Lu}\p{N}€$£])/u);
    const data = TABLE_ROW.test(line.trim()) || CODE_LINE.test(line.trim());
    for (const [index, sentence] of sentences.entries()) {
      const trimmed = sentence.replace(/[ \t]+/g, ' ').trim();
      if (!trimmed) continue;
      const listItem = LIST_MARKER.test(trimmed);
      const matched = unitRelevance(question, `${headings}\n${trimmed}`);
      // The sentence that holds the asked kind of fact ("6 to 10 weeks") outranks its neighbours.
      const relevance =
        matched > 0 && !data && unitHoldsKind(trimmed, question.kinds) ? matched + KIND_UNIT_BONUS : matched;
      units.push({
        text: trimmed,
        startsLine: index === 0,
        listItem,
        step: STEP_MARKER.test(trimmed),
        unquotable: data || (sentences.length === 1 && isLabel(trimmed)),
        relevance,
        prose: data ? 0 : relevance,
        added: relevance - headingRelevance,
      });
    }
  }
  return units;
}

/**
 * A line that names what follows rather than saying something: short, with no sentence's end
 * ("Request Body", "Skip Admin User/Role", "Default: latest").
 */
function isLabel(line: string): boolean {
  const text = line.replace(LIST_MARKER, '');
  const words = text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  if (words > 4 || /[.!?…]["')]?$/.test(text)) return false;
  // A field of a reference page ("- Type: Boolean", "Default: false") is a label in a list too;
  // "- Sales: sales@acme.example" or "- Phone: +351 …" is an answer.
  const field = words <= 3 && /^[\p{L}\s-]{1,24}:\s*[^\s\d@]+$/u.test(text);
  return field || (!LIST_MARKER.test(line) && !text.endsWith(':'));
}

/** At most `maxChars`, cut at a word, with an ellipsis. */
export function shorten(text: string, maxChars: number): string {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const cut = trimmed.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars * 0.6 ? cut.slice(0, space) : cut}…`;
}
