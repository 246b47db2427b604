/**
 * `POST /api/v1/knowledge/imports`: reads a page or a sitemap into the knowledge base, within the
 * outbound policy, answering one NDJSON line per source as it is stored (the console's progress).
 */
import { Readable } from 'node:stream';
import { KnowledgeImportBody, type KnowledgeImportEvent } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { MANAGERS } from '../../auth/access.ts';
import { ApiError } from '../../errors/api-error.ts';
import { ingestSources, type SourceReport } from '../../knowledge/ingest.ts';
import { isHttpUrl } from '../../knowledge/prepare-document.ts';
import { createGuardedFetch } from '../../outbound/guarded-fetch.ts';
import { type OutboundPolicy, OutboundRefusedError } from '../../outbound/outbound-policy.ts';
import type { KnowledgeStore } from '../../storage/knowledge-store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';

/** Pages one import may read from a sitemap: a console click should not crawl a whole site. */
const MAX_PAGES = 100;

export async function knowledgeImportRoutes(
  app: FastifyInstance,
  options: { knowledge: KnowledgeStore; outbound: OutboundPolicy },
): Promise<void> {
  const { knowledge, outbound } = options;
  const fetchImpl = createGuardedFetch(outbound);
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/knowledge/imports',
    {
      config: { access: { kind: 'staff', roles: MANAGERS, apiKeys: true } },
      schema: {
        tags: ['knowledge'],
        summary: 'Import a page or a sitemap',
        description: `Fetches the URL (a sitemap: up to ${MAX_PAGES} of its pages) within the outbound policy and stores each page as a document (the same URL replaces it). The answer is \`application/x-ndjson\`: one \`{"type":"source",…}\` line per page as it is stored, then \`{"type":"done","totals":{…}}\`.`,
        body: KnowledgeImportBody,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { url } = request.body;
      if (!isHttpUrl(url)) throw new ApiError('validation_failed', 'url must be an http(s) URL');
      // Refused before anything streams, so the client gets a coded error rather than a failed line.
      try {
        await outbound.assess(url);
      } catch (error) {
        if (!(error instanceof OutboundRefusedError)) throw error;
        throw new ApiError('outbound_url_refused', `The URL is refused: ${error.message}`, [
          { field: 'body.url', message: error.message },
        ]);
      }
      const tenantId = tenantOf(request).id;
      const log = request.log;
      async function* lines(): AsyncGenerator<string> {
        const queue: SourceReport[] = [];
        let wake: (() => void) | undefined;
        let finished: { totals: Record<string, number> } | { error: string } | undefined;
        ingestSources(knowledge, tenantId, [url], {
          fetch: fetchImpl,
          maxPages: MAX_PAGES,
          onSource: (report) => {
            queue.push(report);
            wake?.();
          },
        }).then(
          (report) => {
            finished = { totals: report.totals };
            wake?.();
          },
          (error: unknown) => {
            log.error({ err: error }, 'knowledge import failed');
            finished = { error: 'The import stopped: the knowledge base could not be written.' };
            wake?.();
          },
        );
        for (;;) {
          const next = queue.shift();
          if (next) {
            yield line({ type: 'source', ...next });
            continue;
          }
          if (finished) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        yield line(
          'error' in finished
            ? { type: 'error', detail: finished.error }
            : {
                type: 'done',
                totals: finished.totals as Extract<KnowledgeImportEvent, { type: 'done' }>['totals'],
              },
        );
      }
      void reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      void reply.header('cache-control', 'no-store');
      // A stream is sent as it is, never serialised against a schema.
      return reply.send(Readable.from(lines()) as never);
    },
  );
}

function line(event: KnowledgeImportEvent): string {
  const { document_id: _id, ...rest } = event as KnowledgeImportEvent & { document_id?: string };
  return `${JSON.stringify(rest)}\n`;
}
