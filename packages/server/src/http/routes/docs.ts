/** The OpenAPI document (generated from the route schemas) and an interactive reference at `/docs`. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { API_PREFIX } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import packageJson from '../../../package.json' with { type: 'json' };

/** Registers the generator; must run before the routes it documents are added. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'MIPTech AI Platform API',
        version: packageJson.version,
        description:
          'Multi-tenant AI assistant platform. Tenant routes need `X-Tenant-ID` (or `X-Tenant`, `Tenant-ID`, `tenant`, or the `tenant_id` query parameter). Every error body is `{detail, code, request_id}`.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An operator access token, a visitor token or an API key, as each route requires',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
}

/** Serves the document and the reference UI. */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    `${API_PREFIX}/openapi.json`,
    { config: { access: { kind: 'open' } }, schema: { hide: true } },
    async () => app.swagger(),
  );
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
}
