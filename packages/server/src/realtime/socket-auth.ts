/**
 * Who a WebSocket connection acts as, from a token, and whether an operator connection still
 * stands. A socket outlives the checks REST makes on every request, so it keeps what it needs to
 * check again later: the token's expiry (no new joins after it) and, for an operator, the session
 * and role it was granted (re-checked when the account code announces a change).
 */
import type { OperatorRole } from '@miptech/protocol';
import type { TokenService } from '../auth/tokens.ts';
import type { Store } from '../storage/store.ts';

/** Who a connection acts as. `expires_at` is the token's `exp`, in seconds since the epoch. */
export type SocketPrincipal =
  | { kind: 'anonymous' }
  | { kind: 'visitor'; visitor_id: string; expires_at: number }
  | { kind: 'operator'; operator_id: string; session_id: string; role: OperatorRole; expires_at: number };

/** Resolves a token to a principal of `tenantId`; undefined when it does not verify there. */
export type SocketAuthenticator = (token: string, tenantId: string) => Promise<SocketPrincipal | undefined>;

/** What an operator connection's grant is worth now. */
export type OperatorStanding = 'valid' | 'revoked' | 'role_changed';

/**
 * The standing of an operator principal in the database: `revoked` when its session ended or the
 * operator is gone, `role_changed` when the operator's role is not the one the socket was given.
 */
export async function operatorStanding(
  store: Store,
  tenantId: string,
  principal: Extract<SocketPrincipal, { kind: 'operator' }>,
): Promise<OperatorStanding> {
  const [session, operator] = await Promise.all([
    store.getSession(tenantId, principal.session_id),
    store.getOperator(tenantId, principal.operator_id),
  ]);
  if (!session || session.revoked_at || !operator || session.operator_id !== operator.id) return 'revoked';
  return operator.role === principal.role ? 'valid' : 'role_changed';
}

/** True once the principal's token has expired (anonymous connections have none to expire). */
export function hasExpired(principal: SocketPrincipal, now = Date.now()): boolean {
  return principal.kind !== 'anonymous' && now >= principal.expires_at * 1000;
}

/**
 * A visitor or operator token of the tenant; an operator's session must be live and its operator
 * present, as on REST.
 *
 * @example
 * const authenticate = socketAuthenticator(tokens, store);
 * await authenticate(visitorToken, 'acme'); // → { kind: 'visitor', visitor_id: '…', expires_at: 1767225600 }
 */
export function socketAuthenticator(tokens: TokenService, store: Store): SocketAuthenticator {
  return async (token, tenantId) => {
    const visitor = await tokens.verifyVisitor(token);
    if (visitor)
      return visitor.tenant_id === tenantId
        ? { kind: 'visitor', visitor_id: visitor.visitor_id, expires_at: visitor.expires_at }
        : undefined;
    const claims = await tokens.verifyOperator(token);
    if (!claims || claims.tenant_id !== tenantId) return undefined;
    const operator = await store.getOperator(tenantId, claims.operator_id);
    if (!operator) return undefined;
    const principal = {
      kind: 'operator',
      operator_id: operator.id,
      session_id: claims.session_id,
      role: operator.role,
      expires_at: claims.expires_at,
    } as const;
    return (await operatorStanding(store, tenantId, principal)) === 'valid' ? principal : undefined;
  };
}
