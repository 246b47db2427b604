/**
 * Hybrid retrieval put together for one process: the embedder, the background indexer and the
 * retriever the responders use, all resolving each tenant's embedding setting the same way. The
 * server (`app.ts`) and the CLI (`knowledge ingest`, `knowledge embed`) both build it here.
 */
import type { AssistantSettings } from '@miptech/protocol';
import type { EmbeddingConfig } from '../config.ts';
import type { OutboundPolicy } from '../outbound/outbound-policy.ts';
import type { Retriever } from '../storage/knowledge-store.ts';
import type { PassageVectorStore } from '../storage/passage-vectors.ts';
import { Embedder } from './embedder.ts';
import { type EffectiveEmbedding, effectiveEmbedding } from './embedding-model.ts';
import { HybridRetriever } from './hybrid-retriever.ts';
import { type EmbeddingLog, PassageEmbedding } from './passage-embedding.ts';

/** Options of {@link createHybridKnowledge}. */
export interface HybridKnowledgeOptions {
  /** The store's full-text retriever (`store.knowledge`). */
  lexical: Retriever;
  vectors: PassageVectorStore;
  /** The platform's embedding settings (`EMBEDDING_*`). */
  config: EmbeddingConfig;
  /** A tenant's assistant settings (its embedding overrides), or undefined for an unknown tenant. */
  settingsOf: (tenant_id: string) => Promise<AssistantSettings | undefined>;
  outbound?: OutboundPolicy | undefined;
  log: EmbeddingLog;
  /** After a failed run, how long queries leave the tenant's backfill alone (default 60 s). */
  retryAfterMs?: number;
}

/** What {@link createHybridKnowledge} makes. */
export interface HybridKnowledge {
  /** For the responders: hybrid where the tenant has an embedding model, lexical otherwise. */
  retriever: Retriever;
  /** Call `update` (or `schedule`) after storing documents. */
  embedding: PassageEmbedding;
  /** The tenant's embedding setting, or undefined when it has none. */
  settingFor(tenant_id: string): Promise<EffectiveEmbedding | undefined>;
}

/**
 * @example
 * const hybrid = createHybridKnowledge({ lexical: store.knowledge, vectors: store.vectors,
 *   config: config.embedding, settingsOf: async (id) => (await tenants.get(id))?.assistant, log });
 * await store.knowledge.upsertDocument(document);
 * hybrid.embedding.schedule(document.tenant_id);
 */
export function createHybridKnowledge(options: HybridKnowledgeOptions): HybridKnowledge {
  const embedder = new Embedder({ config: options.config, outbound: options.outbound });
  const settingFor = async (tenant_id: string) => {
    const settings = await options.settingsOf(tenant_id);
    return settings ? effectiveEmbedding(options.config, settings) : undefined;
  };
  const embedding = new PassageEmbedding({
    vectors: options.vectors,
    embedder,
    settingFor,
    log: options.log,
    ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
  });
  const retriever = new HybridRetriever({
    lexical: options.lexical,
    vectors: options.vectors,
    embedder,
    settingFor,
    timeoutMs: options.config.timeoutMs,
    log: options.log,
    backfill: (tenant_id) => embedding.schedule(tenant_id),
  });
  return { retriever, embedding, settingFor };
}
