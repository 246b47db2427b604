/**
 * The console talks to the platform that serves it (same origin), for one tenant at a time. The
 * tenant id is remembered in localStorage so a reload can refresh the session: it names a
 * tenant, it is no credential (the tokens stay in memory and in the HttpOnly cookie).
 */
import { AuthClient, RealtimeConnection } from '@miptech/client';

const TENANT_KEY = 'miptech-console:tenant';
export const DEFAULT_TENANT = 'miptech-company';

export function rememberedTenant(): string | undefined {
  try {
    return localStorage.getItem(TENANT_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberTenant(tenantId: string | undefined): void {
  try {
    if (tenantId) localStorage.setItem(TENANT_KEY, tenantId);
    else localStorage.removeItem(TENANT_KEY);
  } catch {
    // Storage may be off (private modes): the operator signs in again after a reload.
  }
}

export function authFor(tenantId: string): AuthClient {
  return new AuthClient({ baseUrl: location.origin, tenantId });
}

/** One socket per signed-in console; it reads the current access token at every (re)connection. */
export function realtimeFor(auth: AuthClient): RealtimeConnection {
  return new RealtimeConnection({
    baseUrl: location.origin,
    tenantId: auth.http.tenantId,
    token: () => auth.accessToken,
  });
}
