import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_ANSWER_MARKER, NoAnswerFilter } from './no-answer-marker.ts';

/** Feeds the deltas; returns what was sent and whether the marker was found. */
function run(deltas: string[]): { sent: string; found: boolean; perDelta: string[] } {
  const filter = new NoAnswerFilter();
  const perDelta = deltas.map((delta) => filter.push(delta));
  const sent = perDelta.join('') + filter.end();
  return { sent, found: filter.found, perDelta };
}

describe('NoAnswerFilter', () => {
  it.each([
    [[NO_ANSWER_MARKER]],
    [['NO', '_ANS', 'WER']],
    [['N', 'O', '_', 'A', 'N', 'S', 'W', 'E', 'R', '\n']],
    [['**NO_', 'ANSWER**']],
    [['`NO_ANSWER`']],
    [['  [NO_ANSWER]  ']],
    [['no_answer']],
    [['NO ANSWER']],
    [['NO-ANSWER.']],
  ])('finds the marker and sends nothing of %j', (deltas) => {
    expect(run(deltas)).toMatchObject({ sent: '', found: true });
  });

  it('keeps an apology written before the marker, drops the marker, its wrapping and what follows', () => {
    const deltas = "I'm sorry, the passages don't say. **NO_ANSWER** Ask me anything else!".split(/(?<= )/);
    expect(run(deltas)).toEqual(
      expect.objectContaining({ sent: "I'm sorry, the passages don't say.", found: true }),
    );
  });

  it.each([
    'There is no answer to that in our documents, no.',
    'Nope, we do not ship abroad [1].',
    'No. Answer: we close at 5 pm [2].',
    'We are open Monday to Friday, 9:00 to 17:00 [1].',
  ])('passes prose through unchanged: %j', (text) => {
    expect(run(text.split(/(?<=\s)/))).toMatchObject({ sent: text, found: false });
  });

  it('holds back only a tail that could still become the marker', () => {
    const { perDelta } = run(['We are open Monday to Friday.', ' Ask us about', ' returns [1].', ' No']);
    expect(perDelta).toEqual(['We are open Monday to Friday.', ' Ask us about', ' returns [1].', '']);
  });

  it('sends any chunking of a marker-free text exactly, and drops the marker under any chunking', () => {
    const prose = fc
      .stringMatching(/^[A-Za-z0-9 ,.!?'*_`\n-]{0,80}$/)
      .filter((text) => !/no_answer|NO[ -]ANSWER/i.test(text));
    const cuts = fc.array(fc.nat(), { maxLength: 8 });
    const chunk = (text: string, at: number[]) => {
      const points = [...new Set(at.map((point) => point % (text.length + 1)))].sort((a, b) => a - b);
      const pieces: string[] = [];
      let start = 0;
      for (const point of points) {
        pieces.push(text.slice(start, point));
        start = point;
      }
      pieces.push(text.slice(start));
      return pieces;
    };
    fc.assert(
      fc.property(prose, cuts, (text, at) => {
        const plain = run(chunk(text, at));
        expect(plain).toMatchObject({ sent: text, found: false });
        const marked = run(chunk(`${text} NO_ANSWER and more`, at));
        expect(marked.found).toBe(true);
        expect(text.startsWith(marked.sent)).toBe(true);
      }),
    );
  });
});
