/** The hook that guards every tenant route: the request must name an existing, enabled tenant. */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.ts';
import type { Tenant } from '../storage/store.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import { tenantIdOf } from './tenant-id.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of a tenant route; null elsewhere. */
    tenant: Tenant | null;
  }
}

export function requireTenant(directory: TenantDirectory) {
  return async function resolveTenant(request: FastifyRequest): Promise<void> {
    const tenantId = tenantIdOf(request);
    if (!tenantId) throw new ApiError('tenant_missing');
    const tenant = await directory.get(tenantId);
    if (!tenant) throw new ApiError('tenant_not_found', `Tenant not found: "${tenantId}"`);
    if (!tenant.enabled) throw new ApiError('tenant_disabled', `Tenant is disabled: "${tenantId}"`);
    request.tenant = tenant;
  };
}

/** The tenant resolved by {@link requireTenant}; for use inside tenant routes only. */
export function tenantOf(request: FastifyRequest): Tenant {
  if (!request.tenant) throw new Error('tenantOf() called outside a tenant route');
  return request.tenant;
}
