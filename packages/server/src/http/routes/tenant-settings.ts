/** `/api/v1/tenant`: the settings of the caller's tenant (name, allowed origins, greeting). */
import { TenantSettings, TenantSettingsPatch } from '@miptech/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ANY_ROLE, MANAGERS } from '../../auth/access.ts';
import type { Store } from '../../storage/store.ts';
import { tenantOf } from '../../tenancy/require-tenant.ts';
import type { TenantDirectory } from '../../tenancy/tenant-directory.ts';
import { ApiError } from '../api-error.ts';
import { errorResponses } from '../schemas.ts';

export async function tenantSettingsRoutes(
  app: FastifyInstance,
  options: { store: Store; directory: TenantDirectory },
): Promise<void> {
  const { store, directory } = options;
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/tenant',
    {
      config: { access: { kind: 'staff', roles: ANY_ROLE, apiKeys: true } },
      schema: {
        tags: ['tenant'],
        summary: "Read the tenant's settings",
        response: { 200: TenantSettings, ...errorResponses },
      },
    },
    async (request) => tenantOf(request),
  );

  api.patch(
    '/tenant',
    {
      // Not API keys: allowed_origins decides CORS, and a leaked key must not be able to widen it.
      config: { access: { kind: 'staff', roles: MANAGERS, apiKeys: false } },
      schema: {
        tags: ['tenant'],
        summary: "Change the tenant's settings",
        description: 'Other instances see the change within 5 seconds (their tenant cache).',
        body: TenantSettingsPatch,
        response: { 200: TenantSettings, ...errorResponses },
      },
    },
    async (request) => {
      const updated = await store.updateTenant(tenantOf(request).id, request.body);
      if (!updated) throw new ApiError('tenant_not_found');
      directory.invalidate();
      return updated;
    },
  );
}
