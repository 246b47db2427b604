import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fts5Query, MAX_SEARCH_TERMS, searchTerms, websearchQuery } from './search-terms.ts';

describe('searchTerms', () => {
  it('keeps the words of a question, lowercased, without stopwords, repeats or punctuation', () => {
    expect(searchTerms('What are your Opening HOURS on Sundays? Hours, please!')).toEqual([
      'opening',
      'hours',
      'sundays',
      'please',
    ]);
  });

  it('reads query syntax as plain characters', () => {
    expect(searchTerms('"pro" OR price* NEAR(a b) -refund title:foo ^x (y) \\ :* & | ! \'')).toEqual([
      'pro',
      'price',
      'near',
      'refund',
      'title',
      'foo',
    ]);
  });

  it('drops one-letter words but keeps single digits', () => {
    expect(searchTerms('plan b, tier 2, x')).toEqual(['plan', 'tier', '2']);
  });

  it('keeps letters and digits of any script, with their combining marks', () => {
    expect(searchTerms('Café über 東京 नमस्ते ２４７')).toEqual(['café', 'über', '東京', 'नमस्ते', '247']);
    // Decomposed "é" (e + U+0301) is composed, so it is the same term as the precomposed one.
    expect(searchTerms('cafe\u0301')).toEqual(['café']);
  });

  it('finds nothing in stopwords, punctuation and emoji alone', () => {
    for (const text of ['', '   ', 'the and of', 'What is it?', "don't", '?!… --- "" ()', '🙂👍']) {
      expect(searchTerms(text), text).toEqual([]);
    }
  });

  it(`keeps at most ${MAX_SEARCH_TERMS} terms and drops overlong ones`, () => {
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`);
    expect(searchTerms(words.join(' '))).toEqual(words.slice(0, MAX_SEARCH_TERMS));
    expect(searchTerms(`${'x'.repeat(81)} short`)).toEqual(['short']);
  });

  it('gives only words of letters, digits and marks for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const terms = searchTerms(text);
        expect(terms.length).toBeLessThanOrEqual(MAX_SEARCH_TERMS);
        expect(new Set(terms).size).toBe(terms.length);
        for (const term of terms) expect(term).toMatch(/^[\p{L}\p{N}][\p{L}\p{M}\p{N}]*$/u);
      }),
      { numRuns: 300 },
    );
  });
});

describe('query builders', () => {
  it('quote every term and join them with OR', () => {
    expect(fts5Query(['refund', 'near'])).toBe('"refund" OR "near"');
    expect(websearchQuery(['refund', 'or'])).toBe('"refund" or "or"');
  });

  it('keep a stray quote inside its term', () => {
    expect(fts5Query(['a"b'])).toBe('"a""b"');
    expect(websearchQuery(['a"b'])).toBe('"a b"');
  });
});
