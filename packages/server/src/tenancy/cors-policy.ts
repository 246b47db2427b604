/**
 * Which browser origins may read our answers. An origin is echoed back only on an exact match
 * (with `Vary: Origin`); never `*`, never `null`. Allowed: the tenant's own origins, plus
 * `CORS_ORIGINS`, plus in development any localhost origin.
 *
 * A preflight carries no tenant header (browsers send only the header names), so it is answered
 * for any origin some tenant allows; the real request is then checked against its own tenant,
 * and a browser will not hand the body of a mismatched answer to the page.
 */
import type { FastifyCorsOptions } from '@fastify/cors';
import { TENANT_HEADERS } from '@miptech/protocol';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Tenant } from '../storage/store.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import { tenantIdOf } from './tenant-id.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const BASE_OPTIONS: FastifyCorsOptions = {
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  allowedHeaders: [
    'Content-Type',
    'Authorization',
    'X-Request-ID',
    'User-Agent',
    'Prefer',
    ...TENANT_HEADERS,
  ],
  exposedHeaders: ['X-Request-ID', 'Retry-After'],
  credentials: true,
  maxAge: 600,
  // Answer every OPTIONS itself, even a malformed one, so a preflight never reaches tenant checks.
  strictPreflight: false,
};

function isLocalOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname);
  } catch {
    return false;
  }
}

/** Whether a page at `origin` may talk to `tenant` (CORS, and the WebSocket Origin check). */
export function isOriginAllowed(config: Config, tenant: Tenant | undefined, origin: string): boolean {
  if (config.corsOrigins.includes(origin)) return true;
  if (config.environment === 'development' && isLocalOrigin(origin)) return true;
  return tenant?.allowed_origins.includes(origin) ?? false;
}

export function createCorsDelegator(config: Config, directory: TenantDirectory) {
  async function isAllowed(origin: string, request: FastifyRequest): Promise<boolean> {
    if (config.corsOrigins.includes(origin)) return true;
    if (config.environment === 'development' && isLocalOrigin(origin)) return true;
    let tenantId: string | undefined;
    try {
      tenantId = tenantIdOf(request);
    } catch {
      return false;
    }
    if (tenantId) return (await directory.get(tenantId))?.allowed_origins.includes(origin) ?? false;
    return (await directory.all()).some((tenant) => tenant.allowed_origins.includes(origin));
  }

  return async (request: FastifyRequest): Promise<FastifyCorsOptions> => {
    const origin = request.headers.origin;
    let allowed = false;
    if (origin && origin !== 'null') {
      // A failing database must not turn into a CORS failure: decide without it.
      allowed = await isAllowed(origin, request).catch(() => config.corsOrigins.includes(origin));
    }
    // `true` reflects the request's Origin and adds `Vary: Origin`; `false` sends no CORS headers.
    return { ...BASE_OPTIONS, origin: allowed };
  };
}
