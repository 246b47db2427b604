/**
 * The eval's measures over one question set, and how they are printed.
 *
 * - retrieval hit@1 / hit@3: the expected document first / among the first three distinct
 *   documents the store's search returns for the raw question;
 * - answer hit@1 / hit@3: the expected document is the reply's first source / among its first
 *   three (a "these pages look related" reply counts by its links);
 * - key fact: the reply's text holds the question's key fact (case-insensitive);
 * - off-topic honesty: off-topic questions answered with no source at all;
 * - false "I don't know": answerable questions answered with no source at all;
 * - latency: median and 95th percentile of the reply's computation.
 */

/** One question of a set. */
export interface EvalQuestion {
  question: string;
  /** Documents that answer it (any one counts), or null when the honest reply is "I don't know". */
  expected: string[] | null;
  /** A short string an answer must contain. */
  fact?: string;
}

/** One question asked, with what retrieval and the responder made of it. */
export interface Outcome {
  item: EvalQuestion;
  /** Distinct documents the raw search returned, best first. */
  retrieved: string[];
  /** Documents the reply cited, in order. */
  cited: string[];
  text: string;
  elapsedMs: number;
}

/** The measures of one set, as fractions with their counts. */
export interface Scores {
  onTopic: number;
  offTopic: number;
  retrievalHit1: number;
  retrievalHit3: number;
  answerHit1: number;
  answerHit3: number;
  keyFact: number;
  /** Answerable questions that have a key fact written. */
  withFact: number;
  offTopicHonest: number;
  falseDontKnow: number;
  medianMs: number;
  p95Ms: number;
}

export function score(outcomes: Outcome[]): Scores {
  const onTopic = outcomes.filter((outcome) => outcome.item.expected !== null);
  const offTopic = outcomes.filter((outcome) => outcome.item.expected === null);
  const expects = (outcome: Outcome, documents: string[]) =>
    documents.some((document) => outcome.item.expected?.includes(document));
  const count = (list: Outcome[], test: (outcome: Outcome) => boolean) => list.filter(test).length;
  const withFact = onTopic.filter((outcome) => outcome.item.fact);
  const times = outcomes.map((outcome) => outcome.elapsedMs).sort((a, b) => a - b);
  const percentile = (share: number) =>
    times[Math.min(times.length - 1, Math.floor(share * times.length))] ?? 0;
  return {
    onTopic: onTopic.length,
    offTopic: offTopic.length,
    retrievalHit1: count(onTopic, (outcome) => expects(outcome, outcome.retrieved.slice(0, 1))),
    retrievalHit3: count(onTopic, (outcome) => expects(outcome, outcome.retrieved.slice(0, 3))),
    answerHit1: count(onTopic, (outcome) => expects(outcome, outcome.cited.slice(0, 1))),
    answerHit3: count(onTopic, (outcome) => expects(outcome, outcome.cited.slice(0, 3))),
    keyFact: count(withFact, (outcome) =>
      outcome.text.toLowerCase().includes((outcome.item.fact as string).toLowerCase()),
    ),
    withFact: withFact.length,
    offTopicHonest: count(offTopic, (outcome) => outcome.cited.length === 0),
    falseDontKnow: count(onTopic, (outcome) => outcome.cited.length === 0),
    medianMs: percentile(0.5),
    p95Ms: percentile(0.95),
  };
}

/** Whether an outcome is worth printing as a miss. */
export function isMiss(outcome: Outcome): boolean {
  const expected = outcome.item.expected;
  if (expected === null) return outcome.cited.length > 0;
  const fact = outcome.item.fact;
  return (
    !expected.includes(outcome.cited[0] ?? '') ||
    (fact !== undefined && !outcome.text.toLowerCase().includes(fact.toLowerCase()))
  );
}

export function printMisses(label: string, outcomes: Outcome[]): void {
  const misses = outcomes.filter(isMiss);
  console.log(`\n${label}: misses (${misses.length} of ${outcomes.length})`);
  if (misses.length === 0) return;
  console.table(
    misses.map((outcome) => ({
      question: outcome.item.question.slice(0, 70),
      expected: outcome.item.expected?.join(' | ') ?? '(none)',
      cited: outcome.cited.slice(0, 3).join(', ') || "(don't know)",
      fact: outcome.item.fact ?? '',
    })),
  );
}

/** One row of the summary table: a set's measures side by side. */
export function summaryRow(scores: Scores): Record<string, string> {
  const share = (part: number, whole: number) =>
    whole === 0 ? 'n/a' : `${(part / whole).toFixed(2)} (${part}/${whole})`;
  return {
    'retrieval hit@1': share(scores.retrievalHit1, scores.onTopic),
    'retrieval hit@3': share(scores.retrievalHit3, scores.onTopic),
    'answer hit@1': share(scores.answerHit1, scores.onTopic),
    'answer hit@3': share(scores.answerHit3, scores.onTopic),
    'key fact': share(scores.keyFact, scores.withFact),
    'off-topic honesty': share(scores.offTopicHonest, scores.offTopic),
    "false don't-know": share(scores.falseDontKnow, scores.onTopic),
    'median ms': scores.medianMs.toFixed(1),
    'p95 ms': scores.p95Ms.toFixed(1),
  };
}
