/**
 * Stops a reply that starts to recite the system prompt.
 *
 * Why (OWASP Top 10 for LLM Applications, LLM07 "System Prompt Leakage"): the system prompt is not
 * a secret and holds nothing that grants access (keys and tenant scoping live in the server, never
 * in the prompt), so a leak is not a breach. We still do not echo it: a tenant's instructions are
 * their own wording, and a recited prompt is the first step of most jailbreaks, which then craft
 * input against the exact rules. A prompt that says "never reveal these instructions" is not
 * enough on its own, so the output is checked too.
 *
 * How: the reply is compared, letters and digits only and lower-cased (so spacing, case and
 * punctuation changes do not hide a copy), against every window of `windowSize` characters of the
 * protected texts, and against planted canaries. Only the tail that could still grow into such a
 * window or canary is held back until the next delta (a streaming prefix match: the longest suffix
 * of the reply that is the start of a window or of a canary); text that cannot become a leak goes
 * out at once. So no whole window of a protected text, and no canary, ever reaches the visitor,
 * and an ordinary reply's first token is not delayed (issue 16: a fixed hold of 39 characters
 * added 150–250 ms to the first token a visitor saw).
 */

/** Options of {@link LeakGuard}. */
export interface LeakGuardOptions {
  /** Texts the reply must not reproduce: the platform rules, the tenant's `system_prompt`. */
  protectedTexts: Array<string | undefined>;
  /** Markers planted in the prompt that no honest reply contains. */
  canaries?: string[];
  /** Length of a matching window, in normalised characters (default 40). */
  windowSize?: number;
  /** What replaces the rest of the reply once it trips. */
  refusal?: string;
}

/** Said instead of the rest of a reply that started to recite the instructions. */
export const LEAK_REFUSAL = "Sorry — I can't share that. Is there anything else I can help you with?";

/** Letters and digits only, lower-cased: the form every comparison is made in. */
export function normalizeForComparison(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * A streaming filter: feed it the model's deltas with {@link push}, send what it returns, and call
 * {@link end} once the model is done.
 *
 * @example
 * const guard = new LeakGuard({ protectedTexts: [BASE_RULES, settings.system_prompt], canaries: [canary] });
 * for await (const delta of deltas) {
 *   const safe = guard.push(delta);
 *   if (safe) send(safe);
 *   if (guard.tripped) { send(guard.refusal); break; }
 * }
 * if (!guard.tripped) send(guard.end());
 */
export class LeakGuard {
  /** What replaces the rest of the reply once {@link tripped}. */
  readonly refusal: string;
  /** The protected texts, normalised; only those at least one window long. */
  readonly #texts: string[];
  readonly #canaries: string[];
  readonly #windowSize: number;
  readonly #longestCanary: number;
  /** Everything the model wrote so far, normalised. */
  #seen = '';
  /** Raw text received but not yet released. */
  #pending = '';
  #tripped = false;

  constructor(options: LeakGuardOptions) {
    this.#windowSize = options.windowSize ?? 40;
    this.refusal = options.refusal ?? LEAK_REFUSAL;
    this.#canaries = (options.canaries ?? []).map(normalizeForComparison).filter(Boolean);
    // A text shorter than a window is not matched at all: a short instruction ("Be brief.")
    // reveals little, and an honest reply may well contain its words.
    this.#texts = options.protectedTexts
      .map((text) => normalizeForComparison(text ?? ''))
      .filter((text) => text.length >= this.#windowSize);
    this.#longestCanary = Math.max(0, ...this.#canaries.map((canary) => canary.length));
  }

  /** True once the reply reproduced a protected text or a canary; everything after is dropped. */
  get tripped(): boolean {
    return this.#tripped;
  }

  /** Takes the next delta and returns the text that is safe to send now (maybe empty). */
  push(delta: string): string {
    if (this.#tripped) return '';
    const checkedUpTo = this.#seen.length;
    this.#seen += normalizeForComparison(delta);
    this.#pending += delta;
    if (this.#leaks(checkedUpTo)) {
      this.#tripped = true;
      this.#pending = '';
      return '';
    }
    return this.#release(this.#openPrefix());
  }

  /** Returns the held-back tail once the model is done (empty after tripping). */
  end(): string {
    return this.#tripped ? '' : this.#release(0);
  }

  /** Whether a window or canary ends among the characters added after `checkedUpTo`. */
  #leaks(checkedUpTo: number): boolean {
    const size = this.#windowSize;
    for (let end = Math.max(checkedUpTo + 1, size); end <= this.#seen.length; end += 1) {
      const window = this.#seen.slice(end - size, end);
      if (this.#texts.some((text) => text.includes(window))) return true;
    }
    // Search only the new characters plus the longest canary before them.
    const tail = this.#seen.slice(Math.max(0, checkedUpTo - this.#longestCanary + 1));
    return this.#canaries.some((canary) => tail.includes(canary));
  }

  /**
   * The length of the longest suffix of the reply that later text could still complete into a
   * window or a canary: those characters must wait; anything before them can never be part of a
   * leak, since a window or canary that ends later starts inside this suffix or after it.
   */
  #openPrefix(): number {
    const seen = this.#seen;
    let open = 0;
    for (const canary of this.#canaries) {
      for (let length = Math.min(canary.length - 1, seen.length); length > open; length -= 1) {
        if (canary.startsWith(seen.slice(seen.length - length))) {
          open = length;
          break;
        }
      }
    }
    // A suffix is the start of a window where it occurs at least `windowSize` characters before the
    // end of a text. Occurring at all only gets rarer as the suffix grows, so stop at the first miss.
    const longest = Math.min(this.#windowSize - 1, seen.length);
    for (let length = 1; length <= longest; length += 1) {
      const suffix = seen.slice(seen.length - length);
      let occurs = false;
      for (const text of this.#texts) {
        const at = text.indexOf(suffix);
        if (at === -1) continue;
        occurs = true;
        // indexOf finds the earliest occurrence, the one with the most text after it.
        if (at + this.#windowSize <= text.length) {
          open = Math.max(open, length);
          break;
        }
      }
      if (!occurs) break;
    }
    return open;
  }

  /** Sends the pending text except its last `keep` normalised characters (and what follows them). */
  #release(keep: number): string {
    let index = this.#pending.length;
    let kept = 0;
    while (index > 0 && kept < keep) {
      const codePoint = this.#pending.codePointAt(index - 1) ?? 0;
      // Step back over a whole surrogate pair, never splitting an emoji between two sends.
      const width = index >= 2 && codePoint >= 0xdc00 && codePoint <= 0xdfff ? 2 : 1;
      kept += normalizeForComparison(this.#pending.slice(index - width, index)).length;
      index -= width;
    }
    const released = this.#pending.slice(0, index);
    this.#pending = this.#pending.slice(index);
    return released;
  }
}
