/**
 * The {@link AccountStore} half of the PostgreSQL store, on the store's pool.
 *
 * Several instances write concurrently, so every check-then-write runs under a lock:
 * - anything that adds, demotes or deletes operators first locks the tenant's row, so
 *   "no operator yet" and "another owner remains" cannot both be read before either writes;
 * - a rotation share-locks the session (a revocation waits for it) and flips the old token with a
 *   conditional UPDATE, whose row lock lets exactly one of several racing rotations through;
 * - an invitation is used by a conditional UPDATE, so two racing accepts cannot both use it.
 * Statements run under READ COMMITTED: a statement after a lock wait sees what the holder committed.
 */
import type pg from 'pg';
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
import {
  newId,
  normalizeTime,
  now,
  toApiKey,
  toInvitation,
  toOperator,
  toRefreshToken,
  toSession,
} from '../records.ts';
import { ConflictError } from '../store.ts';
import {
  insertOperator,
  insertRefreshToken,
  lockTenant,
  requireOtherOwner,
  selectOperator,
} from './postgres-account-rows.ts';
import { isUniqueViolation, type Outcome, type Row, transaction } from './transaction.ts';

export class PostgresAccounts implements AccountStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async createOperator(
    operator: NewOperator,
    options: { onlyIfFirst?: boolean } = {},
  ): Promise<OperatorRecord | undefined> {
    return transaction(this.#pool, async (client): Promise<Outcome<OperatorRecord | undefined>> => {
      if (!(await lockTenant(client, operator.tenant_id))) {
        throw new Error(`Tenant "${operator.tenant_id}" does not exist`);
      }
      if (options.onlyIfFirst) {
        const any = await client.query('SELECT 1 FROM operators WHERE tenant_id = $1 LIMIT 1', [
          operator.tenant_id,
        ]);
        if (any.rowCount !== 0) return { value: undefined, commit: false };
      }
      return { value: await insertOperator(client, operator, operator.role, now()), commit: true };
    });
  }

  async getOperator(tenant_id: string, id: string): Promise<OperatorRecord | undefined> {
    return selectOperator(this.#pool, tenant_id, id);
  }

  async findOperatorByEmail(tenant_id: string, email: string): Promise<OperatorRecord | undefined> {
    const result = await this.#pool.query<Row>(
      'SELECT * FROM operators WHERE tenant_id = $1 AND email = $2',
      [tenant_id, email],
    );
    const row = result.rows[0];
    return row ? toOperator(row) : undefined;
  }

  async listOperators(tenant_id: string): Promise<OperatorRecord[]> {
    const result = await this.#pool.query<Row>(
      'SELECT * FROM operators WHERE tenant_id = $1 ORDER BY created_at, id',
      [tenant_id],
    );
    return result.rows.map(toOperator);
  }

  async updateOperator(
    tenant_id: string,
    id: string,
    patch: OperatorPatch,
  ): Promise<OperatorRecord | undefined> {
    return transaction(this.#pool, async (client): Promise<Outcome<OperatorRecord | undefined>> => {
      const demoting = patch.role !== undefined && patch.role !== 'owner';
      if (demoting && !(await lockTenant(client, tenant_id))) return { value: undefined, commit: false };
      const current = await selectOperator(client, tenant_id, id);
      if (!current) return { value: undefined, commit: false };
      if (demoting && current.role === 'owner') await requireOtherOwner(client, tenant_id, id, true);
      // COALESCE in SQL, not values read above: a concurrent rename is not undone by a role change.
      const result = await client.query<Row>(
        `UPDATE operators SET
           role = COALESCE($3, role),
           name = COALESCE($4, name),
           password_hash = COALESCE($5, password_hash),
           updated_at = $6
         WHERE id = $1 AND tenant_id = $2 RETURNING *`,
        [id, tenant_id, patch.role ?? null, patch.name ?? null, patch.password_hash ?? null, now()],
      );
      const row = result.rows[0];
      return { value: row ? toOperator(row) : undefined, commit: true };
    });
  }

  async deleteOperator(tenant_id: string, id: string): Promise<boolean> {
    return transaction(this.#pool, async (client): Promise<Outcome<boolean>> => {
      if (!(await lockTenant(client, tenant_id))) return { value: false, commit: false };
      const current = await selectOperator(client, tenant_id, id);
      if (!current) return { value: false, commit: false };
      if (current.role === 'owner') await requireOtherOwner(client, tenant_id, id, false);
      // Sessions go by ON DELETE CASCADE, and their refresh tokens with them.
      await client.query('DELETE FROM operators WHERE id = $1 AND tenant_id = $2', [id, tenant_id]);
      return { value: true, commit: true };
    });
  }

  async createSession(
    session: { id: string; tenant_id: string; operator_id: string },
    first: NewRefreshToken,
  ): Promise<void> {
    if (first.session_id !== session.id)
      throw new Error('The first refresh token must belong to the session');
    try {
      await transaction(this.#pool, async (client): Promise<Outcome<void>> => {
        const time = now();
        await client.query(
          'INSERT INTO auth_sessions (id, tenant_id, operator_id, created_at) VALUES ($1, $2, $3, $4)',
          [session.id, session.tenant_id, session.operator_id, time],
        );
        await insertRefreshToken(client, first, time);
        return { value: undefined, commit: true };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('Session or refresh token exists already');
      throw error;
    }
  }

  async getSession(tenant_id: string, id: string): Promise<AuthSessionRecord | undefined> {
    const result = await this.#pool.query<Row>(
      'SELECT * FROM auth_sessions WHERE id = $1 AND tenant_id = $2',
      [id, tenant_id],
    );
    const row = result.rows[0];
    return row ? toSession(row) : undefined;
  }

  async revokeSession(tenant_id: string, id: string, reason: string): Promise<void> {
    // `revoked_at IS NULL` keeps the first reason: a logout after reuse detection stays "reuse".
    await this.#pool.query(
      `UPDATE auth_sessions SET revoked_at = $3, revoked_reason = $4
       WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL`,
      [id, tenant_id, now(), reason],
    );
  }

  async revokeOperatorSessions(tenant_id: string, operator_id: string, reason: string): Promise<number> {
    const result = await this.#pool.query(
      `UPDATE auth_sessions SET revoked_at = $3, revoked_reason = $4
       WHERE tenant_id = $1 AND operator_id = $2 AND revoked_at IS NULL`,
      [tenant_id, operator_id, now(), reason],
    );
    return result.rowCount ?? 0;
  }

  async findRefreshToken(token_hash: string): Promise<RefreshTokenRecord | undefined> {
    const result = await this.#pool.query<Row>('SELECT * FROM refresh_tokens WHERE token_hash = $1', [
      token_hash,
    ]);
    const row = result.rows[0];
    return row ? toRefreshToken(row) : undefined;
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined> {
    const result = await this.#pool.query<Row>('SELECT * FROM refresh_tokens WHERE id = $1', [id]);
    const row = result.rows[0];
    return row ? toRefreshToken(row) : undefined;
  }

  async rotateRefreshToken(old_id: string, successor: NewRefreshToken): Promise<boolean> {
    return transaction(this.#pool, async (client): Promise<Outcome<boolean>> => {
      // FOR SHARE makes a concurrent revokeSession wait until this commits, and if the revocation
      // committed first, returns the revoked row: a rotation never lands in a revoked session.
      const found = await client.query<Row>(
        `SELECT t.session_id, s.revoked_at FROM refresh_tokens t
         JOIN auth_sessions s ON s.id = t.session_id WHERE t.id = $1 FOR SHARE OF s`,
        [old_id],
      );
      const old = found.rows[0];
      if (!old || old.revoked_at !== null) return { value: false, commit: false };
      if (old.session_id !== successor.session_id) throw new Error('A successor must stay in its session');
      const time = now();
      // Racing rotations queue on the token's row lock; the losers re-check `rotated_at IS NULL` on
      // the winner's committed row and match nothing.
      const marked = await client.query(
        'UPDATE refresh_tokens SET rotated_at = $2, replaced_by = $3 WHERE id = $1 AND rotated_at IS NULL',
        [old_id, time, successor.id],
      );
      if (marked.rowCount === 0) return { value: false, commit: false };
      await insertRefreshToken(client, successor, time);
      return { value: true, commit: true };
    });
  }

  async createInvitation(invitation: NewInvitation): Promise<InvitationRecord> {
    try {
      const result = await this.#pool.query<Row>(
        `INSERT INTO invitations (id, tenant_id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          newId(),
          invitation.tenant_id,
          invitation.email,
          invitation.role,
          invitation.token_hash,
          invitation.invited_by,
          now(),
          normalizeTime(invitation.expires_at),
        ],
      );
      return toInvitation(result.rows[0] as Row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An invitation with this token exists already');
      throw error;
    }
  }

  async acceptInvitation(token_hash: string, operator: NewOperator): Promise<OperatorRecord | undefined> {
    return transaction(this.#pool, async (client): Promise<Outcome<OperatorRecord | undefined>> => {
      // The tenant first, as every other change to its operators does, so the locks never cross.
      if (!(await lockTenant(client, operator.tenant_id))) return { value: undefined, commit: false };
      const time = now();
      const used = await client.query<Row>(
        `UPDATE invitations SET accepted_at = $5
         WHERE token_hash = $1 AND tenant_id = $2 AND email = $3 AND accepted_at IS NULL AND expires_at > $4
         RETURNING role`,
        [token_hash, operator.tenant_id, operator.email, time, time],
      );
      const invitation = used.rows[0];
      if (!invitation) return { value: undefined, commit: false };
      // A ConflictError here rolls the whole transaction back, so the invitation stays unused.
      const record = await insertOperator(client, operator, String(invitation.role) as OperatorRole, time);
      return { value: record, commit: true };
    });
  }

  async createApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    try {
      const result = await this.#pool.query<Row>(
        `INSERT INTO api_keys (id, tenant_id, name, role, prefix, key_hash, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [newId(), key.tenant_id, key.name, key.role, key.prefix, key.key_hash, key.created_by, now()],
      );
      return toApiKey(result.rows[0] as Row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('An API key with this hash exists already');
      throw error;
    }
  }

  async listApiKeys(tenant_id: string): Promise<ApiKeyRecord[]> {
    const result = await this.#pool.query<Row>(
      'SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC',
      [tenant_id],
    );
    return result.rows.map(toApiKey);
  }

  async findApiKey(key_hash: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.#pool.query<Row>('SELECT * FROM api_keys WHERE key_hash = $1', [key_hash]);
    const row = result.rows[0];
    return row ? toApiKey(row) : undefined;
  }

  async revokeApiKey(tenant_id: string, id: string): Promise<boolean> {
    const result = await this.#pool.query(
      'UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL',
      [id, tenant_id, now()],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
