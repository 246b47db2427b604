/**
 * The part of the storage contract that holds who may do what: operators, their login sessions
 * and refresh tokens, invitations and API keys. Secrets are never stored: only hashes.
 * `Store` extends this; both implementations pass `account-store.conformance.ts`.
 */

/** What an operator may do: owners manage everything, admins manage agents and settings, agents answer chats. */
export type OperatorRole = 'owner' | 'admin' | 'agent';

/** A person who works for a tenant and logs in with email and password. */
export interface OperatorRecord {
  /** UUID. */
  id: string;
  /** Tenant the operator belongs to; an email is unique per tenant, not globally. */
  tenant_id: string;
  /** Lower-cased email. */
  email: string;
  /** Display name. */
  name: string;
  /** Role. */
  role: OperatorRole;
  /** PHC string of the password hash (argon2id). */
  password_hash: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  updated_at: string;
}

/** What it takes to create an operator. */
export interface NewOperator {
  /** Owning tenant; must exist. */
  tenant_id: string;
  /** Lower-cased email. */
  email: string;
  /** Display name. */
  name: string;
  /** Role. */
  role: OperatorRole;
  /** PHC string of the password hash. */
  password_hash: string;
}

/** The fields of an operator that may change. */
export interface OperatorPatch {
  /** New role. */
  role?: OperatorRole;
  /** New display name. */
  name?: string;
  /** New password hash. */
  password_hash?: string;
}

/** One login of an operator: the family of refresh tokens that descend from it (RFC 9700 §4.14.2). */
export interface AuthSessionRecord {
  /** Random id; access tokens carry it as `sid`. */
  id: string;
  /** Tenant. */
  tenant_id: string;
  /** Operator who logged in. */
  operator_id: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601 when revoked (logout, reuse detected, password change); null while live. */
  revoked_at: string | null;
  /** Why it was revoked: `logout`, `reuse`, `password_change`, `removed`. */
  revoked_reason: string | null;
}

/** One refresh token of a session. */
export interface RefreshTokenRecord {
  /** Random id, chosen by the caller (the token is derived from it). */
  id: string;
  /** Session (token family) it belongs to. */
  session_id: string;
  /** Tenant. */
  tenant_id: string;
  /** Operator. */
  operator_id: string;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601 after which the token is refused. */
  expires_at: string;
  /** ISO 8601 when it was exchanged for its successor; null while it is the live token. */
  rotated_at: string | null;
  /** Id of the successor once rotated. */
  replaced_by: string | null;
}

/** What it takes to store a refresh token. */
export interface NewRefreshToken {
  /** Random id. */
  id: string;
  /** Session. */
  session_id: string;
  /** Tenant. */
  tenant_id: string;
  /** Operator. */
  operator_id: string;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  /** ISO 8601. */
  expires_at: string;
}

/** An invitation for one email to join a tenant with a role. */
export interface InvitationRecord {
  /** UUID. */
  id: string;
  /** Tenant. */
  tenant_id: string;
  /** Lower-cased email it is for. */
  email: string;
  /** Role the new operator gets. */
  role: OperatorRole;
  /** SHA-256 of the invitation token, hex. */
  token_hash: string;
  /** Operator who invited. */
  invited_by: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601. */
  expires_at: string;
  /** ISO 8601 once used; an invitation is used once. */
  accepted_at: string | null;
}

/** What it takes to create an invitation. */
export interface NewInvitation {
  /** Tenant. */
  tenant_id: string;
  /** Lower-cased email. */
  email: string;
  /** Role. */
  role: OperatorRole;
  /** SHA-256 of the token, hex. */
  token_hash: string;
  /** Operator who invites. */
  invited_by: string;
  /** ISO 8601. */
  expires_at: string;
}

/** A key for server-to-server calls, scoped to one tenant. */
export interface ApiKeyRecord {
  /** UUID. */
  id: string;
  /** Tenant. */
  tenant_id: string;
  /** What it is for, e.g. "CRM sync". */
  name: string;
  /** Acts with this role; never `owner`. */
  role: 'admin' | 'agent';
  /** First characters of the key, to recognise it in a list. */
  prefix: string;
  /** SHA-256 of the key, hex. */
  key_hash: string;
  /** Operator who created it. */
  created_by: string;
  /** ISO 8601. */
  created_at: string;
  /** ISO 8601 once revoked; a revoked key is refused. */
  revoked_at: string | null;
}

