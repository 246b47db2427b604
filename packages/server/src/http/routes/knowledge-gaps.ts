/** `GET /api/v1/knowledge/gaps`: recent visitor questions the assistant could not answer. */
import { KnowledgeGapList, KnowledgeGapQuery } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ANY_ROLE } from '../../auth/access.ts';
import { knowledgeGaps } from '../../knowledge/knowledge-gaps.ts';
import type { Store } from '../../storage/store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';

export async function knowledgeGapRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/knowledge/gaps',
    {
      // Staff only: visitors' questions are the tenant's business, never another visitor's.
      config: { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: true } },
      schema: {
        tags: ['knowledge'],
        summary: 'Knowledge gaps: recent questions answered without the knowledge base',
        description:
          'Visitor questions of the last `days` days whose reply cited no source (small talk, handoff requests, failed replies and console tests left out), grouped by wording, newest first.',
        querystring: KnowledgeGapQuery,
        response: { 200: KnowledgeGapList, ...errorResponses },
      },
    },
    async (request) => ({ items: await knowledgeGaps(options.store, tenantOf(request).id, request.query) }),
  );
}
