import { describe, expect, it } from 'vitest';
import { analyzeQuestion, headingPrecision, stem, termCoverage } from './question-terms.ts';

describe('stem', () => {
  it.each([
    ['pricing', 'prices'],
    ['services', 'service'],
    ['integration', 'integrate'],
    ['hosting', 'hosted'],
    ['companies', 'company'],
    ['monthly', 'month'],
  ])('maps %s and %s to one stem', (first, second) => {
    expect(stem(first)).toBe(stem(second));
  });
});

describe('analyzeQuestion', () => {
  it('keeps the content words, without chat filler or the tenant name', () => {
    const question = analyzeQuestion('Hi! Could you tell me what services MIPTech offers?', undefined, [
      'MIPTech',
    ]);
    expect(question.current.map((term) => term.word)).toEqual(['services']);
    expect(question.context).toEqual([]);
  });

  it('searches with synonyms as a second query', () => {
    const question = analyzeQuestion('What does it cost?', undefined, []);
    expect(question.queries[0]).toBe('What does it cost?');
    expect(question.queries[1]).toContain('price');
  });

  it('hears a price in "how much"', () => {
    const question = analyzeQuestion('How much is a mobile app?', undefined, []);
    expect(question.current.map((term) => term.word)).toContain('cost');
  });

  it('reads a follow-up with the previous question', () => {
    const question = analyzeQuestion('And the price?', 'Do you build mobile apps?', []);
    expect(question.context.map((term) => term.word)).toEqual(['build', 'mobile', 'apps']);
    expect(question.queries[0]).toContain('mobile apps');
    const standalone = analyzeQuestion('What services does MIPTech offer?', 'Do you build mobile apps?', []);
    expect(standalone.context).toEqual([]);
  });

  it('treats a capitalised name as one term', () => {
    const question = analyzeQuestion('Who is the president of the United States?', undefined, []);
    const clients = 'We also work with companies in the United Kingdom and the United States.';
    expect(termCoverage(question, clients)).toMatchObject({ matched: 1, current: 0.5 });
    expect(termCoverage(question, 'The United Kingdom')).toMatchObject({ matched: 0 });
  });

  it("reads a question about the tenant itself by the tenant's name", () => {
    expect(analyzeQuestion('What is Directus?', undefined, ['Directus']).current.map((t) => t.word)).toEqual([
      'directus',
    ]);
    // Beside other words, the name says nothing: every passage is about the tenant.
    expect(analyzeQuestion('Directus pricing', undefined, ['Directus']).current.map((t) => t.word)).toEqual([
      'pricing',
    ]);
  });

  it('ignores questions made of numbers alone', () => {
    expect(analyzeQuestion("What's 2+2?", undefined, []).current).toEqual([]);
    expect(analyzeQuestion("What's 17 times 23?", undefined, []).current).toEqual([]);
    expect(analyzeQuestion('response times in 24 hours', undefined, []).current.map((t) => t.word)).toContain(
      'times',
    );
  });
});

describe('termCoverage', () => {
  it('counts synonyms and ignores the words of an email address', () => {
    const question = analyzeQuestion('Can I see examples of your shop?', undefined, []);
    expect(termCoverage(question, 'We build online stores.').current).toBe(0.5);
    expect(termCoverage(question, 'Write to hello@miptech.example').current).toBe(0);
  });
});

describe('term rarity', () => {
  // In a package manager's docs "package" is everywhere and "deprecate" on one page.
  const rarity = (word: string) => ({ mark: 1.2, package: 0.2, version: 0.4, deprecated: 3 })[word];

  it("weighs the question's words by rarity, averaging 1, and an unknown word as the rarest", () => {
    const question = analyzeQuestion('mark a package version deprecated zorblax', undefined, [], rarity);
    const weights = Object.fromEntries(question.current.map((term) => [term.word, term.weight]));
    expect(Object.values(weights).reduce((sum, weight) => sum + weight, 0)).toBeCloseTo(5);
    expect(weights.deprecated).toBeGreaterThan(weights.mark as number);
    expect(weights.mark).toBeGreaterThan(weights.package as number);
    expect(weights.zorblax).toBe(weights.deprecated);
  });

  it('ranks by the rare words a passage holds, and gates on the share of words', () => {
    const question = analyzeQuestion('mark a package version deprecated', undefined, [], rarity);
    const rare = termCoverage(question, 'Deprecated versions show a warning.');
    const common = termCoverage(question, 'Every package has a version and a mark.');
    expect(rare.weighted).toBeGreaterThan(common.weighted);
    expect(rare.current).toBe(0.5);
    expect(common.current).toBe(0.75);
  });
});

describe('headingPrecision', () => {
  it('is the share of the heading the question asks about', () => {
    const question = analyzeQuestion('What are your prices?', undefined, []);
    expect(headingPrecision(question, 'Pricing')).toBe(1);
    expect(headingPrecision(question, 'Discovery phase price')).toBeCloseTo(1 / 3);
  });
});
