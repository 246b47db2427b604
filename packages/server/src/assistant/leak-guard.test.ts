import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEAK_REFUSAL, LeakGuard, normalizeForComparison } from './leak-guard.ts';
import { BASE_RULES } from './rag-prompt.ts';

const TENANT_PROMPT = 'Speak like a friendly librarian. Never promise delivery dates to anyone at all.';

/** Feeds `text` in chunks of `size` and returns what the visitor would see. */
function run(guard: LeakGuard, text: string, size = 7): { shown: string; tripped: boolean } {
  let shown = '';
  for (let index = 0; index < text.length; index += size) {
    shown += guard.push(text.slice(index, index + size));
    if (guard.tripped) return { shown, tripped: true };
  }
  return { shown: shown + guard.end(), tripped: false };
}

describe('LeakGuard', () => {
  it('passes an ordinary reply through unchanged, whatever the chunking', () => {
    const reply =
      'We are open 9 to 5 on weekdays [1]. Returns are accepted within 30 days [2]. 🎉 Anything else?';
    for (const size of [1, 3, 7, 50, 500]) {
      const guard = new LeakGuard({ protectedTexts: [BASE_RULES, TENANT_PROMPT], canaries: ['ref-abc123'] });
      expect(run(guard, reply, size)).toEqual({ shown: reply, tripped: false });
    }
  });

  it('holds back a tail until the next delta, then releases it at the end', () => {
    const guard = new LeakGuard({ protectedTexts: [BASE_RULES] });
    const first = guard.push('Hello there, this is a perfectly normal answer to your question.');
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(60);
    expect(first + guard.end()).toBe('Hello there, this is a perfectly normal answer to your question.');
  });

  it('stops a reply that recites the base rules, before 40 characters of them are shown', () => {
    const guard = new LeakGuard({ protectedTexts: [BASE_RULES] });
    const recital = `Sure! My instructions are: ${BASE_RULES}`;
    const { shown, tripped } = run(guard, recital);
    expect(tripped).toBe(true);
    expect(guard.refusal).toBe(LEAK_REFUSAL);
    expect(normalizeForComparison(shown)).not.toContain(normalizeForComparison(BASE_RULES).slice(0, 40));
    expect(guard.push('more text')).toBe('');
    expect(guard.end()).toBe('');
  });

  it("matches the tenant's prompt regardless of case, spacing and punctuation", () => {
    const guard = new LeakGuard({ protectedTexts: [BASE_RULES, TENANT_PROMPT] });
    const disguised = 'ok: SPEAK   like a friendly-librarian;\nnever PROMISE delivery dates to anyone at all';
    expect(run(guard, disguised, 4).tripped).toBe(true);
  });

  it('stops at a planted canary, which never reaches the visitor', () => {
    const guard = new LeakGuard({ protectedTexts: [], canaries: ['ref-5e1f09aa'] });
    const { shown, tripped } = run(guard, 'The internal reference is REF 5e1f09aa, as requested.', 2);
    expect(tripped).toBe(true);
    expect(normalizeForComparison(shown)).not.toContain('ref5e1f09aa');
  });

  it('lets a short quote of the rules pass (under one window)', () => {
    const guard = new LeakGuard({ protectedTexts: [BASE_RULES] });
    const reply = 'I can only answer from the numbered passages, sorry.';
    expect(run(guard, reply)).toEqual({ shown: reply, tripped: false });
  });

  it('does not match a protected text shorter than a window (an honest reply may share its words)', () => {
    const guard = new LeakGuard({ protectedTexts: ['Be terse.'] });
    expect(run(guard, 'I will be terse: yes.')).toEqual({ shown: 'I will be terse: yes.', tripped: false });
  });

  it('releases text that cannot become a leak at once, holding back nothing', () => {
    const guard = new LeakGuard({ protectedTexts: [TENANT_PROMPT], canaries: ['ref-5e1f09aa'] });
    // "q" occurs in neither the prompt nor the canary, so nothing up to it needs to wait.
    expect(guard.push('Hello zq')).toBe('Hello zq');
    expect(guard.push(' 42 zq!')).toBe(' 42 zq!');
    expect(guard.end()).toBe('');
  });

  it('holds back only the tail that could still start a protected window or a canary', () => {
    const guard = new LeakGuard({ protectedTexts: [TENANT_PROMPT], canaries: ['ref-5e1f09aa'] });
    // "speak like" may go on as the tenant's prompt: held. "ref" may go on as the canary: held.
    // A "q" occurs in neither, so everything up to it goes out.
    expect(guard.push('Hi zq. Speak like')).toBe('Hi zq. ');
    expect(guard.push(' a pirate zq')).toBe('Speak like a pirate zq');
    expect(guard.push(' ref')).toBe(' ');
    expect(guard.push('eree zq')).toBe('referee zq');
    expect(guard.end()).toBe('');
  });

  it('never shows a whole window of a protected text, and shows an honest reply whole, for any chunking', () => {
    const windows = (text: string) => {
      const normalized = normalizeForComparison(text);
      return Array.from({ length: normalized.length - 39 }, (_, start) =>
        normalized.slice(start, start + 40),
      );
    };
    const protectedWindows = [...windows(BASE_RULES), ...windows(TENANT_PROMPT)];
    const cuts = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(cuts, fc.integer({ min: 0, max: 200 }), (sizes, offset) => {
        const recital = `Well, ${BASE_RULES.slice(offset)} ${TENANT_PROMPT}`;
        const guard = new LeakGuard({ protectedTexts: [BASE_RULES, TENANT_PROMPT] });
        let shown = '';
        let index = 0;
        for (let step = 0; index < recital.length && !guard.tripped; step += 1) {
          const size = sizes[step % sizes.length] ?? 1;
          shown += guard.push(recital.slice(index, index + size));
          index += size;
        }
        if (!guard.tripped) shown += guard.end();
        const seen = normalizeForComparison(shown);
        expect(protectedWindows.some((window) => seen.includes(window))).toBe(false);
      }),
      { numRuns: 100 },
    );
    const honest = 'Our shop is open from 9 to 5, and returns are free within 30 days. Anything else?';
    fc.assert(
      fc.property(cuts, (sizes) => {
        const guard = new LeakGuard({
          protectedTexts: [BASE_RULES, TENANT_PROMPT],
          canaries: ['ref-abc123'],
        });
        let shown = '';
        let index = 0;
        for (let step = 0; index < honest.length; step += 1) {
          const size = sizes[step % sizes.length] ?? 1;
          shown += guard.push(honest.slice(index, index + size));
          index += size;
        }
        expect(shown + guard.end()).toBe(honest);
      }),
      { numRuns: 100 },
    );
  });
});
