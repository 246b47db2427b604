import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../storage/postgres/postgres-store.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import { dropSchema, findTestPostgres, uniqueSchema } from '../testing/services.ts';
import {
  buildVocabulary,
  closestTerm,
  editDistance,
  joinedWords,
  rarityIn,
  TypoCorrector,
} from './typo-correction.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps, and gives up past the limit', () => {
    expect(editDistance('pasword', 'password', 2)).toBe(1);
    expect(editDistance('pasword', 'pasword', 2)).toBe(0);
    expect(editDistance('biling', 'billing', 2)).toBe(1);
    expect(editDistance('reciept', 'receipt', 2)).toBe(1);
    expect(editDistance('invoice', 'kanban', 2)).toBe(3);
  });
});

describe('joinedWords and rarityIn', () => {
  const vocabulary = buildVocabulary([
    { term: 'package', passages: 80 },
    { term: 'logout', passages: 3 },
    { term: 'webhook', passages: 5 },
    { term: 'short', passages: 9 },
    { term: 'mypackage', passages: 2 },
  ]);

  it('joins two words the knowledge writes as one, and nothing else', () => {
    expect(joinedWords('how do I log out', vocabulary)).toEqual(['logout']);
    expect(joinedWords('turn off my Web Hooks', vocabulary)).toEqual(['webhooks']);
    // A compound starts with a word, and a stemmer's cut is not a word ("shortor" → "short").
    expect(joinedWords('publish my package', vocabulary)).toEqual([]);
    expect(joinedWords('a short or long one', vocabulary)).toEqual([]);
  });

  it('makes a word rarer the fewer passages hold it, and knows nothing of unknown words', () => {
    const rarity = rarityIn(vocabulary);
    expect(rarity('logout') as number).toBeGreaterThan(rarity('package') as number);
    expect(rarity('packages')).toBe(rarity('package'));
    expect(rarity('zorblax')).toBeUndefined();
  });
});

describe('closestTerm', () => {
  const vocabulary = buildVocabulary(
    ['password', 'price', 'invoic', 'email', 'phone', 'team', 'teas'].map((term, index) => ({
      term,
      passages: 10 - index,
    })),
  );

  it('finds the close vocabulary word, through the light stem when the index keeps stems', () => {
    expect(closestTerm('pasword', vocabulary)).toBe('password');
    expect(closestTerm('prises', vocabulary)).toBe('price');
  });

  it('never corrects a word the vocabulary holds, nor one that differs in its first letter', () => {
    expect(closestTerm('password', vocabulary)).toBeUndefined();
    expect(closestTerm('gmail', vocabulary)).toBeUndefined();
    expect(closestTerm('iphone', vocabulary)).toBeUndefined();
  });

  it('prefers the word more passages use when two are as close', () => {
    expect(closestTerm('teaz', vocabulary)).toBe('team');
  });
});

/** Both stores, PostgreSQL only when it is there. */
const stores: Array<[string, () => Promise<{ store: Store; close: () => Promise<void> } | undefined>]> = [
  [
    'sqlite',
    async () => {
      const store = new SqliteStore({ path: ':memory:' });
      return { store, close: () => store.close() };
    },
  ],
  [
    'postgres',
    async () => {
      const url = await findTestPostgres();
      if (!url) return undefined;
      const schema = uniqueSchema('typos');
      const store = new PostgresStore({ connectionString: url, schema });
      return {
        store,
        close: async () => {
          await store.close();
          await dropSchema(url, schema);
        },
      };
    },
  ],
];

describe.each(stores)('TypoCorrector on %s', (_name, open) => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("corrects unknown words to the tenant's own words and leaves known ones alone", async (context) => {
    const opened = await open();
    if (!opened) return context.skip();
    closers.push(opened.close);
    const { store } = opened;
    await store.migrate();
    for (const id of ['typo-a', 'typo-b']) await store.createTenant({ id, name: id, allowed_origins: [] });
    const passage = (heading: string, text: string) => ({ heading, text });
    await store.knowledge.upsertDocument({
      tenant_id: 'typo-a',
      source: 'billing.md',
      title: 'Billing',
      url: null,
      format: 'markdown',
      body: 'x',
      passages: [
        passage('Invoices', 'Invoices are emailed every month with the receipt.'),
        passage('Password', 'Reset your password from the account page.'),
      ],
    });
    await store.knowledge.upsertDocument({
      tenant_id: 'typo-b',
      source: 'other.md',
      title: 'Other',
      url: null,
      format: 'markdown',
      body: 'y',
      passages: [passage('Zeppelins', 'Zeppelins float over the harbour.')],
    });
    const corrector = new TypoCorrector(store.knowledge);

    const fixed = await corrector.correct('typo-a', 'how do i reset my pasword');
    expect(fixed.corrections.get('pasword')).toMatch(/^password/);
    expect(fixed.text).toMatch(/^how do i reset my password/);
    // Known words (also in another form: "emails"), names and stopwords stay.
    const kept = await corrector.correct('typo-a', 'Are invoices emailed during Zepelins month');
    expect(kept.corrections.size).toBe(0);
    // Another tenant's words are never suggested.
    expect((await corrector.correct('typo-a', 'zepelins')).corrections.size).toBe(0);
    expect((await corrector.correct('typo-b', 'zepelins')).corrections.get('zepelins')).toMatch(/^zeppelin/);
  });
});
