import { describe, expect, it } from 'vitest';
import type { PassageHit, Retriever } from '../storage/knowledge-store.ts';
import { nameLikeWords, unknownName } from './name-check.ts';

/** A retriever that knows the words of a few sentences, the way an index would. */
function retrieverOf(text: string): Retriever {
  const words = new Set(text.toLowerCase().match(/\p{L}+/gu));
  const hit = { id: 'p1' } as PassageHit;
  return {
    search: async (_tenant, query) =>
      (query.toLowerCase().match(/\p{L}+/gu) ?? []).some((word) => words.has(word)) ? [hit] : [],
  };
}

describe('nameLikeWords', () => {
  it('takes capitalised words after the first, words in capitals, and a short capitalised question', () => {
    expect(nameLikeWords('Does Strapi have a kanban layout?', ['Directus'])).toEqual(['Strapi']);
    expect(nameLikeWords('is my data GDPR compliant', [])).toEqual(['GDPR']);
    expect(nameLikeWords('Contentful', [])).toEqual(['Contentful']);
    expect(nameLikeWords('Google Analytics?', [])).toEqual(['Google', 'Analytics']);
  });

  it("ignores a sentence's first word, I and I'm, and the tenant's own names", () => {
    expect(nameLikeWords('How do I reset my password?', [])).toEqual([]);
    expect(nameLikeWords("What can I'm Directus do", ['Directus'])).toEqual([]);
    expect(nameLikeWords('can Directus send emails', ['Directus'])).toEqual([]);
  });
});

describe('unknownName', () => {
  const retriever = retrieverOf('Log in with GitHub. Pay through Stripe. Regions: Europe, Paris.');

  it("names another brand the tenant's knowledge never mentions", async () => {
    expect(await unknownName(retriever, 't', 'Does HubSpot integrate with Zapier?', [])).toBe('HubSpot');
    expect(await unknownName(retriever, 't', 'Wordpress', [])).toBe('Wordpress');
  });

  it('lets a near-topic question through when its names are in the knowledge', async () => {
    expect(await unknownName(retriever, 't', 'can I log in with GitHub?', [])).toBeUndefined();
    expect(await unknownName(retriever, 't', 'do you bill through Stripe', [])).toBeUndefined();
    expect(await unknownName(retriever, 't', 'how do i change my file extension', [])).toBeUndefined();
  });
});
