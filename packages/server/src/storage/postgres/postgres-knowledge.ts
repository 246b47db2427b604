/**
 * The knowledge half of the PostgreSQL store, on the store's pool: documents, their passages, and
 * retrieval through each passage's generated `search` tsvector (migration 5), weighted A for the
 * document's title, B for the passage's headings and C for its text, under a GIN index.
 */
import type pg from 'pg';
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
import { searchTerms, websearchQuery } from '../search-terms.ts';
import { type Outcome, type Row, transaction } from './transaction.ts';

/** Every document column but the body, which can be large and only `getDocument` returns. */
const DOCUMENT_COLUMNS =
  'id, tenant_id, source, title, url, format, passage_count, content_hash, created_at, updated_at';

/**
 * How many times an upsert looks again when the document it conflicted with is deleted before it
 * could lock it; each round sees the other transaction committed, so one retry nearly always does.
 */
const UPSERT_ROUNDS = 3;

/**
 * The tenant's passages matching any term, scored as the sum over terms of idf × ts_rank: ts_rank
 * alone knows how often and where (title A, heading B, text C) a term occurs, not how rare it is,
 * so "pricing" in "what is your pricing for companies" would weigh no more than "companies". The
 * idf is BM25's, counted over the tenant's own passages. `phraseto_tsquery` per term reads it as
 * the phrase FTS5 makes of a quoted term; the OR of all terms (websearch syntax, quoted terms)
 * selects the candidates through the GIN index. Terms PostgreSQL drops (its stopwords) are skipped.
 */
const SEARCH_SQL = `
  WITH term AS (
    SELECT DISTINCT phraseto_tsquery('english', word) AS query FROM unnest($2::text[]) AS word
  ), weighted AS (
    SELECT term.query, ln(1 + (total.n - matching.n + 0.5) / (matching.n + 0.5)) AS idf
    FROM term
    CROSS JOIN (SELECT count(*)::float8 AS n FROM knowledge_passages WHERE tenant_id = $1) AS total
    CROSS JOIN LATERAL (
      SELECT count(*)::float8 AS n FROM knowledge_passages
      WHERE tenant_id = $1 AND search @@ term.query
    ) AS matching
    WHERE numnode(term.query) > 0
  )
  SELECT p.id, p.document_id, p.ordinal, p.heading, p.text, d.title, d.url, d.source,
    (SELECT sum(weighted.idf * ts_rank(p.search, weighted.query)) FROM weighted) AS score
  FROM knowledge_passages AS p
  JOIN knowledge_documents AS d ON d.id = p.document_id
  WHERE p.tenant_id = $1 AND p.search @@ websearch_to_tsquery('english', $3)
  ORDER BY score DESC, p.id
  LIMIT $4`;

/**
 * A tenant's knowledge base in PostgreSQL.
 *
 * @example
 * const knowledge = new PostgresKnowledge(new pg.Pool({ connectionString }));
 * const hits = await knowledge.search('acme', 'How much does the Pro plan cost?', { limit: 5 });
 */
export class PostgresKnowledge implements KnowledgeStore {
  readonly #pool: pg.Pool;

