/**
 * The hook that turns `Authorization: Bearer …` (or, for API keys, `X-API-Key`) into a {@link Principal} and enforces the route's
 * {@link Access}. It runs on every tenant route after the tenant is resolved and before the body
 * is parsed, so a caller without the right credentials learns nothing from validation errors.
 *
 * Order of answers, identical on every route: tenant problems (400/404/403), then a missing
 * credential (401 `auth_required`), then a credential that does not verify for this kind of route
 * (401 `invalid_token`, one body whatever the reason), then another tenant's credential (403
 * `tenant_mismatch`), then an insufficient role (403 `insufficient_role`).
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { ApiError } from '../errors/api-error.ts';
import type { Store } from '../storage/store.ts';
import { tenantOf } from '../tenancy/require-tenant.ts';
import { type Access, accessOf, type Principal } from './access.ts';
import { API_KEY_PREFIX, hashSecret, type TokenService } from './tokens.ts';

export interface AuthenticateOptions {
  config: Config;
  store: Store;
  tokens: TokenService;
}

/** The bearer credential of a request; undefined without an Authorization header. */
function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer\s+(\S{1,4096})\s*$/i.exec(header);
  if (!match?.[1]) throw new ApiError('invalid_token', 'The Authorization header must be "Bearer <token>"');
  return match[1];
}

/**
 * An API key sent as `X-API-Key` (many server-to-server clients' habit), for staff routes only.
 * Only API keys travel this way: an operator's token there is refused, never verified.
 */
function apiKeyHeaderOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (header === undefined || header === '') return undefined;
  const value = Array.isArray(header) ? undefined : header.trim();
  if (!value?.startsWith(API_KEY_PREFIX) || value.length > 4096)
    throw new ApiError('invalid_token', 'X-API-Key must hold an API key (mip_key_…)');
  return value;
}

export function createAuthenticator(options: AuthenticateOptions) {
  const { config, store, tokens } = options;

  type StaffPrincipal = Extract<Principal, { kind: 'operator' | 'api_key' }>;

  /** The API key or operator behind a credential; undefined when it does not verify. */
  async function staffPrincipal(
    request: FastifyRequest,
    credential: string,
  ): Promise<StaffPrincipal | undefined> {
    const tenantId = tenantOf(request).id;
    if (credential.startsWith(API_KEY_PREFIX)) {
      const key = await store.findApiKey(hashSecret(credential));
      if (!key || key.revoked_at) return undefined;
      if (key.tenant_id !== tenantId) throw new ApiError('tenant_mismatch');
      return { kind: 'api_key', tenant_id: key.tenant_id, role: key.role, key };
    }
    const claims = await tokens.verifyOperator(credential);
    if (!claims) return undefined;
    if (claims.tenant_id !== tenantId) throw new ApiError('tenant_mismatch');
    // The token only names the session and operator; loading both makes logout, removal and role
    // changes apply at once rather than when the token expires.
    const [session, operator] = await Promise.all([
      store.getSession(claims.tenant_id, claims.session_id),
      store.getOperator(claims.tenant_id, claims.operator_id),
    ]);
    if (!session || session.revoked_at || !operator || session.operator_id !== operator.id) return undefined;
    return {
      kind: 'operator',
      tenant_id: operator.tenant_id,
      role: operator.role,
      operator,
      session_id: session.id,
    };
  }

  async function authenticateStaff(request: FastifyRequest, access: Extract<Access, { kind: 'staff' }>) {
    const credential = bearerOf(request) ?? apiKeyHeaderOf(request);
    if (!credential) throw new ApiError('auth_required');
    const principal = await staffPrincipal(request, credential);
    if (!principal) throw new ApiError('invalid_token');
    if (principal.kind === 'api_key' && !access.apiKeys) {
      throw new ApiError('insufficient_role', 'API keys cannot call this endpoint; an operator must');
    }
    if (!access.roles.includes(principal.role)) {
      throw new ApiError('insufficient_role', `This endpoint needs the role ${access.roles.join(' or ')}`);
    }
    request.principal = principal;
  }

  async function authenticateVisitor(request: FastifyRequest, access: Extract<Access, { kind: 'visitor' }>) {
    const credential = bearerOf(request);
    if (!credential) {
      if (access.optional || config.environment === 'development') return;
      throw new ApiError(
        'auth_required',
        'This call needs the visitor token returned when the chat was created',
      );
    }
    const claims = await tokens.verifyVisitor(credential);
    if (!claims) throw new ApiError('invalid_token');
    if (claims.tenant_id !== tenantOf(request).id) throw new ApiError('tenant_mismatch');
    request.principal = { kind: 'visitor', tenant_id: claims.tenant_id, visitor_id: claims.visitor_id };
  }

  return async function authenticate(request: FastifyRequest): Promise<void> {
    const access = accessOf(request);
    if (access.kind === 'staff') await authenticateStaff(request, access);
    else if (access.kind === 'visitor') await authenticateVisitor(request, access);
  };
}
