/**
 * Hybrid retrieval: the lexical retriever's passages and the passages whose embeddings are closest
 * to the question's, merged by reciprocal rank fusion. A visitor who says "withdraw" finds the page
 * that says "unpublish". Without an embedding model for the tenant it is the lexical retriever,
 * unchanged, and nothing calls out; when the question cannot be embedded (provider down, slow,
 * refused) it answers from the lexical list alone.
 */

import type { PassageHit, Retriever, VocabularyTerm } from '../storage/knowledge-store.ts';
import type { PassageVectorStore } from '../storage/passage-vectors.ts';
import { searchTerms } from '../storage/search-terms.ts';
import type { Embedder } from './embedder.ts';
import type { EffectiveEmbedding } from './embedding-model.ts';
import type { EmbeddingLog } from './passage-embedding.ts';
import { VectorIndexCache } from './vector-index.ts';

/** Reciprocal rank fusion's constant (Cormack et al. 2009): 1/(k + rank) per list a passage is in. */
export const RRF_K = 60;

/** Options of {@link HybridRetriever}. */
export interface HybridRetrieverOptions {
  /** The store's full-text retriever. */
  lexical: Retriever;
  vectors: PassageVectorStore;
  embedder: Embedder;
  /** The tenant's embedding setting, or undefined when it has none (then: lexical only). */
  settingFor: (tenant_id: string) => Promise<EffectiveEmbedding | undefined>;
  /** A question not embedded by then is answered lexically. */
  timeoutMs: number;
  log: EmbeddingLog;
  /** Called when a tenant's vectors were (re)loaded, so missing ones get filled in the background. */
  backfill?: (tenant_id: string) => void;
  /**
   * Passages found only by their vectors must be at least this similar (cosine) to the question
   * (default 0.2): every question has nearest neighbours, an off-topic one too.
   */
  minSimilarity?: number;
  /** How deep each list is read before fusion (default 30, at least `limit`). */
  depth?: number;
}

/** Questions embedded recently, so the responder's several searches of one message embed it once. */
const MAX_CACHED_QUERIES = 500;
/** One warning per tenant per this long when questions cannot be embedded. */
const WARNING_INTERVAL_MS = 60_000;

/**
 * @example
 * const retriever = new HybridRetriever({ lexical: store.knowledge, vectors: store.vectors, embedder,
 *   settingFor, timeoutMs: 3000, log });
 * const hits = await retriever.search('acme', 'how do I withdraw a package?', { limit: 5 });
 */
export class HybridRetriever implements Retriever {
  readonly vocabulary?: (tenant_id: string, options: { limit: number }) => Promise<VocabularyTerm[]>;
  readonly #options: HybridRetrieverOptions;
  readonly #indexes: VectorIndexCache;
  readonly #queries = new Map<string, Float32Array>();
  readonly #warnedAt = new Map<string, number>();

  constructor(options: HybridRetrieverOptions) {
    this.#options = options;
    this.#indexes = new VectorIndexCache(options.vectors);
    const { lexical } = options;
    // Typo correction works on words, which only the lexical index has.
    if (lexical.vocabulary)
      this.vocabulary = async (tenant_id, limits) => (await lexical.vocabulary?.(tenant_id, limits)) ?? [];
  }

  async search(tenant_id: string, query: string, options: { limit: number }): Promise<PassageHit[]> {
    const { lexical, minSimilarity = 0.2 } = this.#options;
    const limit = Math.max(0, Math.floor(options.limit));
    // The contract: a question with no searchable words finds nothing, whatever its vector.
    const setting =
      limit > 0 && searchTerms(query).length > 0 ? await this.#settingFor(tenant_id) : undefined;
    if (!setting) return lexical.search(tenant_id, query, options);

    const depth = Math.max(limit, this.#options.depth ?? 30);
    const [lexicalHits, queryVector] = await Promise.all([
      lexical.search(tenant_id, query, { limit: depth }),
      this.#embedQuery(tenant_id, setting, query),
    ]);
    if (!queryVector) return lexicalHits.slice(0, limit);
    const { index, reloaded } = await this.#indexes.get(tenant_id, setting.key);
    if (reloaded) this.#options.backfill?.(tenant_id);
    const similarity = index.similarities(queryVector);
    if (similarity.size === 0) return lexicalHits.slice(0, limit);

    const vectorRanking = [...similarity]
      .filter(([, value]) => value >= minSimilarity)
      .sort(([idA, a], [idB, b]) => b - a || (idA < idB ? -1 : 1))
      .slice(0, depth)
      .map(([id]) => id);
    const fused = new Map<string, number>();
    const addRanks = (ids: string[]) => {
      for (const [position, id] of ids.entries()) {
        fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + position + 1));
      }
    };
    addRanks(lexicalHits.map((hit) => hit.id));
    addRanks(vectorRanking);

    const ranked = [...fused]
      .sort(([idA, a], [idB, b]) => b - a || (idA < idB ? -1 : 1))
      .slice(0, limit)
      .map(([id]) => id);
    const known = new Map(lexicalHits.map((hit) => [hit.id, hit]));
    const unknown = ranked.filter((id) => !known.has(id));
    for (const hit of await this.#options.vectors.hits(tenant_id, unknown)) known.set(hit.id, hit);
    return ranked.flatMap((id) => {
      const hit = known.get(id);
      if (!hit) return []; // deleted since the vectors were loaded
      const cosine = similarity.get(id);
      return [{ ...hit, score: fused.get(id) ?? 0, ...(cosine === undefined ? {} : { similarity: cosine }) }];
    });
  }

  async #settingFor(tenant_id: string): Promise<EffectiveEmbedding | undefined> {
    try {
      return await this.#options.settingFor(tenant_id);
    } catch {
      return undefined;
    }
  }

  /** The question's vector, or undefined when the provider failed or took too long. */
  async #embedQuery(
    tenant_id: string,
    setting: EffectiveEmbedding,
    query: string,
  ): Promise<Float32Array | undefined> {
    const key = [tenant_id, setting.key, setting.baseUrl, query].join('\n');
    const cached = this.#queries.get(key);
    if (cached) return cached;
    try {
      const [vector] = await this.#options.embedder.embed(setting, [query], {
        abortSignal: AbortSignal.timeout(this.#options.timeoutMs),
        // A retry would outlast the visitor's patience; the lexical list is a fine answer.
        maxRetries: 0,
      });
      if (!vector) return undefined;
      if (this.#queries.size >= MAX_CACHED_QUERIES)
        this.#queries.delete(this.#queries.keys().next().value ?? '');
      this.#queries.set(key, vector);
      return vector;
    } catch (error) {
      const last = this.#warnedAt.get(tenant_id) ?? Number.NEGATIVE_INFINITY;
      if (Date.now() - last >= WARNING_INTERVAL_MS) {
        this.#warnedAt.set(tenant_id, Date.now());
        this.#options.log.warn(
          {
            tenant_id,
            embedding_model: setting.key,
            base_url: setting.baseUrl,
            error: (error as Error).message,
          },
          'could not embed the question; answering from lexical retrieval alone',
        );
      }
      return undefined;
    }
  }
}
