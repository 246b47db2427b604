/**
 * Keeps a tenant's passage vectors up to date: after an ingest (or when the retriever notices
 * passages without vectors), embeds the contents that have none under the tenant's model, in
 * batches, and drops vectors nothing uses any more. Vectors are keyed by content hash
 * (`storage/passage-vectors.ts`), so re-ingesting a document embeds only its changed passages.
 *
 * Never fails an ingest: when the provider fails, the passages stay lexical-only, the log says
 * why, and the next run (the next ingest, `knowledge embed`, or a query after `retryAfterMs`)
 * fills them in.
 */
import type { PassageToEmbed, PassageVectorStore } from '../storage/passage-vectors.ts';
import type { Embedder } from './embedder.ts';
import type { EffectiveEmbedding } from './embedding-model.ts';

/** Contents read from the store per round; each round is embedded and stored before the next. */
const ROUND_SIZE = 256;
/** Longest wait for one round's vectors; a stalled provider must not hold a run (or a shutdown) forever. */
const ROUND_TIMEOUT_MS = 120_000;

/** The log lines this writes (pino's signature). */
export interface EmbeddingLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** What one run did. */
export interface EmbeddingReport {
  /** `off`: the tenant has no embedding model; `failed`: the provider failed (see `error`). */
  status: 'off' | 'done' | 'failed';
  /** Contents embedded and stored in this run. */
  embedded: number;
  /** Vectors deleted because no passage has their content (or they are of another model). */
  pruned: number;
  /** Why it failed: the provider's message, never a key. */
  error?: string;
}

/** Options of {@link PassageEmbedding}. */
export interface PassageEmbeddingOptions {
  vectors: PassageVectorStore;
  embedder: Embedder;
  /** The tenant's embedding setting, or undefined when it has none. */
  settingFor: (tenant_id: string) => Promise<EffectiveEmbedding | undefined>;
  log: EmbeddingLog;
  /** After a failure, how long {@link PassageEmbedding.schedule} leaves the tenant alone (default 60 s). */
  retryAfterMs?: number;
}

/** What is embedded for a passage: its document's title, its headings and its text. */
export function embeddingText(passage: Pick<PassageToEmbed, 'title' | 'heading' | 'text'>): string {
  return [passage.title, passage.heading, passage.text].filter(Boolean).join('\n');
}

/**
 * @example
 * const embedding = new PassageEmbedding({ vectors: store.vectors, embedder, settingFor, log });
 * await store.knowledge.upsertDocument(document);
 * const report = await embedding.update(document.tenant_id); // { status: 'done', embedded: 3, pruned: 1 }
 */
export class PassageEmbedding {
  readonly #options: PassageEmbeddingOptions;
  /** The run in progress per tenant. */
  readonly #running = new Map<string, Promise<EmbeddingReport>>();
  /** The run queued behind it per tenant: callers meanwhile share it rather than queue more. */
  readonly #queued = new Map<string, Promise<EmbeddingReport>>();
  /** When each tenant's last run failed. */
  readonly #failedAt = new Map<string, number>();
  /** Aborted by {@link close}: runs in progress stop at their next request. */
  readonly #closing = new AbortController();

  constructor(options: PassageEmbeddingOptions) {
    this.#options = options;
  }

  /**
   * Embeds every content of the tenant that has no vector yet. Never throws. A call while a run is
   * in progress waits for it and runs once more (it may have missed the newest passages).
   */
  update(tenant_id: string): Promise<EmbeddingReport> {
    if (this.#closing.signal.aborted)
      return Promise.resolve({ status: 'failed', embedded: 0, pruned: 0, error: 'closed' });
    const queued = this.#queued.get(tenant_id);
    if (queued) return queued;
    const previous = this.#running.get(tenant_id) ?? Promise.resolve();
    const run: Promise<EmbeddingReport> = previous
      .then(() => {
        this.#queued.delete(tenant_id);
        this.#running.set(tenant_id, run);
        return this.#run(tenant_id);
      })
      .finally(() => {
        if (this.#running.get(tenant_id) === run) this.#running.delete(tenant_id);
      });
    this.#queued.set(tenant_id, run);
    return run;
  }

  /**
   * Starts {@link update} in the background, unless one is queued already or the tenant's last
   * run failed less than `retryAfterMs` ago (a provider that is down is not asked on every query).
   */
  schedule(tenant_id: string): void {
    if (this.#queued.has(tenant_id)) return;
    const failedAt = this.#failedAt.get(tenant_id);
    if (failedAt !== undefined && Date.now() - failedAt < (this.#options.retryAfterMs ?? 60_000)) return;
    void this.update(tenant_id);
  }

  /** Stops runs in progress (their requests are aborted) and waits for them; later calls do nothing. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.idle();
  }

  /** Resolves when no run is in progress or queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#queued.size > 0) {
      await Promise.allSettled([...this.#running.values(), ...this.#queued.values()]);
    }
  }

  async #run(tenant_id: string): Promise<EmbeddingReport> {
    const { vectors, embedder, log } = this.#options;
    let embedded = 0;
    let setting: EffectiveEmbedding | undefined;
    try {
      setting = await this.#options.settingFor(tenant_id);
      if (!setting) return { status: 'off', embedded: 0, pruned: 0 };
      for (;;) {
        const missing = await vectors.missing(tenant_id, setting.key, { limit: ROUND_SIZE });
        if (missing.length === 0) break;
        const computed = await embedder.embed(setting, missing.map(embeddingText), {
          abortSignal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(ROUND_TIMEOUT_MS)]),
        });
        await vectors.put(
          tenant_id,
          setting.key,
          missing.map((entry, index) => ({
            text_hash: entry.text_hash,
            vector: computed[index] as Float32Array,
          })),
        );
        embedded += missing.length;
        // A page shorter than asked for was the last one; reading again would only find passages
        // added meanwhile, which their own ingest's run will embed.
        if (missing.length < ROUND_SIZE) break;
      }
      const pruned = await vectors.prune(tenant_id, setting.key);
      this.#failedAt.delete(tenant_id);
      if (embedded > 0 || pruned > 0) {
        log.info({ tenant_id, embedding_model: setting.key, embedded, pruned }, 'knowledge embedded');
      }
      return { status: 'done', embedded, pruned };
    } catch (error) {
      this.#failedAt.set(tenant_id, Date.now());
      const message = (error as Error).message;
      log.warn(
        { tenant_id, embedding_model: setting?.key, base_url: setting?.baseUrl, embedded, error: message },
        'embedding the knowledge failed; the passages without vectors are found by their words only until a later run',
      );
      return { status: 'failed', embedded, pruned: 0, error: message };
    }
  }
}
