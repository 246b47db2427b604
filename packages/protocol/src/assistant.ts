/**
 * The answer engine on the wire: a tenant's assistant settings, the sources a reply cites, and the
 * knowledge-base documents operators manage under `/api/v1/knowledge/documents`.
 */
import { z } from 'zod';

/** Which LLM API a tenant's assistant talks to; `none` means the built-in knowledge-base responder. */
export const LlmProvider = z.enum(['none', 'openai-compatible', 'openai', 'anthropic']);
export type LlmProvider = z.infer<typeof LlmProvider>;

/**
 * Which embeddings API a tenant's knowledge is embedded with, for hybrid retrieval; `none` means
 * lexical retrieval alone (no call out).
 */
export const EmbeddingProvider = z.enum(['none', 'openai-compatible', 'openai']);
export type EmbeddingProvider = z.infer<typeof EmbeddingProvider>;

/**
 * A tenant's assistant, as stored and as `PATCH /api/v1/tenant` changes it. Every field is
 * optional: an absent one takes the platform's default (the `LLM_*` environment variables, the
 * built-in persona, handoff on).
 */
export const AssistantSettings = z.object({
  persona: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe('The name the assistant goes by, e.g. "Mia from MIPTech"'),
  system_prompt: z
    .string()
    .trim()
    .max(4000)
    .optional()
    .describe('Extra instructions for an LLM assistant: tone, what to avoid. Not secret, never shown.'),
  handoff_on_no_answer: z
    .boolean()
    .optional()
    .describe('When the knowledge base has no answer, ask for a human at once (default false: offer one)'),
  daily_token_budget: z
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .nullable()
    .optional()
    .describe('Most LLM tokens (input + output) per UTC day; null or absent for no limit'),
  llm_provider: LlmProvider.optional().describe('Overrides LLM_PROVIDER for this tenant'),
  llm_base_url: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .optional()
    .describe('Overrides LLM_BASE_URL'),
  llm_model: z.string().trim().min(1).max(200).optional().describe('Overrides LLM_MODEL'),
  llm_api_key: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('Overrides LLM_API_KEY; write-only: reads show `llm_api_key_set`'),
  embedding_provider: EmbeddingProvider.optional().describe(
    'Overrides EMBEDDING_PROVIDER for this tenant; `none` turns hybrid retrieval off',
  ),
  embedding_base_url: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .optional()
    .describe('Overrides EMBEDDING_BASE_URL'),
  embedding_model: z.string().trim().min(1).max(200).optional().describe('Overrides EMBEDDING_MODEL'),
  embedding_api_key: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('Overrides EMBEDDING_API_KEY; write-only: reads show `embedding_api_key_set`'),
});
export type AssistantSettings = z.infer<typeof AssistantSettings>;

/** The settings as read back: the API key is never returned, only whether one is set. */
export const AssistantSettingsView = AssistantSettings.omit({
  llm_api_key: true,
  embedding_api_key: true,
}).extend({
  llm_api_key_set: z.boolean(),
  embedding_api_key_set: z.boolean(),
});
export type AssistantSettingsView = z.infer<typeof AssistantSettingsView>;

/** `PATCH /api/v1/tenant` `assistant`: fields given replace the stored ones; `null` removes one. */
export const AssistantSettingsPatch = z.object({
  persona: AssistantSettings.shape.persona.unwrap().nullable().optional(),
  system_prompt: AssistantSettings.shape.system_prompt.unwrap().nullable().optional(),
  handoff_on_no_answer: AssistantSettings.shape.handoff_on_no_answer.unwrap().nullable().optional(),
  daily_token_budget: AssistantSettings.shape.daily_token_budget.unwrap().nullable().optional(),
  llm_provider: AssistantSettings.shape.llm_provider.unwrap().nullable().optional(),
  llm_base_url: AssistantSettings.shape.llm_base_url.unwrap().nullable().optional(),
  llm_model: AssistantSettings.shape.llm_model.unwrap().nullable().optional(),
  llm_api_key: AssistantSettings.shape.llm_api_key.unwrap().nullable().optional(),
  embedding_provider: AssistantSettings.shape.embedding_provider.unwrap().nullable().optional(),
  embedding_base_url: AssistantSettings.shape.embedding_base_url.unwrap().nullable().optional(),
  embedding_model: AssistantSettings.shape.embedding_model.unwrap().nullable().optional(),
  embedding_api_key: AssistantSettings.shape.embedding_api_key.unwrap().nullable().optional(),
});
export type AssistantSettingsPatch = z.infer<typeof AssistantSettingsPatch>;

