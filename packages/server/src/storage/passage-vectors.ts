/**
 * The passage-vector contract: embedding vectors of a tenant's passages, for hybrid retrieval
 * (`knowledge/hybrid-retriever.ts`). Implemented next to each knowledge store
 * (`sqlite/sqlite-passage-vectors.ts`, `postgres/postgres-passage-vectors.ts`); both pass
 * `passage-vectors.conformance.ts`.
 *
 * Vectors are keyed by tenant, model and the passage's content hash (SHA-256 of its document's
 * title, its heading and its text; `passageHash` in `records.ts`), not by passage id. An upsert replaces a document's
 * passages with new rows; a passage whose text did not change keeps its hash, so its vector stays
 * valid with no copying, and only changed text needs a new vector. A different model is a
 * different key, so a model change recomputes everything.
 */
import type { PassageHit } from './knowledge-store.ts';

/** A passage's content that has no vector yet under some model. */
export interface PassageToEmbed {
  /** SHA-256 (hex) of title, heading and text: the key its vector is stored under. */
  text_hash: string;
  /** The document's title. */
  title: string;
  heading: string;
  text: string;
}

/** A vector to store for a passage content. */
export interface NewPassageVector {
  text_hash: string;
  vector: Float32Array;
}

/** A stored vector, attached to the tenant's passage that has that content. */
export interface PassageVector {
  passage_id: string;
  vector: Float32Array;
}

/** A tenant's passage vectors, per embedding model. */
export interface PassageVectorStore {
  /**
   * Contents of the tenant's passages that have no vector under `model`, each content once, at
   * most `limit`, in a stable order (so a caller can page through them by storing each batch).
   */
  missing(tenant_id: string, model: string, options: { limit: number }): Promise<PassageToEmbed[]>;
  /** Stores vectors under the tenant and model; a content that already has one keeps it. */
  put(tenant_id: string, model: string, vectors: NewPassageVector[]): Promise<void>;
  /** Every passage of the tenant that has a vector under `model`, with that vector. */
  load(tenant_id: string, model: string): Promise<PassageVector[]>;
  /**
   * An opaque stamp that changes whenever {@link load} could answer differently (a passage or a
   * vector was added or removed); cheap, so a cache can check it on every query.
   */
  version(tenant_id: string, model: string): Promise<string>;
  /**
   * Deletes the tenant's vectors that no passage has the content of any more, and those of any
   * other model than `model`. Returns how many were deleted.
   */
  prune(tenant_id: string, model: string): Promise<number>;
  /** The tenant's passages with these ids (others' ids are ignored), as hits with score 0. */
  hits(tenant_id: string, passage_ids: string[]): Promise<PassageHit[]>;
}
