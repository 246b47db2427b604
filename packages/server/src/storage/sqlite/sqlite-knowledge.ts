/**
 * The knowledge half of the SQLite store, on the store's database handle: documents, their
 * passages, and retrieval through the FTS5 index `knowledge_search` (migration 5), which triggers
 * on `knowledge_passages` keep in step inside each write's transaction.
 */
import type { DatabaseSync } from 'node:sqlite';
import type {
  DocumentRecord,
  KnowledgeStore,
  NewDocument,
  PassageHit,
  PassageRecord,
  UpsertResult,
  VocabularyTerm,
} from '../knowledge-store.ts';
import { contentHash, newId, now, passageHash, toDocument, toPassage } from '../records.ts';
import { fts5Query, searchTerms } from '../search-terms.ts';
import { immediateTransaction } from './transaction.ts';

/**
 * bm25() column weights for (title, heading, text): a word in the document's title or the
 * passage's headings says more about what the passage is about than the same word in its body.
 */
const TITLE_WEIGHT = 5;
const HEADING_WEIGHT = 3;
const TEXT_WEIGHT = 1;

/** Every document column but the body, which can be large and only `getDocument` returns. */
const DOCUMENT_COLUMNS =
  'id, tenant_id, source, title, url, format, passage_count, content_hash, created_at, updated_at';

/**
 * A tenant's knowledge base in SQLite.
 *
 * @example
 * const knowledge = new SqliteKnowledge(new DatabaseSync('platform.db'));
 * const hits = await knowledge.search('acme', 'How much does the Pro plan cost?', { limit: 5 });
 */
export class SqliteKnowledge implements KnowledgeStore {
  readonly #db: DatabaseSync;

  /** `db` must have foreign keys enabled (the cascade from documents to passages needs them). */
  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async upsertDocument(document: NewDocument): Promise<UpsertResult> {
    const hash = contentHash(document);
    // node:sqlite is synchronous: the read, the compare and the writes run without interleaving in
    // this process, and BEGIN IMMEDIATE keeps another process on the same file out meanwhile.
    return immediateTransaction(this.#db, () => {
      const existing = this.#db
        .prepare(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE tenant_id = ? AND source = ?`)
        .get(document.tenant_id, document.source);
      if (existing && existing.content_hash === hash) {
        return { document: toDocument(existing), outcome: 'unchanged' };
      }
      const time = now();
      const record: DocumentRecord = {
        id: existing ? String(existing.id) : newId(),
        tenant_id: document.tenant_id,
        source: document.source,
        title: document.title,
        url: document.url,
        format: document.format,
        passage_count: document.passages.length,
        content_hash: hash,
        created_at: existing ? String(existing.created_at) : time,
        updated_at: time,
      };
      if (existing) {
        this.#db
          .prepare(
            `UPDATE knowledge_documents SET title = ?, url = ?, format = ?, body = ?, content_hash = ?,
               passage_count = ?, updated_at = ? WHERE id = ?`,
          )
          .run(
            record.title,
            record.url,
            record.format,
            document.body,
            hash,
            record.passage_count,
            time,
            record.id,
          );
        // The delete trigger takes the old passages out of the index; the insert trigger below
        // indexes the new ones under the new title.
        this.#db
          .prepare('DELETE FROM knowledge_passages WHERE tenant_id = ? AND document_id = ?')
          .run(record.tenant_id, record.id);
      } else {
        this.#db
          .prepare(
            `INSERT INTO knowledge_documents (id, tenant_id, source, title, url, format, body, content_hash,
               passage_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            record.id,
            record.tenant_id,
            record.source,
            record.title,
            record.url,
            record.format,
            document.body,
            hash,
            record.passage_count,
            time,
            time,
          );
      }
      const insert = this.#db.prepare(
        `INSERT INTO knowledge_passages (document_id, tenant_id, ordinal, heading, text, text_hash)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      document.passages.forEach((passage, ordinal) => {
        const hash = passageHash(document.title, passage.heading, passage.text);
        insert.run(record.id, record.tenant_id, ordinal, passage.heading, passage.text, hash);
      });
      return { document: record, outcome: existing ? 'updated' : 'created' };
    });
  }

  async listDocuments(tenant_id: string): Promise<DocumentRecord[]> {
    return this.#db
      .prepare(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE tenant_id = ? ORDER BY title, id`)
      .all(tenant_id)
      .map(toDocument);
  }

