/**
 * `/api/v1/knowledge`: the tenant's knowledge base, for operators and integrations. Adding a
 * document with a `source` that exists replaces it (nothing is duplicated); a search shows what
 * the assistant would find for a question.
 */
import { KnowledgeDocument, KnowledgeDocumentDetail, NewKnowledgeDocument } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY_ROLE, MANAGERS } from '../../auth/access.ts';
import { ApiError } from '../../errors/api-error.ts';
import { DocumentTooComplexError } from '../../knowledge/document-limits.ts';
import { EmptyDocumentError, type prepareDocument } from '../../knowledge/prepare-document.ts';
import { prepareDocumentOffThread } from '../../knowledge/prepare-off-thread.ts';
import type { KnowledgeStore, Retriever } from '../../storage/knowledge-store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';

const DocumentParams = z.object({ document_id: z.string().max(128) });
const readers = { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: true } } as const;
const editors = { access: { kind: 'staff', roles: MANAGERS, apiKeys: true } } as const;

const UpsertedDocument = KnowledgeDocument.extend({
  outcome: z.enum(['created', 'updated', 'unchanged']),
});
const SearchQuery = z.object({
  q: z.string().max(2000).describe("A visitor's question, as they would type it"),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});
const SearchHits = z.object({
  items: z.array(
    z.object({
      document_id: z.string(),
      title: z.string(),
      url: z.string().nullable(),
      heading: z.string(),
      text: z.string(),
      score: z.number(),
      similarity: z
        .number()
        .optional()
        .describe("Cosine similarity to the question's embedding, when the tenant has an embedding model"),
    }),
  ),
});

export async function knowledgeRoutes(
  app: FastifyInstance,
  options: {
    knowledge: KnowledgeStore;
    /** What the assistant retrieves with (hybrid where configured); the store's own search when absent. */
    retriever?: Retriever;
    /** Called after a document was stored, with its tenant (to embed its new passages). */
    onStored?: (tenant_id: string) => void;
  },
): Promise<void> {
  const { knowledge } = options;
  const retriever = options.retriever ?? knowledge;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/knowledge/documents',
    {
      config: editors,
      schema: {
        tags: ['knowledge'],
        summary: 'Add or replace a document',
        description:
          'Splits the body (Markdown, HTML with navigation and scripts stripped, or plain text) into passages and indexes them. A document with the same `source` is replaced: 201 when created, 200 when updated or unchanged.',
        body: NewKnowledgeDocument,
        response: { 200: UpsertedDocument, 201: UpsertedDocument, ...errorResponses },
      },
    },
    async (request, reply) => {
      let prepared: ReturnType<typeof prepareDocument>;
      try {
        // Off the event loop: a large page takes long enough to parse to delay every other request.
        prepared = await prepareDocumentOffThread({ tenant_id: tenantOf(request).id, ...request.body });
      } catch (error) {
        // Only "no text to index" and "too complex" are the client's; anything else is ours and stays a 500.
        if (error instanceof EmptyDocumentError) throw new ApiError('document_empty', error.message);
        if (error instanceof DocumentTooComplexError) {
          throw new ApiError(
            'document_too_complex',
            `The document is too complex to index: ${error.message}`,
          );
        }
        throw error;
      }
      const { document, outcome } = await knowledge.upsertDocument(prepared);
      if (outcome !== 'unchanged') options.onStored?.(document.tenant_id);
      return reply.status(outcome === 'created' ? 201 : 200).send({ ...document, outcome });
    },
  );

  api.get(
    '/knowledge/documents',
    {
      config: readers,
      schema: {
        tags: ['knowledge'],
        summary: "List the tenant's documents",
        response: { 200: z.object({ items: z.array(KnowledgeDocument) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await knowledge.listDocuments(tenantOf(request).id) }),
  );

  api.get(
    '/knowledge/documents/:document_id',
    {
      config: readers,
      schema: {
        tags: ['knowledge'],
        summary: 'Read a document with its passages',
        params: DocumentParams,
        response: { 200: KnowledgeDocumentDetail, ...errorResponses },
      },
    },
    async (request) => {
      const document = await knowledge.getDocument(tenantOf(request).id, request.params.document_id);
      if (!document) throw new ApiError('document_not_found');
      return document;
    },
  );

  api.delete(
    '/knowledge/documents/:document_id',
    {
      config: editors,
      schema: {
        tags: ['knowledge'],
        summary: 'Delete a document and its passages',
        params: DocumentParams,
        response: { 204: z.null().describe('Deleted'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const deleted = await knowledge.deleteDocument(tenantOf(request).id, request.params.document_id);
      if (!deleted) throw new ApiError('document_not_found');
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/knowledge/search',
    {
      config: readers,
      schema: {
        tags: ['knowledge'],
        summary: 'Search the knowledge base as the assistant does',
        querystring: SearchQuery,
        response: { 200: SearchHits, ...errorResponses },
      },
    },
    async (request) => {
      const hits = await retriever.search(tenantOf(request).id, request.query.q, {
        limit: request.query.limit,
      });
      return {
        items: hits.map((hit) => ({
          document_id: hit.document_id,
          title: hit.title,
          url: hit.url,
          heading: hit.heading,
          text: hit.text,
          score: hit.score,
          ...(hit.similarity === undefined ? {} : { similarity: hit.similarity }),
        })),
      };
    },
  );
}
