/**
 * Passage vectors in PostgreSQL (`knowledge_vectors`, migration 6): float32 little-endian `bytea`
 * keyed by tenant, model and content hash, joined to `knowledge_passages` through its `text_hash`.
 * No pgvector: similarity is computed in the process (`knowledge/hybrid-retriever.ts`).
 */
import type pg from 'pg';
import type { PassageHit } from '../knowledge-store.ts';
import type {
  NewPassageVector,
  PassageToEmbed,
  PassageVector,
  PassageVectorStore,
} from '../passage-vectors.ts';
import { decodeVector, encodeVector, now, toPassage } from '../records.ts';
import type { Row } from './transaction.ts';

/** Most ids looked up at once. */
const MAX_IDS = 500;

/**
 * @example
 * const vectors = new PostgresPassageVectors(pool);
 * for (const { passage_id, vector } of await vectors.load('acme', 'openai:text-embedding-3-small')) …
 */
export class PostgresPassageVectors implements PassageVectorStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async missing(tenant_id: string, model: string, options: { limit: number }): Promise<PassageToEmbed[]> {
    // DISTINCT ON: one row per content; the same hash means the same title, heading and text.
    const result = await this.#pool.query<Row>(
      `SELECT DISTINCT ON (p.text_hash COLLATE "C") p.text_hash, p.title, p.heading, p.text
       FROM knowledge_passages AS p
       WHERE p.tenant_id = $1 AND NOT EXISTS (
         SELECT 1 FROM knowledge_vectors AS v
         WHERE v.tenant_id = p.tenant_id AND v.model = $2 AND v.text_hash = p.text_hash)
       ORDER BY p.text_hash COLLATE "C"
       LIMIT $3`,
      [tenant_id, model, Math.max(0, Math.floor(options.limit))],
    );
    return result.rows.map((row) => ({
      text_hash: String(row.text_hash),
      title: String(row.title),
      heading: String(row.heading),
      text: String(row.text),
    }));
  }

  async put(tenant_id: string, model: string, vectors: NewPassageVector[]): Promise<void> {
    if (vectors.length === 0) return;
    await this.#pool.query(
      `INSERT INTO knowledge_vectors (tenant_id, model, text_hash, dimensions, vector, created_at)
       SELECT $1, $2, item.text_hash, item.dimensions, item.vector, $6
       FROM unnest($3::text[], $4::int[], $5::bytea[]) AS item (text_hash, dimensions, vector)
       ON CONFLICT (tenant_id, model, text_hash) DO NOTHING`,
      [
        tenant_id,
        model,
        vectors.map((entry) => entry.text_hash),
        vectors.map((entry) => entry.vector.length),
        vectors.map((entry) => Buffer.from(encodeVector(entry.vector))),
        now(),
      ],
    );
  }

  async load(tenant_id: string, model: string): Promise<PassageVector[]> {
    const result = await this.#pool.query<Row>(
      `SELECT p.id AS passage_id, v.vector
       FROM knowledge_passages AS p
       JOIN knowledge_vectors AS v
         ON v.tenant_id = p.tenant_id AND v.model = $2 AND v.text_hash = p.text_hash
       WHERE p.tenant_id = $1
       ORDER BY p.id`,
      [tenant_id, model],
    );
    return result.rows.map((row) => ({
      passage_id: String(row.passage_id),
      vector: decodeVector(row.vector),
    }));
  }

  async version(tenant_id: string, model: string): Promise<string> {
    const result = await this.#pool.query<Row>(
      `SELECT
         (SELECT count(*) FROM knowledge_passages WHERE tenant_id = $1) AS passages,
         (SELECT coalesce(max(id), 0) FROM knowledge_passages WHERE tenant_id = $1) AS last_passage,
         (SELECT count(*) FROM knowledge_vectors WHERE tenant_id = $1 AND model = $2) AS vectors,
         (SELECT coalesce(max(id), 0) FROM knowledge_vectors WHERE tenant_id = $1 AND model = $2) AS last_vector`,
      [tenant_id, model],
    );
    const row = result.rows[0];
    return [row?.passages, row?.last_passage, row?.vectors, row?.last_vector].map(String).join(':');
  }

  async prune(tenant_id: string, model: string): Promise<number> {
    const result = await this.#pool.query(
      `DELETE FROM knowledge_vectors AS v
       WHERE v.tenant_id = $1 AND (v.model <> $2 OR NOT EXISTS (
         SELECT 1 FROM knowledge_passages AS p WHERE p.tenant_id = v.tenant_id AND p.text_hash = v.text_hash))`,
      [tenant_id, model],
    );
    return result.rowCount ?? 0;
  }

  async hits(tenant_id: string, passage_ids: string[]): Promise<PassageHit[]> {
    const ids = passage_ids.filter((id) => /^\d{1,18}$/.test(id)).slice(0, MAX_IDS);
    if (ids.length === 0) return [];
    const result = await this.#pool.query<Row>(
      `SELECT p.id, p.document_id, p.ordinal, p.heading, p.text, d.title, d.url, d.source
       FROM knowledge_passages AS p
       JOIN knowledge_documents AS d ON d.id = p.document_id
       WHERE p.tenant_id = $1 AND p.id = ANY($2::bigint[])`,
      [tenant_id, ids],
    );
    return result.rows.map((row) => ({
      ...toPassage(row),
      title: String(row.title),
      url: row.url === null ? null : String(row.url),
      source: String(row.source),
      score: 0,
    }));
  }
}
