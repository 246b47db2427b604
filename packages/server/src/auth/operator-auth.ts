/**
 * Operator accounts: register, log in, refresh, log out, change password.
 *
 * Refresh tokens rotate on every use. Replaying a rotated token revokes its whole session (the
 * token family), because either the client or a thief holds a copy (RFC 9700 §4.14.2). The one
 * exception is a replay within a short grace after the rotation whose successor is still unused:
 * that is two tabs refreshing at once, and both get the same successor (recomputed from its id,
 * see `TokenService.refreshTokenFor`), so the session stays one session with one live token.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError } from '../errors/api-error.ts';
import type { OperatorRecord } from '../storage/account-store.ts';
import { ConflictError, type Store, type Tenant } from '../storage/store.ts';
import { type AnnounceAccessChange, announceNowhere } from './access-changes.ts';
import {
  burnPasswordCheck,
  checkPasswordStrength,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './passwords.ts';
import { hashSecret, REFRESH_TOKEN_TTL_SECONDS, type TokenService } from './tokens.ts';

/** How long after a rotation a replay of the old token counts as a concurrent refresh, by default. */
export const REFRESH_REUSE_GRACE_MS = 3000;

/** An operator as the API shows it. */
export type PublicOperator = Omit<OperatorRecord, 'password_hash'>;

/** The answer of register, login, refresh and password change. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  user: PublicOperator;
}

export interface OperatorAuthOptions {
  store: Store;
  tokens: TokenService;
  log: FastifyBaseLogger;
  /**
   * Anyone may register as the first owner of a tenant without operators (`OPEN_REGISTRATION`).
   * When false, a tenant's first owner comes from the CLI (`tenant create … --owner-email`).
   */
  claimableTenants: boolean;
  /** Development keeps registration open after the first owner, for agents. */
  openRegistration: boolean;
  /** Overrides {@link REFRESH_REUSE_GRACE_MS}. */
  refreshGraceMs?: number;
  /** Told when sessions end, so open sockets end with them (see `access-changes.ts`). */
  announce?: AnnounceAccessChange;
}

export const publicOperator = ({ password_hash: _, ...operator }: OperatorRecord): PublicOperator => operator;

const expiresAt = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
const isExpired = (iso: string) => Date.parse(iso) <= Date.now();

function assertStrong(password: string, context: { email: string; name?: string | undefined }): void {
  const problems = checkPasswordStrength(password, context);
  if (problems.length > 0) {
    throw new ApiError(
      'weak_password',
      `The password is too weak: ${problems.join(' ')}`,
      problems.map((message) => ({ field: 'body.password', message })),
    );
  }
}

export class OperatorAuth {
  readonly #store: Store;
  readonly #tokens: TokenService;
  readonly #log: FastifyBaseLogger;
  readonly #openRegistration: boolean;
  readonly #claimableTenants: boolean;
  readonly #graceMs: number;
  readonly #announce: AnnounceAccessChange;

  constructor(options: OperatorAuthOptions) {
    this.#announce = options.announce ?? announceNowhere;
    this.#store = options.store;
    this.#tokens = options.tokens;
    this.#log = options.log;
    this.#openRegistration = options.openRegistration;
    this.#claimableTenants = options.claimableTenants;
    this.#graceMs = options.refreshGraceMs ?? REFRESH_REUSE_GRACE_MS;
  }

