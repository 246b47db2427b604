/**
 * Row-level helpers of `sqlite-accounts.ts`: the inserts and the checks that guard them, shared by
 * the methods that create, change or remove operators. Call them inside a transaction.
 */
import type { DatabaseSync } from 'node:sqlite';
import {
  LastOwnerError,
  type NewOperator,
  type NewRefreshToken,
  type OperatorRecord,
  type OperatorRole,
} from '../account-store.ts';
import { newId, normalizeTime, now, toOperator } from '../records.ts';
import { ConflictError } from '../store.ts';
import { isUniqueViolation, prepared } from './transaction.ts';

export function selectOperator(db: DatabaseSync, tenant_id: string, id: string): OperatorRecord | undefined {
  const row = prepared(db, 'SELECT * FROM operators WHERE id = ? AND tenant_id = ?').get(id, tenant_id);
  return row ? toOperator(row) : undefined;
}

/** Inserts with `role` (an invitation's, not the caller's); {@link ConflictError} when the email is taken. */
export function insertOperator(
  db: DatabaseSync,
  operator: NewOperator,
  role: OperatorRole,
  time = now(),
): OperatorRecord {
  const record: OperatorRecord = {
    id: newId(),
    tenant_id: operator.tenant_id,
    email: operator.email,
    name: operator.name,
    role,
    password_hash: operator.password_hash,
    created_at: time,
    updated_at: time,
  };
  try {
    prepared(
      db,
      `INSERT INTO operators (id, tenant_id, email, name, role, password_hash, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      record.id,
      record.tenant_id,
      record.email,
      record.name,
      record.role,
      record.password_hash,
      time,
      time,
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`Operator "${operator.email}" exists already`);
    throw error;
  }
  return record;
}

export function insertRefreshToken(db: DatabaseSync, token: NewRefreshToken, time: string): void {
  prepared(
    db,
    `INSERT INTO refresh_tokens (id, session_id, tenant_id, operator_id, token_hash, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    token.id,
    token.session_id,
    token.tenant_id,
    token.operator_id,
    token.token_hash,
    time,
    normalizeTime(token.expires_at),
  );
}

/** Throws unless the tenant exists, so that a typo reads as such rather than as a foreign-key failure. */
export function requireTenant(db: DatabaseSync, tenant_id: string): void {
  if (!prepared(db, 'SELECT 1 FROM tenants WHERE id = ?').get(tenant_id)) {
    throw new Error(`Tenant "${tenant_id}" does not exist`);
  }
}

/**
 * {@link LastOwnerError} unless an owner other than `id` remains, or no operator remains at all.
 * `stays`: whether `id` itself remains (demoted) or goes (deleted).
 */
export function requireOtherOwner(db: DatabaseSync, tenant_id: string, id: string, stays: boolean): void {
  const others = prepared(
    db,
    `SELECT count(*) FILTER (WHERE role = 'owner') AS owners, count(*) AS operators
       FROM operators WHERE tenant_id = ? AND id <> ?`,
  ).get(tenant_id, id);
  const remaining = Number(others?.operators ?? 0) + (stays ? 1 : 0);
  if (remaining > 0 && Number(others?.owners ?? 0) === 0) {
    throw new LastOwnerError(`Operator "${id}" is the last owner of tenant "${tenant_id}"`);
  }
}
