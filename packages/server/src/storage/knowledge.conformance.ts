/**
 * The conformance suite every `KnowledgeStore` must pass, run against each store's `knowledge`
 * (`sqlite/sqlite-knowledge.test.ts`, `postgres/postgres-knowledge.test.ts`). Each tenant is new,
 * so the cases share one database without seeing each other's documents.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { KnowledgeStore, NewDocument, PassageHit } from './knowledge-store.ts';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import type { Store } from './store.ts';

let tenantCounter = 0;

/** A document with one passage per `[heading, text]`, its body their text. */
function newDocument(
  tenant_id: string,
  source: string,
  title: string,
  passages: Array<[heading: string, text: string]>,
): NewDocument {
  return {
    tenant_id,
    source,
    title,
    url: `https://docs.example/${source}`,
    format: 'markdown',
    body: passages.map(([heading, text]) => `## ${heading}\n\n${text}`).join('\n\n'),
    passages: passages.map(([heading, text]) => ({ heading, text })),
  };
}

const texts = (hits: PassageHit[]) => hits.map((hit) => hit.text);

/** The hash the contract specifies, computed independently of either store. */
const contentHash = (document: NewDocument) =>
  createHash('sha256')
    .update(`${document.title}\n${document.url ?? ''}\n${document.body}`)
    .digest('hex');

/** Query syntax of FTS5, tsquery and websearch that a visitor's text must never be read as. */
const SYNTAX = [
  ...['"', '*', 'NEAR(a b)', 'NEAR', 'OR', 'AND', 'NOT', '-x', 'title:foo', 'heading:', '^', '(', ')'],
  ...["'", '\\', ':*', '&', '|', '!', '<->', '{text}:', '+', '""', '\u0000', '%', '_'],
];

