/**
 * `/api/v1/tenant`: the settings of the caller's tenant (name, allowed origins, greeting, and the
 * assistant's persona, prompt, LLM and embedding overrides and budget).
 */
import {
  type AssistantSettings,
  type AssistantSettingsPatch,
  type AssistantStatus,
  TenantSettings,
  TenantSettingsPatch,
} from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { effectiveLlm } from '../../assistant/llm-model.ts';
import { ANY_ROLE, MANAGERS } from '../../auth/access.ts';
import type { EmbeddingConfig, LlmConfig } from '../../config.ts';
import { ApiError } from '../../errors/api-error.ts';
import { resolveEmbedding } from '../../knowledge/embedding-model.ts';
import { type OutboundPolicy, OutboundRefusedError } from '../../outbound/outbound-policy.ts';
import type { Store, Tenant } from '../../storage/store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import type { TenantDirectory } from '../../tenancy/tenant-directory.ts';
import { errorResponses } from '../schemas.ts';

export async function tenantSettingsRoutes(
  app: FastifyInstance,
  options: {
    store: Store;
    directory: TenantDirectory;
    llm: LlmConfig;
    embedding: EmbeddingConfig;
    outbound: OutboundPolicy;
    /** Called after a change, with the tenant: a new embedding model needs the knowledge embedded. */
    onChange?: (tenant_id: string) => void;
    /** Who answers the tenant's visitors and whether it can; absent when no assistant runs. */
    assistantStatus?: (tenant: Tenant) => AssistantStatus;
  },
): Promise<void> {
  const { store, directory, llm, embedding, outbound, assistantStatus } = options;
  /**
   * The tenant as read back: the API keys are write-only. A read also says whether the assistant
   * can answer, which may probe the tenant's own provider; a write does not, so saving settings
   * never calls out (the console reads them back, and that read probes).
   */
  const toView = (tenant: Tenant, withStatus = false) => {
    const { llm_api_key, embedding_api_key, ...assistant } = tenant.assistant;
    return {
      ...tenant,
      assistant: {
        ...assistant,
        llm_api_key_set: Boolean(llm_api_key),
        embedding_api_key_set: Boolean(embedding_api_key),
      },
      ...(withStatus && assistantStatus ? { assistant_status: assistantStatus(tenant) } : {}),
    };
  };
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/tenant',
    {
      config: { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: true } },
      schema: {
        tags: ['tenant'],
        summary: "Read the tenant's settings",
        description:
          "`assistant_status` says who answers the tenant's visitors and whether it can (a tenant's own LLM provider is probed on the first read, and again while it is unavailable, at most every 30 s). PATCH answers without it.",
        response: { 200: TenantSettings, ...errorResponses },
      },
    },
    async (request) => toView(tenantOf(request), true),
  );

  api.patch(
    '/tenant',
    {
      // Not API keys: allowed_origins decides CORS, and a leaked key must not be able to widen it.
      config: { access: { kind: 'staff', roles: MANAGERS, apiKeys: false } },
      schema: {
        tags: ['tenant'],
        summary: "Change the tenant's settings",
        description:
          'Other instances see the change within 5 seconds (their tenant cache). `assistant` fields given replace the stored ones; `null` removes one (back to the platform default).',
        body: TenantSettingsPatch,
        response: { 200: TenantSettings, ...errorResponses },
      },
    },
    async (request) => {
      const { assistant: patch, ...rest } = request.body;
      const assistant = patch
        ? mergeAssistant(tenantOf(request).assistant, patch, llm, embedding)
        : undefined;
      if (patch?.llm_base_url) await checkBaseUrl('llm_base_url', patch.llm_base_url, llm, outbound);
      if (patch?.embedding_base_url)
        await checkBaseUrl('embedding_base_url', patch.embedding_base_url, embedding, outbound);
      const updated = await store.updateTenant(tenantOf(request).id, {
        ...rest,
        ...(assistant ? { assistant } : {}),
      });
      if (!updated) throw new ApiError('tenant_not_found');
      directory.invalidate();
      options.onChange?.(updated.id);
      return toView(updated);
    },
  );
}

/**
 * Refuses a base URL that is already known to be internal (an IP literal, `localhost`, `.internal`,
 * a name resolving to an internal address), so the owner learns it now rather than from visitors'
 * failed replies. The platform's own `LLM_BASE_URL` is the operator's choice and stays allowed.
 * The check is repeated on every connection (`outbound/guarded-fetch.ts`), where it counts.
 */
async function checkBaseUrl(
  field: 'llm_base_url' | 'embedding_base_url',
  url: string,
  platform: { baseUrl: string | undefined },
  outbound: OutboundPolicy,
): Promise<void> {
  const trimmed = (value: string) => value.replace(/\/+$/, '');
  if (platform.baseUrl !== undefined && trimmed(url) === trimmed(platform.baseUrl)) return;
  try {
    await outbound.assess(url);
  } catch (error) {
    if (!(error instanceof OutboundRefusedError)) throw error;
    const detail = `assistant.${field} is refused: ${error.message}`;
    throw new ApiError('outbound_url_refused', detail, [
      { field: `body.assistant.${field}`, message: error.message },
    ]);
  }
}

/** Applies the patch (null removes a field) and refuses an LLM setting that could never answer. */
function mergeAssistant(
  current: AssistantSettings,
  patch: AssistantSettingsPatch,
  llm: LlmConfig,
  embedding: EmbeddingConfig,
): AssistantSettings {
  const merged: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete merged[field];
    else if (value !== undefined) merged[field] = value;
  }
  const settings = merged as AssistantSettings;
  // The same resolution the LLM responder uses, so a setting accepted here is one that can answer.
  const { problem } = effectiveLlm(llm, settings);
  if (problem) {
    const detail = problem.replace(
      /^LLM_(\w+)/,
      (_match, name: string) => `assistant.llm_${name.toLowerCase()}`,
    );
    throw new ApiError('validation_failed', detail, [{ field: 'body.assistant', message: detail }]);
  }
  const embeddingProblem = resolveEmbedding(embedding, settings).problem;
  if (embeddingProblem) {
    const detail = embeddingProblem.replace(
      /^EMBEDDING_(\w+)/,
      (_match, name: string) => `assistant.embedding_${name.toLowerCase()}`,
    );
    throw new ApiError('validation_failed', detail, [{ field: 'body.assistant', message: detail }]);
  }
  return settings;
}
