/**
 * Passage vectors in SQLite (`knowledge_vectors`, migration 6): float32 BLOBs keyed by tenant,
 * model and content hash, joined to `knowledge_passages` through its `text_hash`.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { PassageHit } from '../knowledge-store.ts';
import type {
  NewPassageVector,
  PassageToEmbed,
  PassageVector,
  PassageVectorStore,
} from '../passage-vectors.ts';
import { decodeVector, encodeVector, now, toPassage } from '../records.ts';
import { immediateTransaction } from './transaction.ts';

/** Most ids bound in one `IN (…)` list; SQLite's limit on variables is far above it. */
const MAX_IDS = 500;

/**
 * @example
 * const vectors = new SqlitePassageVectors(db);
 * for (const { passage_id, vector } of await vectors.load('acme', 'openai:text-embedding-3-small')) …
 */
export class SqlitePassageVectors implements PassageVectorStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async missing(tenant_id: string, model: string, options: { limit: number }): Promise<PassageToEmbed[]> {
    const rows = this.#db
      .prepare(
        `SELECT p.text_hash, min(d.title) AS title, min(p.heading) AS heading, min(p.text) AS text
         FROM knowledge_passages AS p
         JOIN knowledge_documents AS d ON d.id = p.document_id
         WHERE p.tenant_id = ? AND NOT EXISTS (
           SELECT 1 FROM knowledge_vectors AS v
           WHERE v.tenant_id = p.tenant_id AND v.model = ? AND v.text_hash = p.text_hash)
         GROUP BY p.text_hash
         ORDER BY p.text_hash
         LIMIT ?`,
      )
      .all(tenant_id, model, Math.max(0, Math.floor(options.limit)));
    return rows.map((row) => ({
      text_hash: String(row.text_hash),
      title: String(row.title),
      heading: String(row.heading),
      text: String(row.text),
    }));
  }

  async put(tenant_id: string, model: string, vectors: NewPassageVector[]): Promise<void> {
    if (vectors.length === 0) return;
    immediateTransaction(this.#db, () => {
      const insert = this.#db.prepare(
        `INSERT INTO knowledge_vectors (tenant_id, model, text_hash, dimensions, vector, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, model, text_hash) DO NOTHING`,
      );
      const time = now();
      for (const { text_hash, vector } of vectors) {
        insert.run(tenant_id, model, text_hash, vector.length, encodeVector(vector), time);
      }
    });
  }

  async load(tenant_id: string, model: string): Promise<PassageVector[]> {
    const rows = this.#db
      .prepare(
        `SELECT p.id AS passage_id, v.vector
         FROM knowledge_passages AS p
         JOIN knowledge_vectors AS v
           ON v.tenant_id = p.tenant_id AND v.model = ? AND v.text_hash = p.text_hash
         WHERE p.tenant_id = ?
         ORDER BY p.id`,
      )
      .all(model, tenant_id);
    return rows.map((row) => ({ passage_id: String(row.passage_id), vector: decodeVector(row.vector) }));
  }

  async version(tenant_id: string, model: string): Promise<string> {
    const row = this.#db
      .prepare(
        `SELECT
           (SELECT count(*) FROM knowledge_passages WHERE tenant_id = ?) AS passages,
           (SELECT coalesce(max(id), 0) FROM knowledge_passages WHERE tenant_id = ?) AS last_passage,
           (SELECT count(*) FROM knowledge_vectors WHERE tenant_id = ? AND model = ?) AS vectors,
           (SELECT coalesce(max(id), 0) FROM knowledge_vectors WHERE tenant_id = ? AND model = ?) AS last_vector`,
      )
      .get(tenant_id, tenant_id, tenant_id, model, tenant_id, model);
    return [row?.passages, row?.last_passage, row?.vectors, row?.last_vector].map(String).join(':');
  }

  async prune(tenant_id: string, model: string): Promise<number> {
    const result = this.#db
      .prepare(
        `DELETE FROM knowledge_vectors
         WHERE tenant_id = ? AND (model <> ? OR NOT EXISTS (
           SELECT 1 FROM knowledge_passages AS p
           WHERE p.tenant_id = knowledge_vectors.tenant_id AND p.text_hash = knowledge_vectors.text_hash))`,
      )
      .run(tenant_id, model);
    return Number(result.changes);
  }

  async hits(tenant_id: string, passage_ids: string[]): Promise<PassageHit[]> {
    const ids = passage_ids.filter((id) => /^\d+$/.test(id)).slice(0, MAX_IDS);
    if (ids.length === 0) return [];
    const rows = this.#db
      .prepare(
        `SELECT p.id, p.document_id, p.ordinal, p.heading, p.text, d.title, d.url, d.source
         FROM knowledge_passages AS p
         JOIN knowledge_documents AS d ON d.id = p.document_id
         WHERE p.tenant_id = ? AND p.id IN (${ids.map(() => '?').join(', ')})`,
      )
      .all(tenant_id, ...ids.map(Number));
    return rows.map((row) => ({
      ...toPassage(row),
      title: String(row.title),
      url: row.url === null ? null : String(row.url),
      source: String(row.source),
      score: 0,
    }));
  }
}