export function describeKnowledgeConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`KnowledgeStore conformance: ${name}`, () => {
    let store: Store;
    const { test, reopen } = storeSuite(name, harness, (opened) => {
      store = opened;
    });
    const knowledge = (): KnowledgeStore => store.knowledge;
    const upsert = (document: NewDocument) => store.knowledge.upsertDocument(document);
    const search = (tenant: string, text: string, limit = 10) =>
      store.knowledge.search(tenant, text, { limit });
    /** The texts of the passages a search finds, best first. */
    const found = async (tenant: string, text: string) => texts(await search(tenant, text));
    const newTenant = async () =>
      (await store.createTenant({ id: `kb-${Date.now().toString(36)}-${++tenantCounter}`, name: 'T' })).id;

    test('adds, lists, reads and deletes documents; deleting takes them out of search', async () => {
      const tenant = await newTenant();
      const document = newDocument(tenant, 'guide.md', 'beta guide', [
        ['Intro', 'Welcome to the gadget handbook.'],
        ['Setup', 'Plug the gadget in.'],
      ]);
      const { document: stored, outcome } = await upsert(document);
      expect(outcome).toBe('created');
      expect(stored).toMatchObject({
        tenant_id: tenant,
        source: 'guide.md',
        passage_count: 2,
        content_hash: contentHash(document),
      });
      expect(stored.created_at).toBe(stored.updated_at);
      const linkless = {
        ...newDocument(tenant, 'a.md', 'alpha', [['', 'Plain.']]),
        url: null,
        format: 'text' as const,
      };
      const alpha = (await upsert(linkless)).document;
      expect(alpha).toMatchObject({
        url: null,
        format: 'text',
        passage_count: 1,
        content_hash: contentHash(linkless),
      });
      const sameTitle = (await upsert(newDocument(tenant, 'z.md', 'alpha', [['', 'Z.']]))).document;

      const byId = [alpha, sameTitle].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(await knowledge().listDocuments(tenant)).toEqual([...byId, stored]);
      const detail = await knowledge().getDocument(tenant, stored.id);
      expect(detail).toMatchObject({ ...stored, body: document.body });
      expect(detail?.passages.map(({ ordinal, heading, text }) => [ordinal, heading, text])).toEqual([
        [0, 'Intro', 'Welcome to the gadget handbook.'],
        [1, 'Setup', 'Plug the gadget in.'],
      ]);
      expect(new Set(detail?.passages.map((passage) => passage.document_id))).toEqual(new Set([stored.id]));
      expect(await knowledge().countPassages(tenant)).toBe(4);

      expect(await search(tenant, 'gadget')).toHaveLength(2);
      expect(await knowledge().deleteDocument(tenant, stored.id)).toBe(true);
      expect(await knowledge().deleteDocument(tenant, stored.id)).toBe(false);
      expect(await knowledge().getDocument(tenant, stored.id)).toBeUndefined();
      expect(await search(tenant, 'gadget')).toEqual([]);
      expect(await knowledge().listDocuments(tenant)).toEqual(byId);
      expect(await knowledge().countPassages(tenant)).toBe(2);
    });

    test("vocabulary: the tenant's own indexed words with their passage counts, most frequent first", async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      await upsert(
        newDocument(tenant, 'billing.md', 'Billing', [
          ['Invoices', 'Invoices are emailed monthly.'],
          ['Refunds', 'Refunds reach your card within days.'],
        ]),
      );
      await upsert(newDocument(other, 'secret.md', 'Zanzibar', [['Canary', 'quetzalcoatl canary words']]));
      const vocabulary = await knowledge().vocabulary?.(tenant, { limit: 100 });
      if (!vocabulary) throw new Error('both stores index words');
      const terms = new Map(vocabulary.map((entry) => [entry.term, entry.passages]));
      // The title is indexed with every passage; the stems are the index's own.
      expect(terms.get('bill')).toBe(2);
      expect([...terms.keys()].some((term) => term.startsWith('invoic'))).toBe(true);
      expect(vocabulary[0]?.passages).toBe(2);
      expect([...terms.keys()].some((term) => /quetzal|zanzibar|canari/.test(term))).toBe(false);
      expect(await knowledge().vocabulary?.(tenant, { limit: 2 })).toHaveLength(2);
    });

    test('an upsert of the same source and content changes nothing', async () => {
      const tenant = await newTenant();
      const document = newDocument(tenant, 'faq.md', 'FAQ', [['Hours', 'Open daily.']]);
      const first = await upsert(document);
      const before = await knowledge().getDocument(tenant, first.document.id);
      const again = await upsert({ ...document, format: 'text' });
      expect(again).toEqual({ document: first.document, outcome: 'unchanged' });
      expect(await knowledge().listDocuments(tenant)).toEqual([first.document]);
      // The same passage ids: nothing was rewritten.
      expect(await knowledge().getDocument(tenant, first.document.id)).toEqual(before);
    });

    test('changed content updates the document in place and replaces its passages', async () => {
      const tenant = await newTenant();
      const first = await upsert(
        newDocument(tenant, 'post.md', 'Walrus news', [
          ['Old', 'The walrus sings.'],
          ['Older', 'A second walrus verse.'],
        ]),
      );
      const changed = newDocument(tenant, 'post.md', 'Penguin news', [['New', 'The penguin dances.']]);
      const second = await upsert(changed);
      expect(second.outcome).toBe('updated');
      expect(second.document).toMatchObject({
        id: first.document.id,
        created_at: first.document.created_at,
        title: 'Penguin news',
        passage_count: 1,
      });
      expect(second.document.content_hash).not.toBe(first.document.content_hash);
      expect(second.document.updated_at >= first.document.updated_at).toBe(true);
      expect(await knowledge().listDocuments(tenant)).toEqual([second.document]);
      expect((await knowledge().getDocument(tenant, first.document.id))?.passages).toMatchObject([
        { ordinal: 0, heading: 'New', text: 'The penguin dances.' },
      ]);
      expect(await knowledge().countPassages(tenant)).toBe(1);
      expect(await search(tenant, 'walrus')).toEqual([]);
      expect(await found(tenant, 'penguin')).toEqual(['The penguin dances.']);
    });

    test('finds a passage by a word of its text, of its headings, of its title, or a few words of a question', async () => {
      const tenant = await newTenant();
      const { document } = await upsert(
        newDocument(tenant, 'shipping.md', 'Shipping guide', [
          ['Returns', 'Send the parcel back within thirty days.'],
          ['Customs', 'Duties are paid by the recipient.'],
        ]),
      );
      const [hit] = await search(tenant, 'parcel');
      expect(hit).toMatchObject({
        document_id: document.id,
        ordinal: 0,
        heading: 'Returns',
        title: 'Shipping guide',
        url: 'https://docs.example/shipping.md',
        source: 'shipping.md',
      });
      expect(hit?.score).toBeGreaterThan(0);
      expect(await found(tenant, 'CUSTOMS')).toEqual(['Duties are paid by the recipient.']);
      expect(await search(tenant, 'shipping')).toHaveLength(2);
      const question = 'Hi! Who pays the duties when my order crosses a border?';
      expect(await found(tenant, question)).toEqual(['Duties are paid by the recipient.']);
    });

    test('matches other forms of a word by its stem', async () => {
      const tenant = await newTenant();
      await upsert(
        newDocument(tenant, 'plans.md', 'Plans', [
          ['', 'Every plan is priced per seat.'],
          ['', 'Our service includes onboarding.'],
        ]),
      );
      expect(await found(tenant, 'pricing')).toEqual(['Every plan is priced per seat.']);
      expect(await found(tenant, 'What services do you offer?')).toEqual([
        'Our service includes onboarding.',
      ]);
    });

    test('ranks passages with the rarer query terms above those with only a common one', async () => {
      const tenant = await newTenant();
      const common = [
        'The device ships in a box.',
        'Charge the device overnight.',
        'Clean the device gently.',
      ];
      const rare = ['Warranty coverage lasts two years.', 'The device warranty is in the box.'];
      await upsert(
        newDocument(
          tenant,
          'manual.md',
          'Handbook',
          [...common, ...rare, 'Restart the device daily.'].map((text) => ['', text]),
        ),
      );
      const hits = await search(tenant, 'Is my device under warranty?');
      expect(hits).toHaveLength(6);
      expect(new Set(texts(hits).slice(0, 2))).toEqual(new Set(rare));
      expect(hits.map((hit) => hit.score)).toEqual(hits.map((hit) => hit.score).sort((a, b) => b - a));
    });

    test('ranks a match in the title above one in a heading above one in the text alone', async () => {
      const tenant = await newTenant();
      // Each passage has 11 words in all, inserted worst first: a tie would put them in the wrong order.
      const passages: Array<[string, string, [string, string]]> = [
        ['body.md', 'Blog', ['News', 'We changed our pricing last spring, see the announcement.']],
        [
          'heading.md',
          'Company',
          ['Pricing questions', 'Answers to the common questions from our customers.'],
        ],
        ['title.md', 'Pricing', ['Plans', 'Three plans for teams of every size and shape.']],
      ];
      for (const [source, title, passage] of passages) {
        await upsert(newDocument(tenant, source, title, [passage]));
      }
      const hits = await search(tenant, 'pricing');
      expect(hits.map((hit) => hit.source)).toEqual(['title.md', 'heading.md', 'body.md']);
    });

    test("never returns, reads or deletes another tenant's passages and documents", async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const mine = await upsert(newDocument(tenant, 'same.md', 'Mine', [['', 'A sprocket.']]));
      const theirs = await upsert(
        newDocument(other, 'same.md', 'Theirs', [['Canary', 'A sprocket and a canarytoken.']]),
      );
      expect(theirs.outcome).toBe('created');
      expect(theirs.document.id).not.toBe(mine.document.id);
      expect(await search(tenant, 'canarytoken')).toEqual([]);
      expect(await found(tenant, 'canarytoken sprocket')).toEqual(['A sprocket.']);
      expect(await knowledge().getDocument(tenant, theirs.document.id)).toBeUndefined();
      expect(await knowledge().deleteDocument(tenant, theirs.document.id)).toBe(false);
      expect(await knowledge().getDocument(other, theirs.document.id)).toMatchObject({ title: 'Theirs' });
      expect(await knowledge().listDocuments(tenant)).toEqual([mine.document]);
      expect(await knowledge().countPassages(other)).toBe(1);
    });

    test('any text is a safe query: it never throws and finds only the tenant’s passages', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const words = ['widget', 'gizmo', 'title', 'near', 'not', 'or', 'heading'];
      const { document } = await upsert(
        newDocument(tenant, 'mine.md', 'Widget title', [['Gizmo heading', 'widget gizmo near not or']]),
      );
      await upsert(
        newDocument(other, 'theirs.md', 'Widget title', [['Gizmo heading', 'widget gizmo canarytoken']]),
      );
      const piece = fc.oneof(fc.constantFrom(...SYNTAX, ...words), fc.string({ maxLength: 4 }));
      const query = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(' ')),
        fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join('')),
      );
      let answered = 0;
      await fc.assert(
        fc.asyncProperty(query, async (text) => {
          const hits = await search(tenant, text, 5);
          if (hits.length > 0) answered++;
          expect(hits.length).toBeLessThanOrEqual(1);
          for (const hit of hits) expect(hit.document_id).toBe(document.id);
        }),
        { numRuns: 200 },
      );
      // The property is not vacuous: many of the queries carried a word and found the passage.
      expect(answered).toBeGreaterThan(10);
      for (const text of [
        '"widget',
        'widget"*',
        'NEAR(widget gizmo)',
        'title:widget',
        '-widget',
        'widget:*',
      ]) {
        expect(await search(tenant, text, 5), text).toHaveLength(1);
      }
    });

    test('a query with no searchable words finds nothing', async () => {
      const tenant = await newTenant();
      await upsert(
        newDocument(tenant, 'all.md', 'The a of', [['What is it', 'It is what it is, and the rest of it.']]),
      );
      for (const text of ['', '   ', 'the', 'What is it?', 'a b c', '"" * ( ) : ^ - ! ...', "it's", '🙂']) {
        expect(await search(tenant, text), text).toEqual([]);
      }
    });

    test('returns at most `limit` passages', async () => {
      const tenant = await newTenant();
      const passages = Array.from({ length: 6 }, (_, index): [string, string] => [
        '',
        `Lantern number ${index}.`,
      ]);
      await upsert(newDocument(tenant, 'lanterns.md', 'Lanterns', passages));
      expect(await search(tenant, 'lantern')).toHaveLength(6);
      expect(await search(tenant, 'lantern', 3)).toHaveLength(3);
      expect(await search(tenant, 'lantern', 1)).toHaveLength(1);
      expect(await search(tenant, 'lantern', 0)).toEqual([]);
      expect(await knowledge().countPassages(tenant)).toBe(6);
    });

    test('concurrent upserts of one source leave exactly one document, of one version', async () => {
      const tenant = await newTenant();
      const document = newDocument(tenant, 'race.md', 'Race', [['', 'Ready.']]);
      const results = await Promise.all(Array.from({ length: 5 }, () => upsert(document)));
      const outcomes = results.map((result) => result.outcome).sort();
      expect(outcomes).toEqual(['created', ...Array(4).fill('unchanged')]);
      expect(new Set(results.map((result) => result.document.id)).size).toBe(1);

      const versions = Array.from({ length: 5 }, (_, version) =>
        newDocument(
          tenant,
          'race.md',
          'Race',
          Array.from({ length: version + 1 }, (_, index): [string, string] => [
            '',
            `Version ${version} part ${index}.`,
          ]),
        ),
      );
      const updates = await Promise.all(versions.map((version) => upsert(version)));
      expect(updates.map((result) => result.outcome)).toEqual(Array(5).fill('updated'));
      const [stored, ...rest] = await knowledge().listDocuments(tenant);
      expect(rest).toEqual([]);
      // Each version has its own number of passages, so the count tells which one was stored last.
      const winner = versions.find((version) => version.passages.length === stored?.passage_count);
      expect(stored?.content_hash).toBe(winner && contentHash(winner));
      const detail = await knowledge().getDocument(tenant, stored?.id ?? '');
      expect(detail?.body).toBe(winner?.body);
      expect(detail?.passages.map((passage) => passage.text)).toEqual(
        winner?.passages.map((passage) => passage.text),
      );
      expect(await knowledge().countPassages(tenant)).toBe(winner?.passages.length);
    });

    test('what was indexed is there after the store is closed and opened again', async () => {
      const tenant = await newTenant();
      const { document } = await upsert(
        newDocument(tenant, 'kept.md', 'Kept', [['Durable', 'Persisted lighthouse.']]),
      );
      const before = await knowledge().getDocument(tenant, document.id);
      await reopen();
      expect(await store.migrate()).toEqual([]);
      expect(await knowledge().getDocument(tenant, document.id)).toEqual(before);
      expect(texts(await search(tenant, 'lighthouse', 5))).toEqual(['Persisted lighthouse.']);
    });
  });
}
