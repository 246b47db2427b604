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
      // Revalidated each time: a greeting changed in the console shows at the next opening (and in
      // the console's own preview at once); the widget asks once per page view.
      void reply.header('cache-control', 'no-cache');
      return { tenant_id: tenant.id, name: tenant.name, greeting: tenant.greeting };
    },
  );
}