/** What it takes to create an API key. */
export interface NewApiKey {
  /** Tenant. */
  tenant_id: string;
  /** Label. */
  name: string;
  /** Role. */
  role: 'admin' | 'agent';
  /** Display prefix. */
  prefix: string;
  /** SHA-256 of the key, hex. */
  key_hash: string;
  /** Operator who creates it. */
  created_by: string;
}

/** Raised when a change would leave a tenant that has operators without an owner. */
export class LastOwnerError extends Error {
  override name = 'LastOwnerError';
}

/** Operators, sessions, refresh tokens, invitations and API keys. Every lookup by id is tenant-scoped. */
export interface AccountStore {
  /**
   * Creates an operator. {@link ConflictError} when the email is taken in the tenant. With
   * `onlyIfFirst`, creates it only if the tenant has no operator yet (atomically) and returns
   * undefined otherwise: two racing "first" registrations make one owner.
   */
  createOperator(
    operator: NewOperator,
    options?: { onlyIfFirst?: boolean },
  ): Promise<OperatorRecord | undefined>;
  /** The operator if it exists in the tenant. */
  getOperator(tenant_id: string, id: string): Promise<OperatorRecord | undefined>;
  /** The operator with this (lower-cased) email in the tenant. */
  findOperatorByEmail(tenant_id: string, email: string): Promise<OperatorRecord | undefined>;
  /** The tenant's operators, oldest first. */
  listOperators(tenant_id: string): Promise<OperatorRecord[]>;
  /** Applies the patch; undefined when not found; {@link LastOwnerError} if it would demote the last owner. */
  updateOperator(tenant_id: string, id: string, patch: OperatorPatch): Promise<OperatorRecord | undefined>;
  /** Deletes the operator with its sessions; false when not found; {@link LastOwnerError} for the last owner. */
  deleteOperator(tenant_id: string, id: string): Promise<boolean>;

  /** Starts a session with its first refresh token, in one transaction. */
  createSession(
    session: { id: string; tenant_id: string; operator_id: string },
    first: NewRefreshToken,
  ): Promise<void>;
  /** The session if it exists in the tenant. */
  getSession(tenant_id: string, id: string): Promise<AuthSessionRecord | undefined>;
  /** Revokes one session (no-op if already revoked). */
  revokeSession(tenant_id: string, id: string, reason: string): Promise<void>;
  /** Revokes every live session of an operator; returns how many. */
  revokeOperatorSessions(tenant_id: string, operator_id: string, reason: string): Promise<number>;
  /** The refresh token with this hash, whatever its state. */
  findRefreshToken(token_hash: string): Promise<RefreshTokenRecord | undefined>;
  /** The refresh token with this id. */
  getRefreshToken(id: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Atomically marks `old_id` rotated (replaced by `successor`) and stores the successor, but only
   * if `old_id` is not rotated yet and its session is live. False when another request rotated it
   * first or the session is revoked; then nothing is stored.
   */
  rotateRefreshToken(old_id: string, successor: NewRefreshToken): Promise<boolean>;

  /** Stores an invitation. */
  createInvitation(invitation: NewInvitation): Promise<InvitationRecord>;
  /**
   * Atomically uses the tenant's unexpired, unused invitation with this token hash and email to
   * create the operator with the invitation's role (the `role` of `operator` is ignored).
   * Undefined when there is no such invitation; {@link ConflictError} when the email is taken.
   */
  acceptInvitation(token_hash: string, operator: NewOperator): Promise<OperatorRecord | undefined>;

  /** Stores an API key. */
  createApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  /** The tenant's keys, revoked ones included, newest first. */
  listApiKeys(tenant_id: string): Promise<ApiKeyRecord[]>;
  /** The key with this hash, whatever its state. */
  findApiKey(key_hash: string): Promise<ApiKeyRecord | undefined>;
  /** Revokes the tenant's key; false when not found or already revoked. */
  revokeApiKey(tenant_id: string, id: string): Promise<boolean>;
}
