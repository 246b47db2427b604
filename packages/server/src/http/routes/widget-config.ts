/**
 * `GET /api/v1/widget/config`: what the chat widget reads about its tenant on start. Public (any
 * visitor's browser calls it, before any chat), so it carries only what the widget shows anyway.
 */
import { WidgetConfig } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import { errorResponses } from '../schemas.ts';

export async function widgetConfigRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/widget/config',
    {
      config: { access: { kind: 'public' } },
      schema: {
        tags: ['widget'],
        summary: "The widget's public configuration: the tenant's name and greeting",
        response: { 200: WidgetConfig, ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      // Short: a greeting changed in the console reaches new page views within a minute.
      void reply.header('cache-control', 'public, max-age=60');
      return { tenant_id: tenant.id, name: tenant.name, greeting: tenant.greeting };
    },
  );
}
