import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PASSAGE_CHARS,
  MIN_PASSAGE_CHARS,
  type Section,
  splitIntoPassages,
  splitText,
} from './passages.ts';

/** A sentence of `words` distinct words, so that a lost or duplicated word shows. */
function sentence(label: string, words: number): string {
  return `${Array.from({ length: words }, (_, index) => `${label}${index}`).join(' ')}.`;
}

describe('splitIntoPassages', () => {
  it('gives one passage per section that fits, with the heading path joined by " › "', () => {
    const first = sentence('alpha', 20);
    const second = sentence('beta', 20);
    expect(
      splitIntoPassages([
        { headings: ['Pricing', 'Basic'], text: first },
        { headings: ['Pricing', 'Pro'], text: second },
      ]),
    ).toEqual([
      { heading: 'Pricing › Basic', text: first },
      { heading: 'Pricing › Pro', text: second },
    ]);
  });

  it('splits a long section at paragraph boundaries, every passage under the same heading', () => {
    const paragraphs = Array.from({ length: 6 }, (_, index) => sentence(`p${index}w`, 50));
    const passages = splitIntoPassages([{ headings: ['Guide'], text: paragraphs.join('\n\n') }]);
    expect(passages.length).toBeGreaterThan(1);
    for (const passage of passages) {
      expect(passage.heading).toBe('Guide');
      expect(passage.text.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
      // Whole paragraphs only: each passage starts and ends where a paragraph does.
      for (const part of passage.text.split('\n\n')) expect(paragraphs).toContain(part);
    }
    expect(passages.map((passage) => passage.text).join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('splits a single over-long paragraph at sentence ends, never inside a word', () => {
    const sentences = Array.from({ length: 12 }, (_, index) => sentence(`s${index}w`, 15));
    const passages = splitIntoPassages([{ headings: [], text: sentences.join(' ') }]);
    expect(passages.length).toBeGreaterThan(1);
    for (const passage of passages) {
      expect(passage.text.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
      expect(passage.text).toMatch(/^s\d+w0 .*\.$/s);
    }
    expect(passages.map((passage) => passage.text).join(' ')).toBe(sentences.join(' '));
  });

  it('splits a sentence longer than a passage between words', () => {
    const words = sentence('word', 400);
    const passages = splitIntoPassages([{ headings: [], text: words }]);
    expect(passages.length).toBeGreaterThan(1);
    for (const passage of passages) {
      expect(passage.text.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
      expect(passage.text).toMatch(/^word\d+( word\d+)*\.?$/);
    }
  });

  it('merges tiny sections with the next one under the same parent, naming each in the text', () => {
    const passages = splitIntoPassages([
      { headings: ['Contact', 'Phone'], text: '555-0100' },
      { headings: ['Contact', 'Email'], text: 'hello@acme.example' },
      { headings: ['Contact', 'Office'], text: sentence('office', 20) },
    ]);
    expect(passages).toEqual([
      {
        heading: 'Contact',
        text: `Phone\n555-0100\n\nEmail\nhello@acme.example\n\nOffice\n${sentence('office', 20)}`,
      },
    ]);
  });

  it('merges a tiny introduction with the subsection below it, keeping the common heading', () => {
    const passages = splitIntoPassages([
      { headings: ['Plans'], text: 'Two plans.' },
      { headings: ['Plans', 'Basic'], text: sentence('basic', 20) },
    ]);
    expect(passages).toEqual([{ heading: 'Plans', text: `Two plans.\n\nBasic\n${sentence('basic', 20)}` }]);
  });

  it('does not merge a tiny section into one under another parent, nor past the size cap', () => {
    const long = `${'lorem '.repeat(148)}end.`;
    expect(long.length).toBeGreaterThan(MAX_PASSAGE_CHARS - 20);
    expect(long.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
    const passages = splitIntoPassages([
      { headings: ['A', 'Tiny'], text: 'Short.' },
      { headings: ['B', 'Other'], text: sentence('other', 20) },
      { headings: ['B', 'Tiny too'], text: 'Short too.' },
      { headings: ['B', 'Long'], text: long },
    ]);
    expect(passages.map((passage) => passage.heading)).toEqual([
      'A › Tiny',
      'B › Other',
      'B › Tiny too',
      'B › Long',
    ]);
    expect(passages[2]?.text.length).toBeLessThan(MIN_PASSAGE_CHARS);
  });

  it('gives no passage for empty or blank sections', () => {
    expect(
      splitIntoPassages([
        { headings: ['Empty'], text: '' },
        { headings: ['Blank'], text: ' \n\n ' },
      ]),
    ).toEqual([]);
  });

  it('cuts a word longer than a passage into pieces rather than exceed the cap', () => {
    const word = 'x'.repeat(MAX_PASSAGE_CHARS * 2 + 5);
    expect(splitText(word, MAX_PASSAGE_CHARS).map((piece) => piece.length)).toEqual([
      MAX_PASSAGE_CHARS,
      MAX_PASSAGE_CHARS,
      5,
    ]);
  });
});

const wordArbitrary = fc.stringMatching(/^[a-z0-9À-ÿ'-]{1,25}$/);
const separatorArbitrary = fc.constantFrom(' ', ' ', ' ', '. ', '! ', '\n', '\n\n', ',  ', '? ');
// size 'max': fast-check's default keeps arrays to about ten items, far below one passage's length.
const textArbitrary = fc
  .array(fc.tuple(wordArbitrary, separatorArbitrary), { maxLength: 400, size: 'max' })
  .map((pairs) => pairs.map(([word, separator]) => word + separator).join(''));
const sectionsArbitrary: fc.Arbitrary<Section[]> = fc.array(
  fc.record({
    headings: fc.array(fc.constantFrom('Intro', 'Plans', 'Basic', 'Pro', 'FAQ'), { maxLength: 3 }),
    text: textArbitrary,
  }),
  { maxLength: 8 },
);

function wordsOf(text: string): string[] {
  return text.split(/[\s.,!?]+/).filter(Boolean);
}

/** How many times each word occurs. */
function countWords(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of texts.flatMap(wordsOf)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

describe('splitIntoPassages, for any sections', () => {
  it('keeps every word of the text, cuts none, and keeps every passage non-empty and within the cap', () => {
    fc.assert(
      fc.property(sectionsArbitrary, (sections) => {
        const passages = splitIntoPassages(sections);
        const passageWords = countWords(passages.map((passage) => passage.text));
        for (const [word, count] of countWords(sections.map((section) => section.text))) {
          // At least as often: merged passages add the headings of what they merged as text.
          expect(passageWords.get(word) ?? 0).toBeGreaterThanOrEqual(count);
        }
        for (const passage of passages) {
          expect(passage.text.trim()).not.toBe('');
          expect(passage.text.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
        }
      }),
      // Shrinking 400-word texts is slow; past the limit fast-check reports the smallest failure so far.
      { numRuns: 200, interruptAfterTimeLimit: 10_000 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(sectionsArbitrary, (sections) => {
        expect(splitIntoPassages(structuredClone(sections))).toEqual(splitIntoPassages(sections));
      }),
      { numRuns: 100, interruptAfterTimeLimit: 10_000 },
    );
  });
});