  /**
   * With an invitation, the operator gets the invitation's role (an owner's, for one made by the
   * CLI). Without one: where tenants are claimable (`OPEN_REGISTRATION`), the first operator of a
   * tenant becomes its owner; after that an invitation is needed, except with open registration
   * in development, where newcomers are agents. Where tenants are not claimable, a tenant without
   * operators answers `registration_closed`: its first owner is made with the CLI.
   */
  async register(
    tenant: Tenant,
    input: {
      email: string;
      password: string;
      name?: string | undefined;
      invitation_token?: string | undefined;
    },
  ): Promise<TokenPair> {
    assertStrong(input.password, input);
    const account = {
      tenant_id: tenant.id,
      email: input.email,
      name: input.name || input.email,
      password_hash: await hashPassword(input.password),
    };
    try {
      let operator: OperatorRecord | undefined;
      if (input.invitation_token) {
        operator = await this.#store.acceptInvitation(hashSecret(input.invitation_token), {
          ...account,
          role: 'agent',
        });
        if (!operator) throw new ApiError('invitation_invalid');
      } else {
        if (this.#claimableTenants) {
          operator = await this.#store.createOperator({ ...account, role: 'owner' }, { onlyIfFirst: true });
          if (operator) {
            this.#log.warn(
              { tenant_id: tenant.id, operator_id: operator.id },
              'open registration: the first operator to register became the owner of this tenant',
            );
          }
        }
        if (!operator && this.#openRegistration)
          operator = await this.#store.createOperator({ ...account, role: 'agent' });
        if (!operator) {
          const hasTeam = (await this.#store.listOperators(tenant.id)).length > 0;
          throw new ApiError(hasTeam ? 'invitation_required' : 'registration_closed');
        }
      }
      this.#log.info({ operator_id: operator.id, role: operator.role }, 'operator registered');
      return this.#startSession(operator);
    } catch (error) {
      if (error instanceof ConflictError) throw new ApiError('email_taken');
      throw error;
    }
  }

  /**
   * The session behind a refresh token this client holds for the account it is logging in to:
   * the token is current (not rotated, not expired), its session live, and its operator is the one
   * with this email. Such a client signed in before, so its attempts are not a stranger's (see
   * `assertLoginAllowed`). Undefined otherwise, including for any token of another account.
   */
  async recognizedDevice(tenant: Tenant, email: string, refreshToken: string | undefined) {
    if (!refreshToken) return undefined;
    const record = await this.#store.findRefreshToken(hashSecret(refreshToken));
    if (!record || record.tenant_id !== tenant.id || record.replaced_by || isExpired(record.expires_at))
      return undefined;
    const session = await this.#store.getSession(tenant.id, record.session_id);
    if (!session || session.revoked_at) return undefined;
    const operator = await this.#store.getOperator(tenant.id, record.operator_id);
    return operator?.email === email.trim().toLowerCase() ? session.id : undefined;
  }

  /** The same answer, after the same work, for an unknown email and a wrong password. */
  async login(tenant: Tenant, input: { email: string; password: string }): Promise<TokenPair> {
    const operator = await this.#store.findOperatorByEmail(tenant.id, input.email);
    if (!operator) {
      await burnPasswordCheck(input.password);
      throw new ApiError('invalid_credentials');
    }
    if (!(await verifyPassword(input.password, operator.password_hash)))
      throw new ApiError('invalid_credentials');
    if (needsRehash(operator.password_hash)) {
      await this.#store.updateOperator(tenant.id, operator.id, {
        password_hash: await hashPassword(input.password),
      });
    }
    return this.#startSession(operator);
  }

  async refresh(tenant: Tenant, refreshToken: string): Promise<TokenPair> {
    const record = await this.#store.findRefreshToken(hashSecret(refreshToken));
    if (!record || record.tenant_id !== tenant.id || isExpired(record.expires_at)) {
      throw new ApiError('invalid_refresh_token');
    }
    const session = await this.#store.getSession(tenant.id, record.session_id);
    const operator = await this.#store.getOperator(tenant.id, record.operator_id);
    if (!session || session.revoked_at || !operator) throw new ApiError('invalid_refresh_token');

    let current = record;
    if (!current.replaced_by) {
      const next = this.#tokens.mintRefreshToken();
      const successor = {
        id: next.id,
        session_id: session.id,
        tenant_id: tenant.id,
        operator_id: operator.id,
        token_hash: next.hash,
        expires_at: expiresAt(REFRESH_TOKEN_TTL_SECONDS),
      };
      if (await this.#store.rotateRefreshToken(current.id, successor)) {
        return this.#issue(operator, session.id, next.token);
      }
      // Another request rotated it first (or the session was revoked meanwhile): look again.
      current = (await this.#store.getRefreshToken(current.id)) ?? current;
      if (!current.replaced_by) throw new ApiError('invalid_refresh_token');
    }
    return this.#replayed(tenant, operator, current.session_id, current);
  }

  /** Ends the session of a refresh token or of an access token's `sid`; unknown tokens are ignored. */
  async logout(
    tenant: Tenant,
    refreshToken: string | undefined,
    sessionId: string | undefined,
  ): Promise<void> {
    const ended = new Set<string>();
    if (refreshToken) {
      const record = await this.#store.findRefreshToken(hashSecret(refreshToken));
      if (record && record.tenant_id === tenant.id) {
        await this.#store.revokeSession(tenant.id, record.session_id, 'logout');
        ended.add(record.operator_id);
      }
    }
    if (sessionId) {
      const session = await this.#store.getSession(tenant.id, sessionId);
      await this.#store.revokeSession(tenant.id, sessionId, 'logout');
      if (session) ended.add(session.operator_id);
    }
    for (const operator_id of ended)
      await this.#announce({ tenant_id: tenant.id, operator_id, reason: 'logout' });
  }

  /** Checks the current password, stores the new one, ends every session, and starts a fresh one. */
  async changePassword(operator: OperatorRecord, input: { current_password: string; new_password: string }) {
    if (!(await verifyPassword(input.current_password, operator.password_hash))) {
      throw new ApiError('invalid_credentials', 'The current password is incorrect');
    }
    assertStrong(input.new_password, operator);
    const password_hash = await hashPassword(input.new_password);
    const updated = await this.#store.updateOperator(operator.tenant_id, operator.id, { password_hash });
    if (!updated) throw new ApiError('invalid_token');
    const ended = await this.#store.revokeOperatorSessions(
      operator.tenant_id,
      operator.id,
      'password_change',
    );
    this.#log.info({ operator_id: operator.id, sessions_ended: ended }, 'password changed; sessions ended');
    // Before the new session exists, so no socket can have been opened with it yet.
    await this.#announce({
      tenant_id: operator.tenant_id,
      operator_id: operator.id,
      reason: 'password_change',
    });
    return this.#startSession(updated);
  }

  async #replayed(
    tenant: Tenant,
    operator: OperatorRecord,
    sessionId: string,
    rotated: { rotated_at: string | null; replaced_by: string | null },
  ) {
    const successor = rotated.replaced_by
      ? await this.#store.getRefreshToken(rotated.replaced_by)
      : undefined;
    const rotatedAgo = Date.now() - Date.parse(rotated.rotated_at ?? '');
    if (
      successor &&
      !successor.replaced_by &&
      !isExpired(successor.expires_at) &&
      rotatedAgo <= this.#graceMs
    ) {
      return this.#issue(operator, sessionId, this.#tokens.refreshTokenFor(successor.id));
    }
    await this.#store.revokeSession(tenant.id, sessionId, 'reuse');
    await this.#announce({ tenant_id: tenant.id, operator_id: operator.id, reason: 'token_reuse' });
    this.#log.warn(
      { operator_id: operator.id, session_id: sessionId },
      'a rotated refresh token was used again; the session is revoked (possible token theft)',
    );
    throw new ApiError('invalid_refresh_token');
  }

  async #startSession(operator: OperatorRecord): Promise<TokenPair> {
    const sessionId = randomUUID();
    const refresh = this.#tokens.mintRefreshToken();
    await this.#store.createSession(
      { id: sessionId, tenant_id: operator.tenant_id, operator_id: operator.id },
      {
        id: refresh.id,
        session_id: sessionId,
        tenant_id: operator.tenant_id,
        operator_id: operator.id,
        token_hash: refresh.hash,
        expires_at: expiresAt(REFRESH_TOKEN_TTL_SECONDS),
      },
    );
    return this.#issue(operator, sessionId, refresh.token);
  }

  async #issue(operator: OperatorRecord, sessionId: string, refreshToken: string): Promise<TokenPair> {
    const access = await this.#tokens.signOperator({
      tenant_id: operator.tenant_id,
      operator_id: operator.id,
      session_id: sessionId,
    });
    return {
      access_token: access.token,
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: access.expires_in,
      user: publicOperator(operator),
    };
  }
}
