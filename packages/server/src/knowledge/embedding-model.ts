/**
 * Which embedding model a tenant's knowledge uses (its overrides over the platform's `EMBEDDING_*`
 * defaults), and the AI SDK model object for it, built once per distinct setting.
 */
import { createHash } from 'node:crypto';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { AssistantSettings, EmbeddingProvider } from '@miptech/protocol';
import type { EmbeddingModel } from 'ai';
import { describeEmbeddingProblem, type EmbeddingConfig } from '../config.ts';

/** OpenAI's API, when no base URL is set. */
export const OPENAI_EMBEDDING_BASE_URL = 'https://api.openai.com/v1';

/** A usable embedding setting: provider, where, which model, with which key. */
export interface EffectiveEmbedding {
  provider: Exclude<EmbeddingProvider, 'none'>;
  /** Without a trailing slash; the provider's own API when none was set. */
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  /**
   * What vectors are stored under (`provider:model`): vectors of another model are never
   * compared with this one's, and a change of model re-embeds the knowledge.
   */
  key: string;
}

/**
 * The tenant's embedding setting, or undefined when it has none (hybrid retrieval off, nothing
 * calls out) or when the setting cannot work.
 *
 * As with the LLM, the platform's key only goes where the platform's settings point: a tenant that
 * changes the provider or the base URL without its own key gets no key, and a changed provider
 * does not inherit the platform's base URL or model.
 *
 * @example
 * effectiveEmbedding(config.embedding, tenant.assistant)?.key // 'openai:text-embedding-3-small'
 */
export function effectiveEmbedding(
  config: EmbeddingConfig,
  settings: AssistantSettings,
): EffectiveEmbedding | undefined {
  const { provider, baseUrl, model, apiKey, problem } = resolveEmbedding(config, settings);
  if (provider === 'none' || !model || problem) return undefined;
  return {
    provider,
    baseUrl: (baseUrl ?? OPENAI_EMBEDDING_BASE_URL).replace(/\/+$/, ''),
    model,
    apiKey,
    key: `${provider}:${model}`,
  };
}

/** Every field of the tenant's setting resolved, and what it lacks (settings validation). */
export function resolveEmbedding(config: EmbeddingConfig, settings: AssistantSettings) {
  const provider = settings.embedding_provider ?? config.provider;
  const sameProvider = provider === config.provider;
  const baseUrl = settings.embedding_base_url ?? (sameProvider ? config.baseUrl : undefined);
  const model = settings.embedding_model ?? (sameProvider ? config.model : undefined);
  const samePlace = sameProvider && baseUrl === config.baseUrl;
  const apiKey = settings.embedding_api_key ?? (samePlace ? config.apiKey : undefined);
  return { provider, baseUrl, model, apiKey, problem: describeEmbeddingProblem(provider, baseUrl, model) };
}

/** The platform's own setting (no tenant overrides), or undefined when `EMBEDDING_PROVIDER=none`. */
export function platformEmbedding(config: EmbeddingConfig): EffectiveEmbedding | undefined {
  return effectiveEmbedding(config, {});
}

const MAX_CACHED_MODELS = 200;
const models = new Map<string, EmbeddingModel>();
const fetchIds = new WeakMap<typeof fetch, number>();
let lastFetchId = 0;

/**
 * The AI SDK embedding model for a setting, cached per provider, base URL, model, key and `fetch`.
 * The key and URL are always explicit (an empty key when none), so the SDK never reads
 * `OPENAI_API_KEY` from the environment for a tenant's host. `fetch` is how the outbound policy
 * applies (`outbound/guarded-fetch.ts`).
 *
 * @example
 * const model = embeddingModelFor(setting, guardedFetch);
 * const { embeddings } = await embedMany({ model, values: ['How do refunds work?'] });
 */
export function embeddingModelFor(setting: EffectiveEmbedding, fetchImpl: typeof fetch): EmbeddingModel {
  const apiKey = setting.apiKey ?? '';
  // A hash, so the cache's keys never hold a credential in clear.
  const keyHash = createHash('sha256').update(apiKey).digest('hex');
  const cacheKey = [setting.provider, setting.baseUrl, setting.model, keyHash, idOf(fetchImpl)].join('\n');
  const cached = models.get(cacheKey);
  if (cached) return cached;
  const baseURL = setting.baseUrl;
  const built =
    setting.provider === 'openai'
      ? createOpenAI({ apiKey, baseURL, fetch: fetchImpl }).embeddingModel(setting.model)
      : createOpenAICompatible({
          name: 'openai-compatible',
          baseURL,
          apiKey,
          fetch: fetchImpl,
        }).embeddingModel(setting.model);
  if (models.size >= MAX_CACHED_MODELS) models.delete(models.keys().next().value ?? '');
  models.set(cacheKey, built);
  return built;
}

function idOf(fetchImpl: typeof fetch): number {
  const known = fetchIds.get(fetchImpl);
  if (known !== undefined) return known;
  lastFetchId += 1;
  fetchIds.set(fetchImpl, lastFetchId);
  return lastFetchId;
}
