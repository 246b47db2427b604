/**
 * A tenant's passage vectors in memory, for brute-force cosine similarity: one contiguous
 * Float32Array of unit vectors. Fine up to tens of thousands of passages per tenant (a few
 * milliseconds per question); beyond that an approximate index would be the next step.
 *
 * {@link VectorIndexCache} keeps one index per tenant and model and reloads it only when the
 * store's version stamp moved (a passage or vector added or removed), on this instance or another.
 */
import type { PassageVector, PassageVectorStore } from '../storage/passage-vectors.ts';

/** Unit vectors of a tenant's passages under one model. */
export class VectorIndex {
  readonly ids: string[];
  readonly dimensions: number;
  readonly #matrix: Float32Array;

  /** Vectors of another length than the first one's, or of length 0, are left out. */
  constructor(vectors: PassageVector[]) {
    this.dimensions = vectors.find((entry) => entry.vector.length > 0)?.vector.length ?? 0;
    const kept = vectors.filter((entry) => entry.vector.length === this.dimensions && this.dimensions > 0);
    this.ids = kept.map((entry) => entry.passage_id);
    this.#matrix = new Float32Array(kept.length * this.dimensions);
    kept.forEach((entry, row) => {
      const norm = Math.hypot(...entry.vector) || 1;
      for (let column = 0; column < this.dimensions; column++) {
        this.#matrix[row * this.dimensions + column] = (entry.vector[column] ?? 0) / norm;
      }
    });
  }

  get size(): number {
    return this.ids.length;
  }

  /** Floats held, for the cache's budget. */
  get floats(): number {
    return this.#matrix.length;
  }

  /**
   * Cosine similarity of `query` to every passage, by passage id; empty when the lengths differ
   * (vectors of another model cannot be compared).
   */
  similarities(query: Float32Array): Map<string, number> {
    const scores = new Map<string, number>();
    if (query.length !== this.dimensions || this.size === 0) return scores;
    const norm = Math.hypot(...query) || 1;
    for (let row = 0; row < this.ids.length; row++) {
      let dot = 0;
      const offset = row * this.dimensions;
      for (let column = 0; column < this.dimensions; column++) {
        dot += (this.#matrix[offset + column] ?? 0) * (query[column] ?? 0);
      }
      scores.set(this.ids[row] as string, dot / norm);
    }
    return scores;
  }
}

/** Most floats kept across tenants (128 MB); the least recently used tenant goes first. */
const DEFAULT_MAX_FLOATS = 32 * 1024 * 1024;

interface Entry {
  version: string;
  index: VectorIndex;
}

/**
 * @example
 * const cache = new VectorIndexCache(store.vectors);
 * const { index, reloaded } = await cache.get('acme', 'openai:text-embedding-3-small');
 */
export class VectorIndexCache {
  readonly #vectors: PassageVectorStore;
  readonly #maxFloats: number;
  /** In use order, least recent first (a Map keeps insertion order). */
  readonly #entries = new Map<string, Entry>();
  /** Loads in progress, so concurrent questions of a tenant load its vectors once. */
  readonly #loading = new Map<string, Promise<Entry>>();

  constructor(vectors: PassageVectorStore, options: { maxFloats?: number } = {}) {
    this.#vectors = vectors;
    this.#maxFloats = options.maxFloats ?? DEFAULT_MAX_FLOATS;
  }

  /** The tenant's index for `model`, loaded again when its version moved; `reloaded` says so. */
  async get(tenant_id: string, model: string): Promise<{ index: VectorIndex; reloaded: boolean }> {
    const key = `${tenant_id}\n${model}`;
    const version = await this.#vectors.version(tenant_id, model);
    const cached = this.#entries.get(key);
    if (cached && cached.version === version) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return { index: cached.index, reloaded: false };
    }
    const loadKey = `${key}\n${version}`;
    let loading = this.#loading.get(loadKey);
    if (!loading) {
      loading = this.#vectors
        .load(tenant_id, model)
        .then((vectors) => ({ version, index: new VectorIndex(vectors) }))
        .finally(() => this.#loading.delete(loadKey));
      this.#loading.set(loadKey, loading);
    }
    const entry = await loading;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#evict();
    return { index: entry.index, reloaded: true };
  }

  #evict(): void {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.index.floats;
    for (const [key, entry] of this.#entries) {
      if (total <= this.#maxFloats || this.#entries.size <= 1) break;
      this.#entries.delete(key);
      total -= entry.index.floats;
    }
  }
}
