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
});