  /** `pool`'s connections must have the store's schema on their search_path. */
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async upsertDocument(document: NewDocument): Promise<UpsertResult> {
    const hash = contentHash(document);
    return transaction(this.#pool, async (client): Promise<Outcome<UpsertResult>> => {
      for (let round = 0; round < UPSERT_ROUNDS; round++) {
        const time = now();
        // A concurrent upsert of the same source that has not committed yet makes this INSERT wait
        // for it; then it inserts nothing, and the row lock below queues us behind the next writer.
        const inserted = await client.query<Row>(
          `INSERT INTO knowledge_documents (id, tenant_id, source, title, url, format, body, content_hash,
             passage_count, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
           ON CONFLICT (tenant_id, source) DO NOTHING
           RETURNING ${DOCUMENT_COLUMNS}`,
          [
            newId(),
            document.tenant_id,
            document.source,
            document.title,
            document.url,
            document.format,
            document.body,
            hash,
            document.passages.length,
            time,
          ],
        );
        const created = inserted.rows[0];
        if (created) {
          await insertPassages(client, String(created.id), document);
          return { value: { document: toDocument(created), outcome: 'created' }, commit: true };
        }
        const locked = await client.query<Row>(
          `SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE tenant_id = $1 AND source = $2 FOR UPDATE`,
          [document.tenant_id, document.source],
        );
        const existing = locked.rows[0];
        if (!existing) continue; // deleted since the INSERT conflicted: insert it again
        if (existing.content_hash === hash) {
          return { value: { document: toDocument(existing), outcome: 'unchanged' }, commit: false };
        }
        const updated = await client.query<Row>(
          `UPDATE knowledge_documents SET title = $2, url = $3, format = $4, body = $5, content_hash = $6,
             passage_count = $7, updated_at = $8
           WHERE id = $1 RETURNING ${DOCUMENT_COLUMNS}`,
          [
            existing.id,
            document.title,
            document.url,
            document.format,
            document.body,
            hash,
            document.passages.length,
            time,
          ],
        );
        await client.query('DELETE FROM knowledge_passages WHERE tenant_id = $1 AND document_id = $2', [
          document.tenant_id,
          existing.id,
        ]);
        await insertPassages(client, String(existing.id), document);
        return { value: { document: toDocument(updated.rows[0] as Row), outcome: 'updated' }, commit: true };
      }
      throw new Error(`Document "${document.source}" kept changing while it was being stored`);
    });
  }

  async listDocuments(tenant_id: string): Promise<DocumentRecord[]> {
    // Bytewise order, as SQLite sorts, whatever the database's collation.
    const result = await this.#pool.query<Row>(
      `SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE tenant_id = $1
       ORDER BY title COLLATE "C", id COLLATE "C"`,
      [tenant_id],
    );
    return result.rows.map(toDocument);
  }

  async getDocument(
    tenant_id: string,
    document_id: string,
  ): Promise<(DocumentRecord & { body: string; passages: PassageRecord[] }) | undefined> {
    // One snapshot for both reads, so a concurrent update cannot pair the old body with new passages.
    return transaction(
      this.#pool,
      async (client) => {
        const document = await client.query<Row>(
          'SELECT * FROM knowledge_documents WHERE id = $1 AND tenant_id = $2',
          [document_id, tenant_id],
        );
        const row = document.rows[0];
        if (!row) return { value: undefined, commit: false };
        const passages = await client.query<Row>(
          `SELECT id, document_id, ordinal, heading, text FROM knowledge_passages
           WHERE tenant_id = $1 AND document_id = $2 ORDER BY ordinal`,
          [tenant_id, document_id],
        );
        const detail = { ...toDocument(row), body: String(row.body), passages: passages.rows.map(toPassage) };
        return { value: detail, commit: false };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  async deleteDocument(tenant_id: string, document_id: string): Promise<boolean> {
    // The passages go with it (ON DELETE CASCADE), in the same statement.
    const result = await this.#pool.query(
      'DELETE FROM knowledge_documents WHERE id = $1 AND tenant_id = $2',
      [document_id, tenant_id],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async countPassages(tenant_id: string): Promise<number> {
    const result = await this.#pool.query<Row>(
      'SELECT count(*) AS n FROM knowledge_passages WHERE tenant_id = $1',
      [tenant_id],
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async search(tenant_id: string, query: string, options: { limit: number }): Promise<PassageHit[]> {
    const terms = searchTerms(query);
    const limit = Math.max(0, Math.floor(options.limit));
    if (terms.length === 0 || limit === 0) return [];
    const result = await this.#pool.query<Row>(SEARCH_SQL, [tenant_id, terms, websearchQuery(terms), limit]);
    return result.rows.map((row) => ({
      ...toPassage(row),
      title: String(row.title),
      url: row.url === null ? null : String(row.url),
      source: String(row.source),
      score: Number(row.score),
    }));
  }

  async vocabulary(tenant_id: string, options: { limit: number }): Promise<VocabularyTerm[]> {
    // ts_stat reads the tsvectors of the statement it is given; the tenant is quoted into it by
    // format(%L), never concatenated in JavaScript.
    const result = await this.#pool.query<{ term: string; passages: number }>(
      `SELECT word AS term, ndoc AS passages
       FROM ts_stat(format('SELECT search FROM knowledge_passages WHERE tenant_id = %L', $1::text))
       ORDER BY ndoc DESC, word
       LIMIT $2`,
      [tenant_id, Math.max(0, Math.floor(options.limit))],
    );
    return result.rows.map((row) => ({ term: row.term, passages: Number(row.passages) }));
  }
}

/** Writes the document's passages in one statement, numbered from 0 in the order given. */
async function insertPassages(client: pg.PoolClient, document_id: string, document: NewDocument) {
  await client.query(
    `INSERT INTO knowledge_passages (document_id, tenant_id, ordinal, title, heading, text, text_hash)
     SELECT $1, $2, passage.ordinal - 1, $3, passage.heading, passage.text, passage.text_hash
     FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS passage (heading, text, text_hash, ordinal)`,
    [
      document_id,
      document.tenant_id,
      document.title,
      document.passages.map((passage) => passage.heading),
      document.passages.map((passage) => passage.text),
      document.passages.map((passage) => passageHash(document.title, passage.heading, passage.text)),
    ],
  );
}