/** Why an LLM provider is `unavailable`: stable codes; provider messages are only in the server log. */
export const ProviderErrorCode = z.enum([
  'misconfigured',
  'unauthorized',
  'not_found',
  'rate_limited',
  'bad_request',
  'server_error',
  'timeout',
  'unreachable',
  'refused_by_policy',
  'stream_dropped',
]);
export type ProviderErrorCode = z.infer<typeof ProviderErrorCode>;

/**
 * `GET /api/v1/tenant` `assistant_status`: who answers the tenant's visitors and whether it can.
 * A tenant's own LLM provider is checked lazily (its first reply, or this read), never at start.
 */
export const AssistantStatus = z.object({
  responder: z
    .string()
    .describe('`llm`, `knowledge-base`, or the fixed responder of a test or demo platform (`scripted`)'),
  provider: z
    .enum(['platform', 'tenant'])
    .nullable()
    .describe("For `llm`: the platform's LLM setting, or one the tenant's `llm_*` fields change"),
  state: z.enum(['warming', 'ok', 'unavailable']).describe('`warming` until the first outcome'),
  error_code: ProviderErrorCode.nullable().describe('Why it is `unavailable`; null otherwise'),
  checked_at: z.string().nullable().describe('When the last outcome was seen (ISO time); null while warming'),
});
export type AssistantStatus = z.infer<typeof AssistantStatus>;

/** A knowledge-base passage a reply is grounded in; kept in the reply's `metadata.sources`. */
export const Source = z.object({
  n: z.number().int().describe('The number the reply cites it by, as in "[1]"'),
  document_id: z.string(),
  title: z.string(),
  url: z.string().nullable().describe('A link for the visitor; null when the document has none'),
  excerpt: z.string().describe('The passage, shortened'),
});
export type Source = z.infer<typeof Source>;

/** The format a document's body is written in. */
export const DocumentFormat = z.enum(['markdown', 'html', 'text']);
export type DocumentFormat = z.infer<typeof DocumentFormat>;

/** `POST /api/v1/knowledge/documents`: add a document, or replace the one with the same `source`. */
export const NewKnowledgeDocument = z.object({
  title: z.string().trim().max(300).optional().describe('Default: the first heading, else the source'),
  source: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .describe('Where it comes from (a URL or a path); unique per tenant, so re-adding it updates it'),
  url: z
    .url({ protocol: /^https?$/ })
    .max(1000)
    .nullable()
    .optional()
    .describe('The link shown to visitors; default: `source` when it is a URL'),
  format: DocumentFormat.default('markdown'),
  body: z.string().min(1).max(1_000_000),
});
export type NewKnowledgeDocument = z.infer<typeof NewKnowledgeDocument>;

/** A document as listed. */
export const KnowledgeDocument = z.object({
  id: z.string(),
  tenant_id: z.string(),
  source: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  format: DocumentFormat,
  passage_count: z.number().int(),
  content_hash: z.string().describe('SHA-256 of the body; re-adding the same body changes nothing'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type KnowledgeDocument = z.infer<typeof KnowledgeDocument>;

/** One passage of a document, as retrieval sees it. */
export const KnowledgePassage = z.object({
  id: z.string(),
  ordinal: z.number().int().describe('Position in the document, from 0'),
  heading: z.string().describe('The headings above it, joined with " › "'),
  text: z.string(),
});
export type KnowledgePassage = z.infer<typeof KnowledgePassage>;

/** `GET /api/v1/knowledge/documents/{id}`: the document with its body and passages. */
export const KnowledgeDocumentDetail = KnowledgeDocument.extend({
  body: z.string(),
  passages: z.array(KnowledgePassage),
});
export type KnowledgeDocumentDetail = z.infer<typeof KnowledgeDocumentDetail>;
