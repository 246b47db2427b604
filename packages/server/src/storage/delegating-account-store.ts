/**
 * Forwards every {@link AccountStore} method to another object. Each store extends this and hands
 * it the account half of itself (`sqlite/sqlite-accounts.ts`, `postgres/postgres-accounts.ts`),
 * so the store files keep to tenants, chats and messages.
 */
import type {
  AccountStore,
  ApiKeyRecord,
  AuthSessionRecord,
  InvitationRecord,
  NewApiKey,
  NewInvitation,
  NewOperator,
  NewRefreshToken,
  OperatorPatch,
  OperatorRecord,
  RefreshTokenRecord,
} from './account-store.ts';

export class DelegatingAccountStore implements AccountStore {
  readonly #accounts: AccountStore;

  constructor(accounts: AccountStore) {
    this.#accounts = accounts;
  }

  createOperator(
    operator: NewOperator,
    options?: { onlyIfFirst?: boolean },
  ): Promise<OperatorRecord | undefined> {
    return this.#accounts.createOperator(operator, options);
  }

  getOperator(tenant_id: string, id: string): Promise<OperatorRecord | undefined> {
    return this.#accounts.getOperator(tenant_id, id);
  }

  findOperatorByEmail(tenant_id: string, email: string): Promise<OperatorRecord | undefined> {
    return this.#accounts.findOperatorByEmail(tenant_id, email);
  }

  listOperators(tenant_id: string): Promise<OperatorRecord[]> {
    return this.#accounts.listOperators(tenant_id);
  }

  updateOperator(tenant_id: string, id: string, patch: OperatorPatch): Promise<OperatorRecord | undefined> {
    return this.#accounts.updateOperator(tenant_id, id, patch);
  }

  deleteOperator(tenant_id: string, id: string): Promise<boolean> {
    return this.#accounts.deleteOperator(tenant_id, id);
  }

  createSession(
    session: { id: string; tenant_id: string; operator_id: string },
    first: NewRefreshToken,
  ): Promise<void> {
    return this.#accounts.createSession(session, first);
  }

  getSession(tenant_id: string, id: string): Promise<AuthSessionRecord | undefined> {
    return this.#accounts.getSession(tenant_id, id);
  }

  revokeSession(tenant_id: string, id: string, reason: string): Promise<void> {
    return this.#accounts.revokeSession(tenant_id, id, reason);
  }

  revokeOperatorSessions(tenant_id: string, operator_id: string, reason: string): Promise<number> {
    return this.#accounts.revokeOperatorSessions(tenant_id, operator_id, reason);
  }

  findRefreshToken(token_hash: string): Promise<RefreshTokenRecord | undefined> {
    return this.#accounts.findRefreshToken(token_hash);
  }

  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    return this.#accounts.getRefreshToken(id);
  }

  rotateRefreshToken(old_id: string, successor: NewRefreshToken): Promise<boolean> {
    return this.#accounts.rotateRefreshToken(old_id, successor);
  }

  createInvitation(invitation: NewInvitation): Promise<InvitationRecord> {
    return this.#accounts.createInvitation(invitation);
  }

  acceptInvitation(token_hash: string, operator: NewOperator): Promise<OperatorRecord | undefined> {
    return this.#accounts.acceptInvitation(token_hash, operator);
  }

  createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.#accounts.createApiKey(key);
  }

  listApiKeys(tenant_id: string): Promise<ApiKeyRecord[]> {
    return this.#accounts.listApiKeys(tenant_id);
  }

  findApiKey(key_hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#accounts.findApiKey(key_hash);
  }

  revokeApiKey(tenant_id: string, id: string): Promise<boolean> {
    return this.#accounts.revokeApiKey(tenant_id, id);
  }
}
