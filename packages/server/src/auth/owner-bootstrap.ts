/**
 * A tenant's first owner, made by whoever runs the command line (who holds the database, so may
 * already do anything): either with a password given now, or as a one-time owner invitation the
 * person redeems by registering. Without this, the first stranger to call register owned the
 * tenant (issue 11); in production that path is now closed (see `OPEN_REGISTRATION`).
 */
import { ApiError } from '../errors/api-error.ts';
import type { OperatorRecord } from '../storage/account-store.ts';
import type { Store } from '../storage/store.ts';
import { checkPasswordStrength, hashPassword } from './passwords.ts';
import { INVITATION_TTL_DAYS } from './team.ts';
import { mintInvitationToken } from './tokens.ts';

/** `invited_by` of invitations made from the command line: no operator made them. */
export const COMMAND_LINE = 'command-line';

/**
 * Where an invitee opens the console with everything filled in but their password: the path and
 * query under the platform's address, as the CLI prints it and the console's Team settings build it.
 */
export function consoleInvitationPath(invitation: {
  tenant_id: string;
  email: string;
  invitation_token: string;
}) {
  const query = new URLSearchParams({
    tenant: invitation.tenant_id,
    email: invitation.email,
    invitation: invitation.invitation_token,
  });
  return `/console?${query}`;
}

/** Problems with an owner's password, for the command line to print; empty when it is strong enough. */
export function ownerPasswordProblems(
  password: string,
  owner: { email: string; name?: string | undefined },
): string[] {
  return checkPasswordStrength(password, { email: owner.email.trim().toLowerCase(), name: owner.name });
}

/**
 * Creates an owner with this password. `ApiError('weak_password')` when it is too weak;
 * `ConflictError` (from the store) when the email exists in the tenant.
 */
export async function createOwner(
  store: Store,
  tenantId: string,
  owner: { email: string; name?: string | undefined; password: string },
): Promise<OperatorRecord> {
  const email = owner.email.trim().toLowerCase();
  const problems = ownerPasswordProblems(owner.password, owner);
  if (problems.length > 0)
    throw new ApiError('weak_password', `The password is too weak: ${problems.join(' ')}`);
  const created = await store.createOperator({
    tenant_id: tenantId,
    email,
    name: owner.name || email,
    role: 'owner',
    password_hash: await hashPassword(owner.password),
  });
  // createOperator returns undefined only with `onlyIfFirst`, which is not asked for here.
  if (!created) throw new Error('the owner was not created');
  return created;
}

/** A one-time invitation to become an owner of the tenant; the token is shown once, stored hashed. */
export async function inviteOwner(store: Store, tenantId: string, email: string) {
  const { token, hash } = mintInvitationToken();
  const invitation = await store.createInvitation({
    tenant_id: tenantId,
    email: email.trim().toLowerCase(),
    role: 'owner',
    token_hash: hash,
    invited_by: COMMAND_LINE,
    expires_at: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000).toISOString(),
  });
  return { invitation_token: token, email: invitation.email, expires_at: invitation.expires_at };
}
