/**
 * Where a request names its tenant. The tenant only selects; it never authorises by itself.
 */
import { TENANT_HEADERS, TENANT_ID_PATTERN } from '@miptech/protocol';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.ts';

/** True when `value` is a well-formed tenant slug. */
export const isTenantId = (value: string): boolean => TENANT_ID_PATTERN.test(value);

/**
 * The tenant id a request names: `X-Tenant-ID`, `X-Tenant`, `Tenant-ID`, `tenant` and the
 * `tenant_id` query parameter, which must all agree (decision 003). Undefined when none is present.
 * Sources that disagree are an error, not a silent choice: a header and a query parameter naming
 * two tenants usually mean a link built for one tenant is replayed with another's header, and
 * picking either would act on a tenant the caller may not have meant. A value that is not a slug
 * is an error too.
 */
export function tenantIdOf(request: Pick<FastifyRequest, 'headers' | 'query'>): string | undefined {
  const named = new Set<string>();
  for (const header of TENANT_HEADERS) {
    const value = request.headers[header];
    // Node joins a repeated header with ", "; each part is a separate claim.
    for (const part of (Array.isArray(value) ? value : [value ?? '']).flatMap((item) => item.split(','))) {
      if (part.trim()) named.add(part.trim());
    }
  }
  const query = request.query as Record<string, unknown> | undefined;
  // A repeated parameter (`?tenant_id=a&tenant_id=b`) arrives as an array: each value is a claim.
  for (const value of [query?.tenant_id].flat()) {
    if (typeof value === 'string' && value.trim()) named.add(value.trim());
  }
  if (named.size === 0) return undefined;
  if (named.size > 1) {
    throw new ApiError(
      'tenant_conflict',
      `The request names more than one tenant: ${[...named].slice(0, 4).join(', ')}`,
    );
  }
  const [tenantId = ''] = named;
  if (!isTenantId(tenantId)) throw new ApiError('tenant_invalid');
  return tenantId;
}

/** Rejects a body that names a tenant other than the request's (`tenant_id` at the top or in `context`/`metadata`). */
export function assertSameTenant(tenantId: string, ...claims: Array<unknown>): void {
  for (const claim of claims) {
    if (claim !== undefined && claim !== null && claim !== tenantId) {
      const named =
        typeof claim === 'string' ? `tenant "${claim.slice(0, 63)}"` : 'a tenant_id that is not a string';
      throw new ApiError('tenant_conflict', `The body names ${named} but the request is for "${tenantId}"`);
    }
  }
}
