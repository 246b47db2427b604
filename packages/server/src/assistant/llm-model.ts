/**
 * Which LLM answers for a tenant (its overrides over the platform's `LLM_*` defaults), and the AI
 * SDK model object for it, built once per distinct setting rather than once per message.
 */
import { createHash } from 'node:crypto';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { AssistantSettings } from '@miptech/protocol';
import type { LanguageModel } from 'ai';
import { describeLlmProblem, type LlmConfig } from '../config.ts';

/** OpenAI's API, when no base URL is set. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Anthropic's API, when no base URL is set. */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

/** The LLM a tenant's replies use: every field resolved. */
export interface EffectiveLlm extends LlmConfig {
  /** Set when the setting cannot work (no model, no URL); nothing should be called then. */
  problem: string | undefined;
}

/**
 * The tenant's overrides over the platform defaults.
 *
 * The platform's API key only goes where the platform's settings point: a tenant that changes the
 * provider or the base URL without giving its own key gets no key, so a tenant can never make the
 * server send the platform key to a host of their choosing. Likewise a changed provider does not
 * inherit the default's base URL or model, which belong to the other provider.
 *
 * @example
 * effectiveLlm(config.llm, { llm_model: 'gpt-4o' }) // the default provider, URL and key, model gpt-4o
 */
export function effectiveLlm(config: LlmConfig, settings: AssistantSettings): EffectiveLlm {
  const provider = settings.llm_provider ?? config.provider;
  const sameProvider = provider === config.provider;
  const baseUrl = settings.llm_base_url ?? (sameProvider ? config.baseUrl : undefined);
  const model = settings.llm_model ?? (sameProvider ? config.model : undefined);
  const samePlace = sameProvider && baseUrl === config.baseUrl;
  const apiKey = settings.llm_api_key ?? (samePlace ? config.apiKey : undefined);
  return {
    ...config,
    provider,
    baseUrl,
    model,
    apiKey,
    problem: describeLlmProblem(provider, baseUrl, model),
  };
}

/** The base URL requests go to, with the provider's own API as the default. */
export function resolvedBaseUrl(llm: Pick<LlmConfig, 'provider' | 'baseUrl'>): string {
  const url =
    llm.baseUrl ??
    (llm.provider === 'anthropic' ? ANTHROPIC_BASE_URL : llm.provider === 'openai' ? OPENAI_BASE_URL : '');
  return url.replace(/\/+$/, '');
}

/** Raised when a setting cannot make a model (provider `none`, no model, no URL). */
export class LlmSettingError extends Error {
  override name = 'LlmSettingError';
}

const MAX_CACHED_MODELS = 200;
const models = new Map<string, LanguageModel>();
/** A number per `fetch` implementation, so models built for different outbound policies never mix. */
const fetchIds = new WeakMap<typeof fetch, number>();
let lastFetchId = 0;

/**
 * The AI SDK model for a setting, cached per provider, base URL, model, key and `fetch`.
 *
 * The key and URL are always passed explicitly (an empty key when none): left undefined, the SDK
 * would read `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL` from the environment,
 * and a tenant's override could then carry a key that was never meant for its host. `fetch` is how
 * the outbound policy applies (`outbound/guarded-fetch.ts`); the global one when absent.
 *
 * @example
 * const model = languageModelFor(effectiveLlm(config.llm, tenant.assistant), guardedFetch);
 * streamText({ model, ... });
 */
export function languageModelFor(
  llm: Pick<LlmConfig, 'provider' | 'baseUrl' | 'model' | 'apiKey'>,
  fetchImpl?: typeof fetch,
): LanguageModel {
  const { provider, model } = llm;
  if (provider === 'none' || !model)
    throw new LlmSettingError(`No LLM model is configured (provider ${provider})`);
  const baseURL = resolvedBaseUrl(llm);
  if (!baseURL) throw new LlmSettingError(`LLM provider ${provider} needs a base URL`);
  const apiKey = llm.apiKey ?? '';
  // A hash, so the cache's keys never hold a credential in clear (heap snapshots, debugging).
  const fetchId = fetchImpl ? idOf(fetchImpl) : 0;
  const keyHash = createHash('sha256').update(apiKey).digest('hex');
  const cacheKey = [provider, baseURL, model, keyHash, fetchId].join('\n');
  const custom = fetchImpl ? { fetch: fetchImpl } : {};
  const cached = models.get(cacheKey);
  if (cached) return cached;
  let built: LanguageModel;
  switch (provider) {
    case 'openai-compatible':
      built = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL,
        apiKey,
        includeUsage: true,
        ...custom,
      })(model);
      break;
    case 'openai':
      // `.chat()`: the chat-completions API; the default `openai(id)` speaks the Responses API.
      built = createOpenAI({ apiKey, baseURL, ...custom }).chat(model);
      break;
    case 'anthropic':
      built = createAnthropic({ apiKey, baseURL, ...custom })(model);
      break;
    default: {
      const unknown: never = provider;
      throw new LlmSettingError(`Unknown LLM provider ${String(unknown)}`);
    }
  }
  // Bounded: tenants may each bring a key; drop the oldest entry rather than grow forever.
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

/** How many models are cached (for tests). */
export function cachedModelCount(): number {
  return models.size;
}
