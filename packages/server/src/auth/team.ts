/**
 * A tenant's team and keys: invitations, role changes, removals and API keys. Owners may do
 * anything; admins manage agents and admins but never grant, change or remove an owner; the
 * store guarantees a tenant keeps at least one owner.
 */
import type { OperatorRole as Role } from '@miptech/protocol';
import { ApiError } from '../errors/api-error.ts';
import {
  type ApiKeyRecord,
  LastOwnerError,
  type OperatorPatch,
  type OperatorRecord,
} from '../storage/account-store.ts';
import type { Store } from '../storage/store.ts';
import { type AnnounceAccessChange, announceNowhere } from './access-changes.ts';
import { type PublicOperator, publicOperator } from './operator-auth.ts';
import { mintApiKey, mintInvitationToken } from './tokens.ts';

/** How long an invitation stays usable. */
export const INVITATION_TTL_DAYS = 7;

/** An API key as listed: without its hash. */
export type PublicApiKey = Omit<ApiKeyRecord, 'key_hash'>;

const publicKey = ({ key_hash: _, ...key }: ApiKeyRecord): PublicApiKey => key;

/** Only an owner may hand out, take away or touch the owner role. */
function assertMayManage(actor: OperatorRecord, target: { role: Role } | undefined, newRole?: Role): void {
  if (actor.role === 'owner') return;
  if (target?.role === 'owner' || newRole === 'owner') {
    throw new ApiError('insufficient_role', 'Only an owner may grant, change or remove the owner role');
  }
}

export class Team {
  readonly #store: Store;
  readonly #announce: AnnounceAccessChange;

  /** `announce` is told of removals and role changes, so open sockets follow (see `access-changes.ts`). */
  constructor(store: Store, announce: AnnounceAccessChange = announceNowhere) {
    this.#store = store;
    this.#announce = announce;
  }

  async invite(actor: OperatorRecord, input: { email: string; role: Role }) {
    assertMayManage(actor, undefined, input.role);
    const { token, hash } = mintInvitationToken();
    const invitation = await this.#store.createInvitation({
      tenant_id: actor.tenant_id,
      email: input.email,
      role: input.role,
      token_hash: hash,
      invited_by: actor.id,
      expires_at: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000).toISOString(),
    });
    return {
      id: invitation.id,
      tenant_id: invitation.tenant_id,
      email: invitation.email,
      role: invitation.role,
      invitation_token: token,
      expires_at: invitation.expires_at,
    };
  }

  async list(tenantId: string): Promise<PublicOperator[]> {
    return (await this.#store.listOperators(tenantId)).map(publicOperator);
  }

  async update(actor: OperatorRecord, operatorId: string, patch: OperatorPatch): Promise<PublicOperator> {
    const target = await this.#find(actor.tenant_id, operatorId);
    if (patch.role !== undefined && patch.role !== target.role) assertMayManage(actor, target, patch.role);
    const updated = await this.#guardLastOwner(() =>
      this.#store.updateOperator(actor.tenant_id, operatorId, patch),
    );
    if (!updated) throw new ApiError('operator_not_found');
    if (updated.role !== target.role)
      await this.#announce({ tenant_id: actor.tenant_id, operator_id: operatorId, reason: 'role_change' });
    return publicOperator(updated);
  }

  async remove(actor: OperatorRecord, operatorId: string): Promise<void> {
    const target = await this.#find(actor.tenant_id, operatorId);
    assertMayManage(actor, target);
    const removed = await this.#guardLastOwner(() => this.#store.deleteOperator(actor.tenant_id, operatorId));
    if (!removed) throw new ApiError('operator_not_found');
    await this.#announce({ tenant_id: actor.tenant_id, operator_id: operatorId, reason: 'removed' });
  }

  async createApiKey(actor: OperatorRecord, input: { name: string; role: 'admin' | 'agent' }) {
    const { key, prefix, hash } = mintApiKey();
    const record = await this.#store.createApiKey({
      tenant_id: actor.tenant_id,
      name: input.name,
      role: input.role,
      prefix,
      key_hash: hash,
      created_by: actor.id,
    });
    return { ...publicKey(record), key };
  }

  async listApiKeys(tenantId: string): Promise<PublicApiKey[]> {
    return (await this.#store.listApiKeys(tenantId)).map(publicKey);
  }

  async revokeApiKey(tenantId: string, keyId: string): Promise<void> {
    if (!(await this.#store.revokeApiKey(tenantId, keyId))) throw new ApiError('api_key_not_found');
  }

  async #find(tenantId: string, operatorId: string): Promise<OperatorRecord> {
    const operator = await this.#store.getOperator(tenantId, operatorId);
    if (!operator) throw new ApiError('operator_not_found');
    return operator;
  }

  async #guardLastOwner<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } catch (error) {
      if (error instanceof LastOwnerError) throw new ApiError('last_owner');
      throw error;
    }
  }
}
