/**
 * What the operator console needs beyond the chat and auth APIs: knowledge gaps, importing pages
 * and sitemaps, testing the assistant's provider, and the widget's public configuration.
 */
import { z } from 'zod';

/** `GET /api/v1/knowledge/gaps` query. */
export const KnowledgeGapQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  days: z.coerce.number().int().min(1).max(90).default(30).describe('How far back to look'),
});
export type KnowledgeGapQuery = z.infer<typeof KnowledgeGapQuery>;

/** A visitor question the assistant could not answer from the knowledge base. */
export const KnowledgeGap = z.object({
  question: z.string().describe('What the visitor asked (the latest wording, when asked several times)'),
  answer: z.string().describe('What the assistant said'),
  times: z.number().int().describe('How often this question was asked in the window'),
  last_asked_at: z.string(),
  chat_id: z.string().describe('The chat of the latest time it was asked'),
});
export type KnowledgeGap = z.infer<typeof KnowledgeGap>;

/** `GET /api/v1/knowledge/gaps`: newest first. */
export const KnowledgeGapList = z.object({ items: z.array(KnowledgeGap) });
export type KnowledgeGapList = z.infer<typeof KnowledgeGapList>;

/** `POST /api/v1/knowledge/imports`: a page or a sitemap to read into the knowledge base. */
export const KnowledgeImportBody = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .describe('A page, or a sitemap (…/sitemap.xml)'),
});
export type KnowledgeImportBody = z.infer<typeof KnowledgeImportBody>;

/**
 * One line of the import's answer (`application/x-ndjson`), written as each source is done, so a
 * sitemap's progress shows as it goes; the last line is `done`.
 */
export type KnowledgeImportEvent =
  | {
      type: 'source';
      source: string;
      outcome: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
      reason?: string;
      title?: string;
      passage_count?: number;
    }
  | {
      type: 'done';
      totals: Record<'created' | 'updated' | 'unchanged' | 'skipped' | 'failed', number>;
    }
  /** The import stopped (the database failed); what was stored before stays. */
  | { type: 'error'; detail: string };

/** Why a provider test failed; stable, for clients to switch on. */
export const AssistantTestCode = z.enum([
  'not_configured',
  'outbound_refused',
  'provider_unreachable',
  'provider_unauthorized',
  'provider_not_found',
  'provider_rate_limited',
  'provider_timeout',
  'provider_error',
]);
export type AssistantTestCode = z.infer<typeof AssistantTestCode>;

/** `POST /api/v1/tenant/assistant/test`: one small call to the tenant's provider, and how it went. */
export const AssistantTestResult = z.object({
  ok: z.boolean(),
  reason: AssistantTestCode.optional().describe('Why it failed; present when `ok` is false'),
  detail: z.string().describe('For people: what happened'),
  provider: z.string(),
  model: z.string().nullable(),
  latency_ms: z.number().int(),
});
export type AssistantTestResult = z.infer<typeof AssistantTestResult>;

/** `GET /api/v1/widget/config`: what any visitor's widget may read about the tenant. */
export const WidgetConfig = z.object({
  tenant_id: z.string(),
  name: z.string(),
  greeting: z.string().describe("The widget's first message; empty for the widget's own default"),
});
export type WidgetConfig = z.infer<typeof WidgetConfig>;
