/**
 * The model's way of saying "the passages do not answer this": the RAG prompt tells it to reply
 * with {@link NO_ANSWER_MARKER} and nothing else, and the platform then writes the "no answer"
 * reply itself (the built-in responder's third tier, with its offer of a human or the handoff).
 * A sentinel rather than reading the model's prose: "I don't know" has a thousand phrasings in a
 * hundred languages, a fixed token has one.
 *
 * Models do not always obey to the letter, so the filter also finds the marker in other cases
 * (`no_answer`, `NO ANSWER`, `NO-ANSWER`), wrapped in Markdown (`**NO_ANSWER**`, `` `NO_ANSWER` ``)
 * or after a sentence of apology. Everything from the marker on is dropped. The visitor never sees
 * it: like the leak guard, the filter holds back only the tail that could still grow into the
 * marker (`N`, `NO_`, `**NO_ANS`), so ordinary text is not delayed by more than one delta.
 */

/** What the prompt asks the model to reply when the passages do not answer. */
export const NO_ANSWER_MARKER = 'NO_ANSWER';

/**
 * The marker as found: any case with the underscore (no prose writes `no_answer`), and capitals
 * only with a space or hyphen ("there is no answer" is prose).
 */
const MARKER = new RegExp(
  `${[...'no_answer'].map((c) => (c === '_' ? '_' : `[${c}${c.toUpperCase()}]`)).join('')}|NO[ -]ANSWER`,
);

/** Characters a model may wrap the marker in: whitespace, Markdown emphasis and code, quotes, brackets. */
const WRAPPING = '\\s*_`"\'“”‘’«»\\[(<{#>';

/** Proper prefixes of every spelling of the marker, longest first, as a regex alternation. */
const PREFIXES = (() => {
  const prefixes = new Set<string>();
  for (const spelling of ['no_answer', 'no answer', 'no-answer']) {
    for (let length = 1; length < spelling.length; length += 1) prefixes.add(spelling.slice(0, length));
  }
  return [...prefixes]
    .sort((a, b) => b.length - a.length)
    .map((prefix) => prefix.replace(/[-\s]/g, (character) => `\\${character === ' ' ? 's' : '-'}`))
    .join('|');
})();

/** The tail that must wait: wrapping characters, then maybe the start of the marker, at the very end. */
const OPEN_TAIL = new RegExp(`[${WRAPPING}]*(?:${PREFIXES})?$`, 'i');
/** Wrapping characters just before a found marker, dropped with it. */
const TRAILING_WRAPPING = new RegExp(`[${WRAPPING}]*$`);

/**
 * A streaming filter: {@link push} each delta and send what it returns; once {@link found}, send
 * nothing more from the model; call {@link end} when the model is done.
 *
 * @example
 * const marker = new NoAnswerFilter();
 * for await (const delta of deltas) send(marker.push(delta));
 * send(marker.end());
 * if (marker.found) send(noAnswerText(tenantName, handOver, sentSoFar));
 */
export class NoAnswerFilter {
  #pending = '';
  #found = false;

  /** True once the model wrote the marker; later deltas are dropped. */
  get found(): boolean {
    return this.#found;
  }

  /** Takes the next delta; returns the text that is safe to send now (maybe empty). */
  push(delta: string): string {
    if (this.#found) return '';
    this.#pending += delta;
    const match = matchMarker(this.#pending);
    if (match !== undefined) {
      this.#found = true;
      const before = this.#pending.slice(0, match).replace(TRAILING_WRAPPING, '');
      this.#pending = '';
      return before;
    }
    const open = OPEN_TAIL.exec(this.#pending)?.[0].length ?? 0;
    const released = this.#pending.slice(0, this.#pending.length - open);
    this.#pending = this.#pending.slice(released.length);
    return released;
  }

  /** The held-back tail once the model is done (empty after the marker). */
  end(): string {
    const tail = this.#found ? '' : this.#pending;
    this.#pending = '';
    return tail;
  }
}

/** Where the marker starts in `text`, if it is there in one of the accepted spellings. */
function matchMarker(text: string): number | undefined {
  return MARKER.exec(text)?.index;
}
