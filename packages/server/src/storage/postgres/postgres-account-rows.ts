/**
 * Row-level helpers of `postgres-accounts.ts`: the tenant lock, the inserts, and the last-owner
 * check, shared by the methods that create, change or remove operators.
 */
import type pg from 'pg';
import {
  LastOwnerError,
  type NewOperator,
  type NewRefreshToken,
  type OperatorRecord,
  type OperatorRole,
} from '../account-store.ts';
import { newId, normalizeTime, toOperator } from '../records.ts';
import { ConflictError } from '../store.ts';
import { isUniqueViolation, type Row } from './transaction.ts';

/** A pool for a single statement, or a transaction's client. */
type Queryable = pg.Pool | pg.PoolClient;

/**
 * Locks the tenant's row until the transaction ends; false when there is no such tenant.
 * NO KEY UPDATE conflicts with itself, which is all the serialising needed, but not with the
 * KEY SHARE lock a foreign-key check takes: chats keep being created while operators change.
 */
export async function lockTenant(client: pg.PoolClient, tenant_id: string): Promise<boolean> {
  const result = await client.query('SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE', [tenant_id]);
  return result.rowCount === 1;
}

export async function selectOperator(
  db: Queryable,
  tenant_id: string,
  id: string,
): Promise<OperatorRecord | undefined> {
  const result = await db.query<Row>('SELECT * FROM operators WHERE id = $1 AND tenant_id = $2', [
    id,
    tenant_id,
  ]);
  const row = result.rows[0];
  return row ? toOperator(row) : undefined;
}

/** Inserts with `role` (an invitation's, not the caller's); {@link ConflictError} when the email is taken. */
export async function insertOperator(
  client: pg.PoolClient,
  operator: NewOperator,
  role: OperatorRole,
  time: string,
): Promise<OperatorRecord> {
  try {
    const result = await client.query<Row>(
      `INSERT INTO operators (id, tenant_id, email, name, role, password_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
      [newId(), operator.tenant_id, operator.email, operator.name, role, operator.password_hash, time],
    );
    return toOperator(result.rows[0] as Row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`Operator "${operator.email}" exists already`);
    throw error;
  }
}

export async function insertRefreshToken(
  client: pg.PoolClient,
  token: NewRefreshToken,
  time: string,
): Promise<void> {
  await client.query(
    `INSERT INTO refresh_tokens (id, session_id, tenant_id, operator_id, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      token.id,
      token.session_id,
      token.tenant_id,
      token.operator_id,
      token.token_hash,
      time,
      normalizeTime(token.expires_at),
    ],
  );
}

/**
 * {@link LastOwnerError} unless an owner other than `id` remains, or no operator remains at all.
 * `stays`: whether `id` itself remains (demoted) or goes (deleted). Call with the tenant locked.
 */
export async function requireOtherOwner(
  client: pg.PoolClient,
  tenant_id: string,
  id: string,
  stays: boolean,
): Promise<void> {
  const result = await client.query<Row>(
    `SELECT count(*) FILTER (WHERE role = 'owner') AS owners, count(*) AS operators
     FROM operators WHERE tenant_id = $1 AND id <> $2`,
    [tenant_id, id],
  );
  // count(*) is a bigint, which pg hands over as a string.
  const others = result.rows[0];
  const remaining = Number(others?.operators ?? 0) + (stays ? 1 : 0);
  if (remaining > 0 && Number(others?.owners ?? 0) === 0) {
    throw new LastOwnerError(`Operator "${id}" is the last owner of tenant "${tenant_id}"`);
  }
}
