/**
 * Who may call what. Every route under `/api/v1` declares an {@link Access} in its config; the
 * app refuses to start with a route that does not (see `assertRouteClassified`), and the
 * isolation-matrix test checks each declaration against real requests.
 *
 * The tenant header only selects a tenant; credentials authorise, and they must belong to the
 * tenant selected (OWASP multi-tenant cheat sheet): another tenant's token is a 403 `tenant_mismatch`.
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { ApiKeyRecord, OperatorRecord, OperatorRole } from '../storage/account-store.ts';

/** Which callers a route admits. */
export type Access =
  /** No tenant needed, no credentials read: health, readiness, the OpenAPI document. */
  | { kind: 'open' }
  /** A tenant is needed, credentials are not read: login, register, refresh, logout. */
  | { kind: 'public' }
  /**
   * A visitor with their visitor token; the route itself checks that the chat is theirs. In
   * development mode a call without a token is let through (the seeds' DEBUG mode). With
   * `optional`, a call without a token is let through in production too (starting a chat).
   */
  | { kind: 'visitor'; optional?: boolean }
  /** Operators with one of `roles`; API keys too when `apiKeys` is set (acting with their own role). */
  | { kind: 'staff'; roles: readonly OperatorRole[]; apiKeys: boolean };

/** Every role, for routes any operator may call. */
export const ANY_ROLE: readonly OperatorRole[] = ['owner', 'admin', 'agent'];
/** Owners and admins: settings, team and keys. */
export const MANAGERS: readonly OperatorRole[] = ['owner', 'admin'];

/** The authenticated caller of a request. */
export type Principal =
  /** No credentials (public and open routes, and token-less visitor calls in development). */
  | { kind: 'anonymous' }
  | { kind: 'visitor'; tenant_id: string; visitor_id: string }
  | { kind: 'operator'; tenant_id: string; role: OperatorRole; operator: OperatorRecord; session_id: string }
  | { kind: 'api_key'; tenant_id: string; role: OperatorRole; key: ApiKeyRecord };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; required under `/api/v1`. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Set by the authentication hook; anonymous until then. */
    principal: Principal;
  }
}

/** The access a request's route declared. */
export function accessOf(request: FastifyRequest): Access {
  const access = request.routeOptions.config.access;
  // Unreachable for API routes (assertRouteClassified); other routes are open.
  return access ?? { kind: 'open' };
}

/** A route under the API prefix and who may call it. */
export interface ClassifiedRoute {
  method: string;
  url: string;
  access: Access;
}

/**
 * Fails the app's start when a route under `prefix` has no access declaration (no route is open
 * by omission), and lists every classified route in `routes` for the isolation tests.
 */
export function assertRouteClassified(prefix: string, routes: ClassifiedRoute[]) {
  return (route: RouteOptions): void => {
    if (!route.url.startsWith(prefix)) return;
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (!access)
      throw new Error(`Route ${String(route.method)} ${route.url} declares no access; add config.access`);
    for (const method of [route.method].flat()) {
      // Fastify adds HEAD for every GET; it is the same route.
      if (method !== 'HEAD') routes.push({ method, url: route.url, access });
    }
  };
}

/** The operator of an operator route (throws elsewhere: a programming error). */
export function operatorOf(request: FastifyRequest): Extract<Principal, { kind: 'operator' }> {
  if (request.principal.kind !== 'operator')
    throw new Error('operatorOf() called outside an operator-only route');
  return request.principal;
}

/** The visitor id of a visitor call; undefined for an anonymous development call. */
export function visitorIdOf(request: FastifyRequest): string | undefined {
  return request.principal.kind === 'visitor' ? request.principal.visitor_id : undefined;
}
