/**
 * The {@link AccountStore} half of the SQLite store, on the store's database handle.
 *
 * `node:sqlite` is synchronous, so inside this process a transaction's reads and writes never
 * interleave with another call's; `BEGIN IMMEDIATE` extends that to other processes on the file.
 * The checks before a write ("no operator yet", "another owner remains", "not rotated yet") are
 * therefore safe to make with plain SELECTs inside the transaction.
 */
import type { DatabaseSync } from 'node:sqlite';
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
  OperatorRole,
  RefreshTokenRecord,
} from '../account-store.ts';
import { newId, normalizeTime, now, toApiKey, toOperator, toRefreshToken, toSession } from '../records.ts';
import { ConflictError } from '../store.ts';
import {
  insertOperator,
  insertRefreshToken,
  requireOtherOwner,
  requireTenant,
  selectOperator,
} from './sqlite-account-rows.ts';
import { immediateTransaction, isUniqueViolation, prepared } from './transaction.ts';

export class SqliteAccounts implements AccountStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async createOperator(
    operator: NewOperator,
    options: { onlyIfFirst?: boolean } = {},
  ): Promise<OperatorRecord | undefined> {
    return immediateTransaction(this.#db, () => {
      requireTenant(this.#db, operator.tenant_id);
      if (options.onlyIfFirst) {
        const any = prepared(this.#db, 'SELECT 1 FROM operators WHERE tenant_id = ? LIMIT 1').get(
          operator.tenant_id,
        );
        if (any) return undefined;
      }
      return insertOperator(this.#db, operator, operator.role);
    });
  }

  async getOperator(tenant_id: string, id: string): Promise<OperatorRecord | undefined> {
    return selectOperator(this.#db, tenant_id, id);
  }

  async findOperatorByEmail(tenant_id: string, email: string): Promise<OperatorRecord | undefined> {
    const row = prepared(this.#db, 'SELECT * FROM operators WHERE tenant_id = ? AND email = ?').get(
      tenant_id,
      email,
    );
    return row ? toOperator(row) : undefined;
  }

  async listOperators(tenant_id: string): Promise<OperatorRecord[]> {
    return prepared(this.#db, 'SELECT * FROM operators WHERE tenant_id = ? ORDER BY created_at, id')
      .all(tenant_id)
      .map(toOperator);
  }

  async updateOperator(
    tenant_id: string,
    id: string,
    patch: OperatorPatch,
  ): Promise<OperatorRecord | undefined> {
    return immediateTransaction(this.#db, () => {
      const current = selectOperator(this.#db, tenant_id, id);
      if (!current) return undefined;
      if (current.role === 'owner' && patch.role !== undefined && patch.role !== 'owner') {
        requireOtherOwner(this.#db, tenant_id, id, true);
      }
      prepared(
        this.#db,
        'UPDATE operators SET role = ?, name = ?, password_hash = ?, updated_at = ? WHERE id = ?',
      ).run(
        patch.role ?? current.role,
        patch.name ?? current.name,
        patch.password_hash ?? current.password_hash,
        now(),
        id,
      );
      return selectOperator(this.#db, tenant_id, id);
    });
  }

  async deleteOperator(tenant_id: string, id: string): Promise<boolean> {
    return immediateTransaction(this.#db, () => {
      const current = selectOperator(this.#db, tenant_id, id);
      if (!current) return false;
      if (current.role === 'owner') requireOtherOwner(this.#db, tenant_id, id, false);
      // Sessions go by ON DELETE CASCADE, and their refresh tokens with them.
      prepared(this.#db, 'DELETE FROM operators WHERE id = ?').run(id);
      return true;
    });
  }

  async createSession(
    session: { id: string; tenant_id: string; operator_id: string },
    first: NewRefreshToken,
  ): Promise<void> {
    if (first.session_id !== session.id)
      throw new Error('The first refresh token must belong to the session');
    const time = now();
    try {
      immediateTransaction(this.#db, () => {
        prepared(
          this.#db,
          'INSERT INTO auth_sessions (id, tenant_id, operator_id, created_at) VALUES (?, ?, ?, ?)',
        ).run(session.id, session.tenant_id, session.operator_id, time);
        insertRefreshToken(this.#db, first, time);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('Session or refresh token exists already');
      throw error;
    }
  }

  async getSession(tenant_id: string, id: string): Promise<AuthSessionRecord | undefined> {
    const row = prepared(this.#db, 'SELECT * FROM auth_sessions WHERE id = ? AND tenant_id = ?').get(
      id,
      tenant_id,
    );
    return row ? toSession(row) : undefined;
  }

  async revokeSession(tenant_id: string, id: string, reason: string): Promise<void> {
    // `revoked_at IS NULL` keeps the first reason: a logout after reuse detection stays "reuse".
    prepared(
      this.#db,
      'UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL',
    ).run(now(), reason, id, tenant_id);
  }

  async revokeOperatorSessions(tenant_id: string, operator_id: string, reason: string): Promise<number> {
    const result = prepared(
      this.#db,
      'UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE tenant_id = ? AND operator_id = ? AND revoked_at IS NULL',
    ).run(now(), reason, tenant_id, operator_id);
    return Number(result.changes);
  }

  async findRefreshToken(token_hash: string): Promise<RefreshTokenRecord | undefined> {
    const row = prepared(this.#db, 'SELECT * FROM refresh_tokens WHERE token_hash = ?').get(token_hash);
    return row ? toRefreshToken(row) : undefined;
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    const row = prepared(this.#db, 'SELECT * FROM refresh_tokens WHERE id = ?').get(id);
    return row ? toRefreshToken(row) : undefined;
  }

  async rotateRefreshToken(old_id: string, successor: NewRefreshToken): Promise<boolean> {
    return immediateTransaction(this.#db, () => {
      const old = prepared(
        this.#db,
        `SELECT t.session_id, s.revoked_at FROM refresh_tokens t
           JOIN auth_sessions s ON s.id = t.session_id WHERE t.id = ?`,
      ).get(old_id);
      if (!old || old.revoked_at !== null) return false;
      if (old.session_id !== successor.session_id) throw new Error('A successor must stay in its session');
      const time = now();
      const marked = prepared(
        this.#db,
        'UPDATE refresh_tokens SET rotated_at = ?, replaced_by = ? WHERE id = ? AND rotated_at IS NULL',
      ).run(time, successor.id, old_id);
      if (Number(marked.changes) === 0) return false;
      insertRefreshToken(this.#db, successor, time);
      return true;
    });
  }

  async createInvitation(invitation: NewInvitation): Promise<InvitationRecord> {
    const record: InvitationRecord = {
      id: newId(),
      ...invitation,
      created_at: now(),
      expires_at: normalizeTime(invitation.expires_at),
      accepted_at: null,
    };
    try {
      prepared(
        this.#db,
        `INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.id,
        record.tenant_id,
        record.email,
        record.role,
        record.token_hash,
        record.invited_by,
        record.created_at,
        record.expires_at,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An invitation with this token exists already');
      throw error;
    }
    return record;
  }

  async acceptInvitation(token_hash: string, operator: NewOperator): Promise<OperatorRecord | undefined> {
    return immediateTransaction(this.#db, () => {
      const time = now();
      const used = prepared(
        this.#db,
        `UPDATE invitations SET accepted_at = ?
           WHERE token_hash = ? AND tenant_id = ? AND email = ? AND accepted_at IS NULL AND expires_at > ?
           RETURNING role`,
      ).get(time, token_hash, operator.tenant_id, operator.email, time);
      if (!used) return undefined;
      // A ConflictError here rolls the whole transaction back, so the invitation stays unused.
      return insertOperator(this.#db, operator, String(used.role) as OperatorRole, time);
    });
  }

  async createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = { id: newId(), ...key, created_at: now(), revoked_at: null };
    try {
      prepared(
        this.#db,
        `INSERT INTO api_keys (id, tenant_id, name, role, prefix, key_hash, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        record.id,
        record.tenant_id,
        record.name,
        record.role,
        record.prefix,
        record.key_hash,
        record.created_by,
        record.created_at,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An API key with this hash exists already');
      throw error;
    }
    return record;
  }

  async listApiKeys(tenant_id: string): Promise<ApiKeyRecord[]> {
    return prepared(this.#db, 'SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at DESC, id DESC')
      .all(tenant_id)
      .map(toApiKey);
  }

  async findApiKey(key_hash: string): Promise<ApiKeyRecord | undefined> {
    const row = prepared(this.#db, 'SELECT * FROM api_keys WHERE key_hash = ?').get(key_hash);
    return row ? toApiKey(row) : undefined;
  }

  async revokeApiKey(tenant_id: string, id: string): Promise<boolean> {
    const result = prepared(
      this.#db,
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL',
    ).run(now(), id, tenant_id);
    return Number(result.changes) > 0;
  }
}
