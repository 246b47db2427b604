/**
 * The knowledge base contract: a tenant's documents, split into passages, and the `Retriever` that
 * finds the passages for a question. Two implementations, one per store: SQLite FTS5 with `bm25()`
 * (`sqlite/sqlite-knowledge.ts`) and PostgreSQL full-text with `ts_rank`
 * (`postgres/postgres-knowledge.ts`); both pass `knowledge.conformance.ts`.
 *
 * Every method takes the tenant from the caller, which takes it from the server's context (the
 * request's tenant, the chat's tenant); never from a model's output.
 */
import type { DocumentFormat } from '@miptech/protocol';

/** One passage of a document, before it is stored: a section or a few paragraphs. */
export interface NewPassage {
  /** The headings above it, joined with " › "; empty when none. */
  heading: string;
  /** The passage's plain text. */
  text: string;
}

/** A document to add, or to replace the stored one with the same `source`. */
export interface NewDocument {
  tenant_id: string;
  /** Where it comes from (URL or path); unique per tenant. */
  source: string;
  title: string;
  /** The link shown to visitors, or null. */
  url: string | null;
  format: DocumentFormat;
  /** The document as given (kept for operators and re-splitting). */
  body: string;
  /** The passages it was split into, in order (`knowledge/passages.ts`). */
  passages: NewPassage[];
}

/** A stored document, without its body. */
export interface DocumentRecord {
  /** UUID. */
  id: string;
  tenant_id: string;
  source: string;
  title: string;
  url: string | null;
  format: DocumentFormat;
  passage_count: number;
  /** SHA-256 (hex) of title, url and body: an upsert with the same hash changes nothing. */
  content_hash: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601; moves when the content changes. */
  updated_at: string;
}

/** A stored passage. */
export interface PassageRecord {
  /** Unique within the store (a string, whatever the backend's key type). */
  id: string;
  document_id: string;
  /** Position in the document, from 0. */
  ordinal: number;
  heading: string;
  text: string;
}

/** A passage that matched a query, with its document's title and link. */
export interface PassageHit extends PassageRecord {
  title: string;
  url: string | null;
  source: string;
  /** Relevance, higher is better; comparable only within one result list. */
  score: number;
  /**
   * Cosine similarity of the passage's embedding to the question's, from -1 to 1, when hybrid
   * retrieval is on and the passage has a vector (`knowledge/hybrid-retriever.ts`); comparable
   * across questions of one model, so a gate may use it. Absent from lexical retrieval.
   */
  similarity?: number;
}

/** What {@link KnowledgeStore.upsertDocument} did. */
export interface UpsertResult {
  document: DocumentRecord;
  /** `created`: new source; `updated`: content changed, passages replaced; `unchanged`: same hash. */
  outcome: 'created' | 'updated' | 'unchanged';
}

/** Finds a tenant's passages for a question. */
export interface Retriever {
  /**
   * The tenant's passages that best match `query`, best first, at most `limit`. `query` is the
   * visitor's raw text: it is never interpreted as query syntax (quotes, `OR`, `NEAR`, `*`, `:`,
   * `-` are just characters), and a query with no searchable words returns nothing.
   */
  search(tenant_id: string, query: string, options: { limit: number }): Promise<PassageHit[]>;
  /**
   * The words the tenant's passages are indexed under, as the index stems them ("password",
   * "price"), each with how many passages hold it, most frequent first, at most `limit`. Only the
   * tenant's own words: another tenant's vocabulary must not leak through a typo correction.
   * Optional: a retriever without a word index answers without typo correction.
   */
  vocabulary?(tenant_id: string, options: { limit: number }): Promise<VocabularyTerm[]>;
}

/** One indexed word of a tenant's knowledge. */
export interface VocabularyTerm {
  /** The word as the index keeps it (stemmed, lower case). */
  term: string;
  /** How many of the tenant's passages hold it. */
  passages: number;
}

/** A tenant's documents and the index over their passages. */
export interface KnowledgeStore extends Retriever {
  /**
   * Adds the document, or replaces the tenant's document with the same `source` (its passages
   * too, atomically: a search never sees half of a document). Never creates a duplicate.
   */
  upsertDocument(document: NewDocument): Promise<UpsertResult>;
  /** The tenant's documents, by title then id. */
  listDocuments(tenant_id: string): Promise<DocumentRecord[]>;
  /** The document with its body and passages, if it is the tenant's. */
  getDocument(
    tenant_id: string,
    document_id: string,
  ): Promise<(DocumentRecord & { body: string; passages: PassageRecord[] }) | undefined>;
  /** Deletes the document and its passages; false when it is not the tenant's. */
  deleteDocument(tenant_id: string, document_id: string): Promise<boolean>;
  /** How many passages the tenant has indexed (readiness, `knowledge list`). */
  countPassages(tenant_id: string): Promise<number>;
}
