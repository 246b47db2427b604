/**
 * Turns texts into vectors through the AI SDK's `embedMany`, with every request going through the
 * outbound policy: a tenant's base URL must be public (and is never redirected away from), the
 * platform's own `EMBEDDING_BASE_URL` (say a local Ollama) is allowed as the operator chose it.
 */
import { embedMany } from 'ai';
import type { EmbeddingConfig } from '../config.ts';
import { parseAllowList } from '../outbound/allow-list.ts';
import { createGuardedFetch } from '../outbound/guarded-fetch.ts';
import { OutboundPolicy } from '../outbound/outbound-policy.ts';
import { type EffectiveEmbedding, embeddingModelFor, platformEmbedding } from './embedding-model.ts';

/** Texts per request: small enough for any provider's limit, large enough to be few requests. */
export const EMBEDDING_BATCH_SIZE = 64;

/** Options of {@link Embedder}. */
export interface EmbedderOptions {
  /** The platform's embedding settings (`EMBEDDING_*`). */
  config: EmbeddingConfig;
  /** Where tenants' base URLs may point; public addresses only by default. */
  outbound?: OutboundPolicy | undefined;
}

/** What one {@link Embedder.embed} call may take. */
export interface EmbedOptions {
  abortSignal?: AbortSignal;
  /** Retries of a failed request (the AI SDK's `maxRetries`); default 2. */
  maxRetries?: number;
}

/**
 * @example
 * const embedder = new Embedder({ config: config.embedding, outbound });
 * const [vector] = await embedder.embed(setting, ['How do refunds work?']);
 */
export class Embedder {
  readonly #platformUrl: string | undefined;
  readonly #tenantFetch: typeof fetch;
  readonly #platformFetch: typeof fetch;

  constructor(options: EmbedderOptions) {
    const policy = options.outbound ?? new OutboundPolicy();
    // Embedding APIs never redirect, and the texts must not travel on to wherever one points.
    this.#tenantFetch = createGuardedFetch(policy, { redirects: 'refuse' });
    this.#platformUrl = options.config.baseUrl ? platformEmbedding(options.config)?.baseUrl : undefined;
    this.#platformFetch = this.#platformUrl
      ? createGuardedFetch(policy.allowing(parseAllowList(new URL(this.#platformUrl).hostname)), {
          redirects: 'refuse',
        })
      : this.#tenantFetch;
  }

  /**
   * One vector per text, in order, requested `EMBEDDING_BATCH_SIZE` texts at a time, one request
   * after the other (a large document must not flood the provider). Throws when a request fails.
   */
  async embed(
    setting: EffectiveEmbedding,
    values: string[],
    options: EmbedOptions = {},
  ): Promise<Float32Array[]> {
    const model = embeddingModelFor(setting, this.#fetchFor(setting));
    const vectors: Float32Array[] = [];
    for (let start = 0; start < values.length; start += EMBEDDING_BATCH_SIZE) {
      const { embeddings } = await embedMany({
        model,
        values: values.slice(start, start + EMBEDDING_BATCH_SIZE),
        maxParallelCalls: 1,
        maxRetries: options.maxRetries ?? 2,
        ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
      });
      for (const embedding of embeddings) vectors.push(Float32Array.from(embedding));
    }
    // Vectors are stored by position: a provider that skipped one must not shift the rest.
    if (vectors.length !== values.length)
      throw new Error(`The embedding provider returned ${vectors.length} vectors for ${values.length} texts`);
    return vectors;
  }

  /** The platform's fetch only for exactly the platform's base URL. */
  #fetchFor(setting: EffectiveEmbedding): typeof fetch {
    return setting.baseUrl === this.#platformUrl ? this.#platformFetch : this.#tenantFetch;
  }
}