  async getDocument(
    tenant_id: string,
    document_id: string,
  ): Promise<(DocumentRecord & { body: string; passages: PassageRecord[] }) | undefined> {
    const row = this.#db
      .prepare('SELECT * FROM knowledge_documents WHERE id = ? AND tenant_id = ?')
      .get(document_id, tenant_id);
    if (!row) return undefined;
    const passages = this.#db
      .prepare(
        `SELECT id, document_id, ordinal, heading, text FROM knowledge_passages
         WHERE tenant_id = ? AND document_id = ? ORDER BY ordinal`,
      )
      .all(tenant_id, document_id)
      .map(toPassage);
    return { ...toDocument(row), body: String(row.body), passages };
  }

  async deleteDocument(tenant_id: string, document_id: string): Promise<boolean> {
    // One statement: the cascade to the passages and their triggers commit with it or not at all.
    const result = this.#db
      .prepare('DELETE FROM knowledge_documents WHERE id = ? AND tenant_id = ?')
      .run(document_id, tenant_id);
    return Number(result.changes) > 0;
  }

  async countPassages(tenant_id: string): Promise<number> {
    const row = this.#db
      .prepare('SELECT count(*) AS n FROM knowledge_passages WHERE tenant_id = ?')
      .get(tenant_id);
    return Number(row?.n ?? 0);
  }

  async search(tenant_id: string, query: string, options: { limit: number }): Promise<PassageHit[]> {
    const terms = searchTerms(query);
    const limit = Math.max(0, Math.floor(options.limit));
    if (terms.length === 0 || limit === 0) return [];
    // bm25() is negative, more negative for a better match; negated, higher is better. Its term
    // statistics span every tenant's passages (one index for all), which can shift the order of
    // a tenant's results slightly but never lets another tenant's passage through the filter.
    const rows = this.#db
      .prepare(
        `SELECT p.id, p.document_id, p.ordinal, p.heading, p.text, d.title, d.url, d.source,
           -bm25(knowledge_search, ?, ?, ?) AS score
         FROM knowledge_search
         JOIN knowledge_passages AS p ON p.id = knowledge_search.rowid
         JOIN knowledge_documents AS d ON d.id = p.document_id
         WHERE knowledge_search MATCH ? AND p.tenant_id = ?
         ORDER BY score DESC, p.id
         LIMIT ?`,
      )
      .all(TITLE_WEIGHT, HEADING_WEIGHT, TEXT_WEIGHT, fts5Query(terms), tenant_id, limit);
    return rows.map((row) => ({
      ...toPassage(row),
      title: String(row.title),
      url: row.url === null ? null : String(row.url),
      source: String(row.source),
      score: Number(row.score),
    }));
  }

  async vocabulary(tenant_id: string, options: { limit: number }): Promise<VocabularyTerm[]> {
    // fts5vocab reads the index itself; 'instance' rows carry the passage's rowid, so the words
    // can be narrowed to the tenant's passages (the index is shared by every tenant). A temp
    // table: it is a view of the index, nothing to migrate.
    this.#db.exec(
      'CREATE VIRTUAL TABLE IF NOT EXISTS temp.knowledge_vocabulary USING fts5vocab(main, knowledge_search, instance)',
    );
    const rows = this.#db
      .prepare(
        `SELECT v.term AS term, count(DISTINCT v.doc) AS passages
         FROM temp.knowledge_vocabulary AS v
         JOIN knowledge_passages AS p ON p.id = v.doc
         WHERE p.tenant_id = ?
         GROUP BY v.term
         ORDER BY passages DESC, v.term
         LIMIT ?`,
      )
      .all(tenant_id, Math.max(0, Math.floor(options.limit)));
    return rows.map((row) => ({ term: String(row.term), passages: Number(row.passages) }));
  }
}
